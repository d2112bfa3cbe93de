// The processor's pure helpers: the backoff of mail that waits for an owner, and the boundary parse of AgentMail's message.
import { expect } from 'chai';
import { waitingDelayMs } from '../../../actors/processing/processor.ts';

describe('processor', function () {
  it('lets unroutable mail wait with a growing backoff, never shorter than suggested, never above 10 s', function () {
    expect(waitingDelayMs(500, 1)).to.equal(500);
    expect(waitingDelayMs(0, 1)).to.equal(250);
    expect(waitingDelayMs(0, 3)).to.equal(1_000);
    expect(waitingDelayMs(2_000, 2)).to.equal(2_000);
    expect(waitingDelayMs(0, 30)).to.equal(10_000);
    expect(waitingDelayMs(0, 10_000)).to.equal(10_000);
  });
});
