// Unit tests for the agent's rule on whether it may act on a work item.
import { expect } from 'chai';
import { workVerdict } from '../../../../actors/answering/core/work-verdict.ts';

describe('work-verdict', function () {
  it('lets the owner act when no later epoch is known', function () {
    expect(workVerdict({ owner: 'a', epoch: 1 }, undefined, 'a')).to.equal('own');
    expect(workVerdict({ owner: 'a', epoch: 1 }, { epoch: 1, agentId: 'a' }, 'a')).to.equal('own');
    // The learner may lag behind the decision the processor already used.
    expect(workVerdict({ owner: 'a', epoch: 2 }, { epoch: 1, agentId: 'b' }, 'a')).to.equal('own');
  });
  it('calls an item stale once a later epoch gave the conversation to someone else', function () {
    expect(workVerdict({ owner: 'a', epoch: 0 }, { epoch: 1, agentId: 'b' }, 'a')).to.equal('stale');
  });
  it('refuses an item addressed to another agent', function () {
    expect(workVerdict({ owner: 'b', epoch: 0 }, undefined, 'a')).to.equal('misrouted');
  });
});
