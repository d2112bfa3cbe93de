// Every deadline that must fit inside another, derived together from the configuration, with the nesting asserted here.
// Adapters read their timeouts from this one place; no actor spells a timeout literal that another one depends on.
import { createError } from '../../schemas/errors.ts';

/** Owner proposals a processor makes for one mail before it waits and retries (a decided owner may already be dead). */
export const maxProposals = 4;

export interface Timeouts {
  /** One model classification, the SDK's retries included (OPENAI_TIMEOUT). */
  classifyMs: number;
  /** One reply draft by the model: a longer prompt (knowledge passages) and a longer answer than a classification. */
  draftMs: number;
  /** A processor's wait for the proposer's answer: the proposer's own PAXOS_TIMEOUT plus a reply's way back. */
  proposeRequestMs: number;
  /** The agent's in-process budget for one send (quick retries); longer outages go back to JetStream as a nak. */
  sendBudgetMs: number;
  /** Redelivery of an unacked mail: a classification plus every proposal, with room to write the work item. */
  processorAckWaitMs: number;
  /** Redelivery of an unacked work item: a draft plus a send budget, with room to record both. */
  agentAckWaitMs: number;
}

/** Room for the KV and JetStream writes around the slow calls (each is milliseconds; retried ones a few seconds). */
const recordingMarginMs = 10_000;

/** Two derived deadlines do not nest: a programming error in this file, never the operator's. */
export class TimeoutInvariantError extends createError('TIMEOUT_INVARIANT', 'TimeoutInvariantError', {
  retryable: false,
}) {}

/** Derives the nested deadlines and checks that each one fits inside the one that must outlast it. */
export function deriveTimeouts(c: { openaiTimeoutMs: number; paxosTimeoutMs: number }): Timeouts {
  const t: Timeouts = {
    classifyMs: c.openaiTimeoutMs,
    draftMs: 2 * c.openaiTimeoutMs,
    proposeRequestMs: c.paxosTimeoutMs + 2_000,
    sendBudgetMs: 20_000,
    processorAckWaitMs: 0,
    agentAckWaitMs: 0,
  };
  t.processorAckWaitMs = t.classifyMs + t.proposeRequestMs * maxProposals + recordingMarginMs;
  t.agentAckWaitMs = t.draftMs + t.sendBudgetMs + recordingMarginMs;
  assertNested(t);
  return t;
}

/** The nesting every deadline relies on: a message is never redelivered while its first handler can still act. */
export function assertNested(t: Timeouts): void {
  const inside = (what: string, part: number, whole: number) => {
    if (!(part < whole))
      throw new TimeoutInvariantError(`${what}: ${part} ms does not fit inside ${whole} ms`);
  };
  inside('draft + send within the agent ack wait', t.draftMs + t.sendBudgetMs, t.agentAckWaitMs);
  inside(
    'classification + proposals within the processor ack wait',
    t.classifyMs + t.proposeRequestMs * maxProposals,
    t.processorAckWaitMs,
  );
}
