// Unit tests for the deterministic work and escalation msgIDs the streams de-duplicate on.
import { expect } from 'chai';
import { humanMsgId, workMsgId } from '../../../actors/conversation/message-ids.ts';

describe('message-ids', function () {
  it('are stable per message and epoch, differ across epochs, inboxes and purposes', function () {
    expect(workMsgId('i', '<m@x>', 0)).to.equal(workMsgId('i', '<m@x>', 0));
    expect(workMsgId('i', '<m@x>', 0)).to.not.equal(workMsgId('i', '<m@x>', 1));
    expect(workMsgId('i', '<m@x>', 0)).to.not.equal(workMsgId('j', '<m@x>', 0));
    expect(humanMsgId('i', '<m@x>')).to.not.equal(workMsgId('i', '<m@x>', 0));
  });
});
