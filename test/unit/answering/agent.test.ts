// Unit tests for the agent's pure helpers: retry delays and thread labels.
import { expect } from 'chai';
import { threadLabels } from '../../../actors/answering/agent.ts';
import { retryDelayMs } from '../../../actors/answering/core/reply-lifecycle.ts';

describe('agent', function () {
  it('waits at least what the server asked for (Retry-After)', function () {
    expect(retryDelayMs({ retryAfterMs: 7_000 }, 1)).to.equal(7_000);
  });

  it('backs off exponentially without a Retry-After, capped at 30 s', function () {
    expect(retryDelayMs({}, 1)).to.equal(500);
    expect(retryDelayMs({}, 3)).to.equal(2_000);
    expect(retryDelayMs({}, 20)).to.equal(30_000);
  });

  it('labels a thread with its owner and specialization, and escalated only when it is', function () {
    expect(threadLabels('n-agent-0', 'support', false)).to.deep.equal([
      'owner:n-agent-0',
      'specialization:support',
    ]);
    expect(threadLabels('n-agent-0', 'support', true)).to.include('escalated');
  });
});
