// Rule-by-rule tests of the agent's reply lifecycle core (the rules L1-L6 are listed at the top of the module).
import { expect } from 'chai';
import {
  fenceVerdict,
  nextStep,
  sendFailureStep,
  type Facts,
  type LifecycleItem,
  type LifecyclePolicy,
} from '../../../../actors/answering/core/reply-lifecycle.ts';
import type { ReplyDraft } from '../../../../schemas/reply.ts';
import type { ReplyRecord } from '../../../../schemas/work.ts';

const item: LifecycleItem = { owner: 'a', epoch: 1, needsHuman: false, humanReasons: [] };
const policy: LifecyclePolicy = { me: 'a', deliveries: 1, maxDeliver: 12 };

const draft = (over: Partial<ReplyDraft> = {}): ReplyDraft =>
  ({
    text: 'Hello',
    grounded: true,
    passages: [],
    responder: { kind: 'builtin', version: 'v1' },
    ...over,
  }) as ReplyDraft;

const record = (status: ReplyRecord['status'], withDraft = true): ReplyRecord =>
  ({
    type: 'reply-record',
    status,
    inboxId: 'i',
    threadId: 't',
    messageId: 'm',
    agentId: 'a',
    epoch: 1,
    idempotencyKey: 'k',
    audit: withDraft ? { draft: draft() } : {},
    updatedAt: '2026-01-01T00:00:00Z',
  }) as ReplyRecord;

const mine = { epoch: 1, agentId: 'a' };

describe('reply-lifecycle', function () {
  it('L1: reads the owner first, and skips an item a later epoch gave to someone else', function () {
    expect(nextStep(item, {}, policy)).to.deep.equal({ kind: 'read-owner' });
    expect(nextStep(item, { owner: { epoch: 2, agentId: 'b' } }, policy)).to.deep.equal({
      kind: 'skip',
      event: 'work.stale',
    });
    expect(nextStep({ ...item, owner: 'b' }, { owner: null }, policy)).to.deep.equal({
      kind: 'skip',
      event: 'work.misrouted',
    });
    // The learner may lag behind the decision the processor used: no record, or an older epoch, is not stale.
    expect(nextStep(item, { owner: null }, policy).kind).to.equal('read-record');
    expect(nextStep(item, { owner: { epoch: 0, agentId: 'b' } }, policy).kind).to.equal('read-record');
  });

  it('L2: a final reply record is the answer, whoever wrote it', function () {
    for (const status of ['sent', 'escalated', 'failed'] as const) {
      const r = record(status);
      expect(nextStep(item, { owner: mine, record: r }, policy)).to.deep.equal({
        kind: 'already-done',
        record: r,
      });
    }
  });

  it('L3: escalates needs-a-human mail without drafting, with its reasons', function () {
    const human = { ...item, needsHuman: true, humanReasons: ['legal_threat'] };
    expect(nextStep(human, { owner: mine, record: null }, policy)).to.deep.equal({
      kind: 'escalate',
      reasons: ['legal_threat'],
    });
    expect(nextStep({ ...human, humanReasons: [] }, { owner: mine, record: null }, policy)).to.deep.equal({
      kind: 'escalate',
      reasons: ['needs-human'],
    });
  });

  it('L3: escalates when the responder says it should not answer, keeping the draft for the audit', function () {
    const d = draft({ escalate: true, escalateReason: 'no-kb-match' });
    expect(nextStep(item, { owner: mine, record: null, draft: d }, policy)).to.deep.equal({
      kind: 'escalate',
      reasons: ['no-kb-match'],
      draft: d,
    });
  });

  it('L4: drafts, then records the intent before any send', function () {
    expect(nextStep(item, { owner: mine, record: null }, policy)).to.deep.equal({ kind: 'draft' });
    const d = draft();
    expect(nextStep(item, { owner: mine, record: null, draft: d }, policy)).to.deep.equal({
      kind: 'record-intent',
      draft: d,
    });
  });

  it('L4: sends a recorded intent as it is, never drafting again (a crash between intent and send)', function () {
    const r = record('intent');
    const steps = [nextStep(item, { owner: mine, record: r }, policy)];
    steps.push(nextStep(item, { owner: mine, record: r, fence: 'clear' }, policy));
    expect(steps).to.deep.equal([{ kind: 'fence' }, { kind: 'send', record: r }]);
  });

  it('L5: checks the fence right before the send, and a reassignment meanwhile stops it', function () {
    const r = record('intent');
    expect(nextStep(item, { owner: mine, record: r, fence: 'fenced' }, policy)).to.deep.equal({
      kind: 'skip',
      event: 'work.fenced',
    });
    expect(fenceVerdict({ epoch: 1 }, 'a', { epoch: 2, agentId: 'b' }, undefined)).to.equal('fenced');
    expect(fenceVerdict({ epoch: 1 }, 'a', mine, { epoch: 2, owner: 'b' })).to.equal('fenced');
    expect(fenceVerdict({ epoch: 1 }, 'a', mine, { epoch: 1, owner: 'a' })).to.equal('clear');
    // A later epoch that gave the conversation back to us is still ours.
    expect(fenceVerdict({ epoch: 1 }, 'a', { epoch: 3, agentId: 'a' }, { epoch: 3, owner: 'a' })).to.equal(
      'clear',
    );
  });

  it('refuses to send an intent that holds no draft', function () {
    expect(nextStep(item, { owner: mine, record: record('intent', false) }, policy)).to.deep.equal({
      kind: 'give-up',
      code: 'NO_DRAFT',
    });
  });

  it('L6: records a sent reply; retries a retryable failure with backoff or Retry-After; fails the rest', function () {
    const r = record('intent');
    const sent: Facts = { owner: mine, record: r, fence: 'clear', send: { ok: true } };
    expect(nextStep(item, sent, policy)).to.deep.equal({ kind: 'record-sent', record: r });
    const limited: Facts = {
      ...sent,
      send: { ok: false, code: 'RATE_LIMITED', retryable: true, retryAfterMs: 7_000 },
    };
    expect(nextStep(item, limited, policy)).to.deep.equal({
      kind: 'retry',
      delayMs: 7_000,
      code: 'RATE_LIMITED',
    });
    const refused: Facts = { ...sent, send: { ok: false, code: 'BAD_REQUEST', retryable: false } };
    expect(nextStep(item, refused, policy)).to.deep.equal({
      kind: 'record-failed',
      record: r,
      code: 'BAD_REQUEST',
    });
  });

  it('L6: retries a 409 (a request with this key in flight) but gives up before the last delivery', function () {
    const conflict = { ok: false as const, code: 'IDEMPOTENCY_CONFLICT', retryable: false };
    expect(sendFailureStep(conflict, { ...policy, deliveries: 3 })).to.equal('retry');
    expect(sendFailureStep(conflict, { ...policy, deliveries: 11 })).to.equal('fail');
    const busy = { ok: false as const, code: 'SERVER_ERROR', retryable: true };
    expect(sendFailureStep(busy, { ...policy, deliveries: 11 })).to.equal('retry');
    expect(sendFailureStep(busy, { ...policy, deliveries: 12 })).to.equal('fail');
  });
});
