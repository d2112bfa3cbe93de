// The agent's exactly-once reply lifecycle as a pure decision: given what the adapter has observed so far about one work
// item, the next thing to do. No I/O, no clock: the adapter performs each step, records what it saw, and asks again.
//
// The rules, in the order they apply (each has a test named after it in test/unit/answering/core/):
//  L1 Only the item's addressee acts on it; a later epoch owned by someone else makes the item stale.
//  L2 A final reply record (sent, escalated, failed) is the answer: settle the conversation, never act twice.
//  L3 Needs-a-human mail is escalated, never drafted.
//  L4 The draft is recorded (intent) before any send, so whoever sends later sends this draft under this key.
//  L5 The fence is checked again right before the send (a draft may take 2 x OPENAI_TIMEOUT): a reassignment in
//     between stops the send; the new owner sends the recorded intent.
//  L6 A failed send is retried (nak) while retryable and deliveries remain; a 409 means a request with this key is
//     in flight or done, so it is retried too; anything else ends the item as failed (term, dead letter).
import type { ReplyDraft } from '../../../schemas/reply.ts';
import type { ReplyRecord } from '../../../schemas/work.ts';
import { workVerdict } from './work-verdict.ts';

/** The parts of a work item the lifecycle reads. */
export interface LifecycleItem {
  owner: string;
  epoch: number;
  needsHuman: boolean;
  humanReasons: readonly string[];
}

/** The current owner record (Paxos-decided, KV assignments), or null when none is recorded yet. */
export type OwnerFact = { epoch: number; agentId: string } | null;

/** What a send attempt ended with, as the outbound error catalogue classifies it. */
export type SendFact =
  { ok: true } | { ok: false; code: string; retryable: boolean; retryAfterMs?: number | undefined };

/** Everything observed about one work item in this delivery; each field is set by the step of the same name. */
export interface Facts {
  owner?: OwnerFact;
  record?: ReplyRecord | null;
  draft?: ReplyDraft;
  /** The owner re-read and the conversation claimed by compare-and-set right before the send (L5). */
  fence?: 'clear' | 'fenced';
  send?: SendFact;
}

export interface LifecyclePolicy {
  me: string;
  /** JetStream delivery count of this message (1 on the first delivery). */
  deliveries: number;
  maxDeliver: number;
}

export type Step =
  | { kind: 'read-owner' }
  | { kind: 'read-record' }
  | { kind: 'draft' }
  | { kind: 'record-intent'; draft: ReplyDraft }
  | { kind: 'fence' }
  | { kind: 'send'; record: ReplyRecord }
  | { kind: 'escalate'; reasons: string[]; draft?: ReplyDraft }
  | { kind: 'record-sent'; record: ReplyRecord }
  | { kind: 'record-failed'; record: ReplyRecord; code: string }
  /** The item is done here without a send: ack, with the event saying why. */
  | { kind: 'skip'; event: 'work.stale' | 'work.misrouted' | 'work.fenced' }
  /** A final record already exists: settle the conversation from it and ack. */
  | { kind: 'already-done'; record: ReplyRecord }
  | { kind: 'retry'; delayMs: number; code: string }
  /** The stored intent cannot be sent (it holds no draft): a broken record, for a person to look at. */
  | { kind: 'give-up'; code: 'NO_DRAFT' };

/** How long to wait before retrying a failed send: the server's Retry-After when given, else backoff. */
export function retryDelayMs(err: { retryAfterMs?: number | undefined }, deliveries: number): number {
  const backoff = Math.min(500 * 2 ** Math.max(0, deliveries - 1), 30_000);
  return Math.max(err.retryAfterMs ?? 0, backoff);
}

/** L6: retry a failed send, or give the item up as failed. */
export function sendFailureStep(
  failure: Extract<SendFact, { ok: false }>,
  policy: LifecyclePolicy,
): 'retry' | 'fail' {
  const conflict = failure.code === 'IDEMPOTENCY_CONFLICT' && policy.deliveries < policy.maxDeliver - 1;
  return (failure.retryable || conflict) && policy.deliveries < policy.maxDeliver ? 'retry' : 'fail';
}

/** The next step for one work item, from what has been observed so far. */
export function nextStep(item: LifecycleItem, facts: Facts, policy: LifecyclePolicy): Step {
  // L1
  if (facts.owner === undefined) return { kind: 'read-owner' };
  const verdict = workVerdict(item, facts.owner ?? undefined, policy.me);
  if (verdict !== 'own') return { kind: 'skip', event: `work.${verdict}` };
  // L2
  if (facts.record === undefined) return { kind: 'read-record' };
  const record = facts.record;
  if (record !== null && record.status !== 'intent') return { kind: 'already-done', record };
  if (record === null) {
    // L3
    if (item.needsHuman)
      return {
        kind: 'escalate',
        reasons: item.humanReasons.length > 0 ? [...item.humanReasons] : ['needs-human'],
      };
    if (facts.draft === undefined) return { kind: 'draft' };
    if (facts.draft.escalate)
      return {
        kind: 'escalate',
        reasons: [facts.draft.escalateReason ?? 'responder-escalated'],
        draft: facts.draft,
      };
    // L4
    return { kind: 'record-intent', draft: facts.draft };
  }
  // An intent: ours from this delivery, or one an earlier owner (or our crashed self) recorded.
  // L5
  if (!record.audit.draft) return { kind: 'give-up', code: 'NO_DRAFT' };
  if (facts.fence === undefined) return { kind: 'fence' };
  if (facts.fence === 'fenced') return { kind: 'skip', event: 'work.fenced' };
  if (facts.send === undefined) return { kind: 'send', record };
  if (facts.send.ok) return { kind: 'record-sent', record };
  // L6
  return sendFailureStep(facts.send, policy) === 'retry'
    ? { kind: 'retry', delayMs: retryDelayMs(facts.send, policy.deliveries), code: facts.send.code }
    : { kind: 'record-failed', record, code: facts.send.code };
}

/**
 * L5's check on the facts re-read right before a send: the Paxos owner record and the conversation record must
 * both still name no later epoch than the item's, or the conversation was reassigned while we drafted.
 */
export function fenceVerdict(
  item: { epoch: number },
  me: string,
  owner: OwnerFact,
  conversation: { epoch: number; owner: string } | undefined,
): 'clear' | 'fenced' {
  if (owner !== null && owner.epoch > item.epoch && owner.agentId !== me) return 'fenced';
  if (conversation !== undefined && conversation.epoch > item.epoch && conversation.owner !== me)
    return 'fenced';
  return 'clear';
}
