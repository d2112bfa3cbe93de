// Unit tests for the pure routing rules: candidate choice, sticky ownership, liveness, stale work, ids.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  chooseCandidate,
  livenessOf,
  planOwnership,
  recognizeDelivery,
  type AgentView,
} from '../../../../actors/processing/core/routing.ts';

const agent = (actorId: string, over: Partial<AgentView> = {}): AgentView => ({
  actorId,
  available: true,
  load: 0,
  capacity: 4,
  specializations: [],
  ...over,
});

describe('routing', function () {
  describe('chooseCandidate', function () {
    it('prefers an agent with the wanted specialization over a less loaded one without it', function () {
      const pick = chooseCandidate(
        [
          agent('a', { load: 0, specializations: ['sales'] }),
          agent('b', { load: 3, specializations: ['support'] }),
        ],
        'support',
      );
      expect(pick?.actorId).to.equal('b');
    });

    it('falls back to any available agent when nobody has the specialization', function () {
      const pick = chooseCandidate(
        [
          agent('a', { load: 2, specializations: ['sales'] }),
          agent('b', { load: 1, specializations: ['general'] }),
        ],
        'support',
      );
      expect(pick?.actorId).to.equal('b');
    });

    it('picks the lowest load/capacity ratio, not the lowest load', function () {
      const pick = chooseCandidate(
        [agent('a', { load: 2, capacity: 2 }), agent('b', { load: 3, capacity: 10 })],
        undefined,
      );
      expect(pick?.actorId).to.equal('b');
    });

    it('breaks ties by load, then by the smallest id', function () {
      expect(chooseCandidate([agent('b'), agent('a')], undefined)?.actorId).to.equal('a');
      expect(
        chooseCandidate(
          [agent('a', { load: 2, capacity: 4 }), agent('b', { load: 1, capacity: 2 })],
          undefined,
        )?.actorId,
      ).to.equal('b');
    });

    it('never picks an unavailable agent, and says so when none is left', function () {
      const agents = [agent('a', { available: false }), agent('b')];
      expect(chooseCandidate(agents, undefined)?.actorId).to.equal('b');
      expect(chooseCandidate([agent('a', { available: false })], undefined)).to.equal(undefined);
      expect(chooseCandidate([], 'support')).to.equal(undefined);
    });

    it('gives the same answer whatever order the heartbeats arrived in', function () {
      const arb = fc.uniqueArray(
        fc.record({
          actorId: fc.stringMatching(/^[a-z]{1,4}$/),
          available: fc.boolean(),
          load: fc.nat(5),
          capacity: fc.nat(5),
          specializations: fc.subarray(['support', 'sales', 'general']),
        }),
        { selector: (a) => a.actorId, maxLength: 8 },
      );
      fc.assert(
        fc.property(arb, fc.constantFrom('support', 'sales', undefined), (agents, spec) => {
          const a = chooseCandidate(agents, spec)?.actorId;
          const b = chooseCandidate([...agents].reverse(), spec)?.actorId;
          expect(a).to.equal(b);
        }),
      );
    });
  });

  describe('planOwnership', function () {
    it('proposes epoch 0 for a conversation nobody owns', function () {
      expect(planOwnership(undefined, 'dead')).to.deep.equal({ kind: 'propose', epoch: 0 });
    });
    it('keeps a living owner (sticky)', function () {
      expect(planOwnership({ agentId: 'a', epoch: 3 }, 'alive')).to.deep.equal({
        kind: 'keep',
        agentId: 'a',
        epoch: 3,
      });
    });
    it('proposes the next epoch when the owner is dead', function () {
      expect(planOwnership({ agentId: 'a', epoch: 3 }, 'dead')).to.deep.equal({ kind: 'propose', epoch: 4 });
    });
    it('waits rather than steal a conversation from an owner it has not heard of yet', function () {
      expect(planOwnership({ agentId: 'a', epoch: 0 }, 'unknown')).to.deep.equal({ kind: 'wait' });
    });
  });

  describe('livenessOf', function () {
    it('is unknown for a silent peer while warming up, dead afterwards', function () {
      expect(livenessOf(undefined, false)).to.equal('unknown');
      expect(livenessOf(undefined, true)).to.equal('dead');
    });
    it('treats a draining or silent agent as gone for new work', function () {
      expect(livenessOf({ alive: true, status: 'running' }, true)).to.equal('alive');
      expect(livenessOf({ alive: true, status: 'draining' }, true)).to.equal('dead');
      expect(livenessOf({ alive: false, status: 'running' }, true)).to.equal('dead');
    });
  });

  describe('recognizeDelivery', function () {
    const conv = (messageIds: string[], pending: string[]) => ({
      messageIds,
      pending: pending.map((messageId) => ({ messageId })),
    });
    it('recognises a handled email from its reply record, whatever the conversation record says yet', function () {
      // The agent's settle of the conversation may not have landed: the reply record alone decides.
      expect(recognizeDelivery('m1', { status: 'sent' }, conv(['m1'], ['m1']))).to.equal('reply-record');
      expect(recognizeDelivery('m1', { status: 'escalated' }, undefined)).to.equal('reply-record');
      expect(recognizeDelivery('m1', { status: 'intent' }, conv(['m1'], ['m1']))).to.equal('reply-record');
    });
    it('recognises a routed and settled email from the conversation when no reply record exists', function () {
      expect(recognizeDelivery('m1', undefined, conv(['m0', 'm1'], []))).to.equal('conversation');
    });
    it('routes a new email, and routes again one still pending (a crashed attempt)', function () {
      expect(recognizeDelivery('m1', undefined, undefined)).to.equal(undefined);
      expect(recognizeDelivery('m1', undefined, conv(['m0'], []))).to.equal(undefined);
      expect(recognizeDelivery('m1', undefined, conv(['m1'], ['m1']))).to.equal(undefined);
    });
  });
});
