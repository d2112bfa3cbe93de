// The deadlines that must nest: derived from configuration in one place, and the nesting checked in code.
import { expect } from 'chai';
import { loadConfig } from '../../../actors/runtime/config.ts';
import {
  assertNested,
  deriveTimeouts,
  maxProposals,
  TimeoutInvariantError,
} from '../../../actors/runtime/timeouts.ts';

describe('timeouts', function () {
  it('nests a draft and a send inside the agent ack wait, and every proposal inside the processor ack wait', function () {
    for (const openaiTimeoutMs of [1_000, 10_000, 30_000]) {
      for (const paxosTimeoutMs of [100, 5_000, 600_000]) {
        const t = deriveTimeouts({ openaiTimeoutMs, paxosTimeoutMs });
        expect(t.draftMs).to.equal(2 * openaiTimeoutMs);
        expect(t.draftMs + t.sendBudgetMs).to.be.lessThan(t.agentAckWaitMs);
        expect(t.classifyMs + t.proposeRequestMs * maxProposals).to.be.lessThan(t.processorAckWaitMs);
        expect(t.proposeRequestMs).to.be.greaterThan(paxosTimeoutMs);
      }
    }
  });

  it('refuses a set of deadlines that do not nest, naming which', function () {
    const t = deriveTimeouts({ openaiTimeoutMs: 10_000, paxosTimeoutMs: 5_000 });
    expect(() => assertNested({ ...t, agentAckWaitMs: t.draftMs })).to.throw(
      TimeoutInvariantError,
      /draft \+ send within the agent ack wait/,
    );
    expect(() => assertNested({ ...t, processorAckWaitMs: t.proposeRequestMs * maxProposals })).to.throw(
      TimeoutInvariantError,
      /processor ack wait/,
    );
  });

  it('is what the configuration hands every actor', function () {
    const c = loadConfig({ OPENAI_TIMEOUT: '20', PAXOS_TIMEOUT: '3' });
    expect(c.timeouts).to.deep.equal(deriveTimeouts({ openaiTimeoutMs: 20_000, paxosTimeoutMs: 3_000 }));
  });
});
