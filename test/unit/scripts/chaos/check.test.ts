// The chaos checker on hand-made histories: a clean run passes, and each kind of broken run is caught and named.
import { expect } from 'chai';
import { checkHistory, parseInstance, summarize } from '../../../../scripts/chaos/core/check.ts';
import type { HistoryEntry } from '../../../../scripts/chaos/core/history.ts';

const delivery = (
  t: number,
  messageId: string,
  status = 200,
  threadId = `thd-${messageId}`,
): HistoryEntry => ({
  kind: 'delivery',
  t,
  svixId: `msg_${messageId}`,
  messageId,
  threadId,
  gateway: 'http://127.0.0.1:1',
  attempt: 1,
  status,
});
const sent = (t: number, messageId: string): HistoryEntry => ({
  kind: 'sent',
  t,
  messageId,
  idempotencyKey: `key-${messageId}`,
});
const decision = (t: number, instance: string, agentId: string, learner = 'n1-learner-0'): HistoryEntry => ({
  kind: 'decision',
  t,
  instance,
  agentId,
  epoch: parseInstance(instance)?.epoch ?? null,
  learner,
});
const event = (
  t: number,
  name: string,
  actorId: string,
  more: { messageId?: string; threadId?: string; epoch?: number; reason?: string; from?: string } = {},
): HistoryEntry => ({
  kind: 'event',
  t,
  event: name,
  actorId,
  messageId: more.messageId ?? null,
  threadId: more.threadId ?? null,
  epoch: more.epoch ?? null,
  reason: more.reason ?? null,
  from: more.from ?? null,
});
const kill = (t: number, target: string): HistoryEntry => ({
  kind: 'fault',
  t,
  action: 'kill',
  target,
  what: 'agent',
});

/** Two emails, each answered once by its owner; the second after a kill. */
const clean: HistoryEntry[] = [
  delivery(0, 'm1', 503),
  delivery(100, 'm1'),
  delivery(200, 'm2'),
  decision(300, 'conv/thd-m1/1', 'a1'),
  decision(310, 'conv/thd-m1/1', 'a1', 'n2-learner-0'),
  decision(320, 'conv/thd-m2/1', 'a2'),
  kill(1_000, 'a2'),
  sent(1_500, 'm1'),
  event(1_500, 'reply.sent', 'a1', { messageId: 'm1', threadId: 'thd-m1', epoch: 1 }),
  decision(4_000, 'conv/thd-m2/2', 'a1'),
  sent(5_000, 'm2'),
  event(5_000, 'reply.sent', 'a1', { messageId: 'm2', threadId: 'thd-m2', epoch: 2 }),
];

describe('chaos checker', () => {
  it('passes a run where every acknowledged email ended once, and measures recovery and the longest pause', () => {
    const v = checkHistory(clean);
    expect(v.violations).to.deep.equal([]);
    expect(v).to.include({ acked: 2, replied: 2, escalated: 0, skipped: 0, lost: 0, duplicated: 0 });
    expect(v).to.include({ doubleOwners: 0, disagreeingLearners: 0, staleSends: 0 });
    // The kill at 1.0 s is followed by m1's reply at 1.5 s.
    expect(v.recoveryS).to.equal(0.5);
    // m2 waited from the reply at 1.5 s to the decision at 4.0 s, then to its reply at 5.0 s: decisions are not replies.
    expect(v.maxGapS).to.equal(3.5);
  });

  it('measures the time from an agent’s kill to its first conversation moving, and from a Paxos kill to the next decision', () => {
    const v = checkHistory([
      ...clean,
      event(3_000, 'conversation.reassigned', 'p1', { threadId: 'thd-m2', from: 'a2' }),
      { kind: 'fault', t: 3_500, action: 'kill', target: 'n1-proposer-0', what: 'proposer' },
    ]);
    expect(v.reassignS).to.equal(2);
    expect(v.decisionRecoveryS).to.equal(0.5);
  });

  it('counts an email that was never acknowledged as nobody’s responsibility', () => {
    const v = checkHistory([delivery(0, 'm9', 503), delivery(10, 'm9', 0)]);
    expect(v).to.include({ acked: 0, lost: 0 });
  });

  it('lost: an acknowledged email with no reply, escalation or skip by the end', () => {
    const v = checkHistory([...clean, delivery(6_000, 'm3')]);
    expect(v.lost).to.equal(1);
    expect(v.violations).to.deep.equal([{ kind: 'lost', detail: 'm3 acknowledged, never answered' }]);
  });

  it('an escalated or skipped email is not lost, and a skip keeps its reason', () => {
    const v = checkHistory([
      ...clean,
      delivery(6_000, 'm3'),
      event(6_100, 'escalation.queued', 'a1', { messageId: 'm3', threadId: 'thd-m3', epoch: 1 }),
      delivery(6_200, 'm4'),
      event(6_300, 'mail.not-answered', 'p1', { messageId: 'm4', reason: 'auto-reply' }),
    ]);
    expect(v.violations).to.deep.equal([]);
    expect(v).to.include({ escalated: 1, skipped: 1, lost: 0 });
    expect(v.skipReasons).to.deep.equal({ 'auto-reply': 1 });
  });

  it('duplicated: two effective sends for one received email', () => {
    const v = checkHistory([...clean, sent(6_000, 'm1')]);
    expect(v.duplicated).to.equal(1);
    expect(v.violations.map((x) => x.kind)).to.deep.equal(['duplicated']);
  });

  it('duplicated: an email both answered and escalated', () => {
    const v = checkHistory([
      ...clean,
      event(6_000, 'escalation.queued', 'a1', { messageId: 'm2', threadId: 'thd-m2', epoch: 2 }),
    ]);
    expect(v.duplicated).to.equal(1);
  });

  it('double owner: two values decided for one instance', () => {
    const v = checkHistory([...clean, decision(6_000, 'conv/thd-m2/2', 'a3', 'stream')]);
    expect(v.doubleOwners).to.equal(1);
    expect(v.violations).to.deep.equal([
      { kind: 'double_owner', detail: 'conv/thd-m2/2 decided for a1 and a3' },
    ]);
  });

  it('double owner: two agents answered in one thread in the same epoch', () => {
    const v = checkHistory([
      ...clean,
      event(6_000, 'reply.sent', 'a2', { messageId: 'm2', threadId: 'thd-m2', epoch: 2 }),
    ]);
    expect(v.doubleOwners).to.equal(1);
    expect(v.violations[0]).to.deep.equal({
      kind: 'double_owner',
      detail: 'thd-m2 epoch 2 answered by a1 and a2',
    });
  });

  it('disagreeing learners: two learners published different values for one instance', () => {
    const v = checkHistory([...clean, decision(6_000, 'conv/thd-m1/1', 'a9', 'n3-learner-0')]);
    expect(v.disagreeingLearners).to.equal(1);
    expect(v.violations.map((x) => x.kind)).to.include('disagreeing_learners');
  });

  it('disagreeing learners: a learner reported a safety violation', () => {
    const v = checkHistory([
      ...clean,
      event(6_000, 'paxos.safety-violation', 'n1-learner-0', { reason: 'x' }),
    ]);
    expect(v.disagreeingLearners).to.equal(1);
  });

  it('counts a send by an agent after its conversation was decided for another (stale sends), without failing', () => {
    const v = checkHistory([
      ...clean,
      {
        kind: 'agentmail-request',
        t: 4_500,
        messageId: 'm2',
        idempotencyKey: 'key-m2',
        agent: 'a2',
        status: 200,
      },
    ]);
    expect(v.staleSends).to.equal(1);
    expect(v.violations).to.deep.equal([]);
  });

  it('summarizes runs per scenario and names the seeds that failed', () => {
    const s = summarize('agent', [
      { seed: 1, verdict: checkHistory(clean) },
      { seed: 2, verdict: checkHistory([...clean, delivery(6_000, 'm3')]) },
    ]);
    expect(s).to.include({ name: 'agent', runs: 2, acked: 5, replied: 4, lost: 1, recovery_s: 0.5 });
    expect(s.failed_seeds).to.deep.equal([2]);
  });
});
