// Pure reducers of a conversation's record (`conversations` KV): routed, settled, reassigned, and the history a responder sees.
// No I/O, no clock (callers pass `now`): each returns the next record, or undefined where the write must not happen.
import type { ConversationHistoryEntry, ConversationState, WorkItem } from '../../../schemas/work.ts';

const maxMessageIds = 50;
const maxPending = 50;
const maxHistory = 20;
const maxHistoryText = 2_000;

const bounded = <T>(list: readonly T[], max: number): T[] => list.slice(Math.max(0, list.length - max));

function historyLine(from: string, text: string, at: string, messageId?: string): ConversationHistoryEntry {
  return { from, text: text.slice(0, maxHistoryText), at, ...(messageId ? { messageId } : {}) };
}

/**
 * The conversation once a work item is about to be handed to its owner (recorded before the publish, so an
 * owner's settle always finds the item). Idempotent per (message id, epoch). Undefined when the message was
 * already routed and settled: a late redelivery must not make it pending again.
 */
export function recordRouted(
  prev: ConversationState | undefined,
  item: WorkItem,
  now: string,
): ConversationState | undefined {
  const seen = prev?.messageIds.includes(item.messageId) ?? false;
  if (seen && !prev!.pending.some((p) => p.messageId === item.messageId)) return undefined;
  const pending = (prev?.pending ?? []).filter((p) => p.messageId !== item.messageId);
  const history = prev?.history ?? [];
  const newer = prev !== undefined && prev.epoch > item.epoch;
  // From the record as it was: what routing does not change (a person's hold, the last give-back) outlives it.
  return {
    ...prev,
    type: 'conversation',
    inboxId: item.inboxId,
    threadId: item.threadId,
    // Never move the owner back to an older epoch (a slow processor may finish after a reassignment).
    owner: newer ? prev.owner : item.owner,
    epoch: newer ? prev.epoch : item.epoch,
    specialization: item.classification.specialization,
    status: 'pending',
    messageIds: seen
      ? prev!.messageIds
      : bounded([...(prev?.messageIds ?? []), item.messageId], maxMessageIds),
    pending: bounded([...pending, item], maxPending),
    history: seen
      ? history
      : bounded(
          [
            ...history,
            historyLine(item.email.from, item.email.text, item.email.receivedAt ?? now, item.messageId),
          ],
          maxHistory,
        ),
    updatedAt: now,
  };
}

/**
 * The conversation after its owner settled one message (answered or escalated). Idempotent. An escalation puts
 * the thread on hold for a person (unless it already is): later mail in it is held, not answered.
 */
export function recordSettled(
  prev: ConversationState,
  settled: {
    messageId: string;
    outcome: 'answered' | 'escalated';
    replyFrom?: string;
    replyText?: string;
    reasons?: readonly string[];
  },
  now: string,
): ConversationState {
  const pending = prev.pending.filter((p) => p.messageId !== settled.messageId);
  const replied = prev.history.some((h) => h.replyTo === settled.messageId);
  const history =
    settled.replyText !== undefined && !replied
      ? bounded(
          [
            ...prev.history,
            {
              ...historyLine(settled.replyFrom ?? prev.inboxId, settled.replyText, now),
              replyTo: settled.messageId,
            },
          ],
          maxHistory,
        )
      : prev.history;
  const hold =
    settled.outcome === 'escalated' && prev.hold === undefined
      ? { since: now, messageId: settled.messageId, reasons: [...(settled.reasons ?? [])].slice(0, 32) }
      : prev.hold;
  return {
    ...prev,
    pending,
    history,
    status: pending.length > 0 ? 'pending' : settled.outcome,
    ...(hold ? { hold } : {}),
    updatedAt: now,
  };
}

/** Whether a person has the thread: an escalation put it on hold and nobody gave it back. */
export function isHeld(state: ConversationState | undefined): boolean {
  return state?.hold !== undefined;
}

/**
 * The conversation after a message arrived while a person has the thread: recorded as seen and in the history
 * (so the person, and the responder after a give-back, see it), never pending. Undefined when nothing changes.
 */
export function recordHeld(
  prev: ConversationState,
  message: { messageId: string; from: string; text: string; receivedAt?: string },
  now: string,
): ConversationState | undefined {
  if (prev.hold === undefined || prev.messageIds.includes(message.messageId)) return undefined;
  return {
    ...prev,
    status: prev.pending.length > 0 ? prev.status : 'escalated',
    messageIds: bounded([...prev.messageIds, message.messageId], maxMessageIds),
    history: bounded(
      [
        ...prev.history,
        historyLine(message.from, message.text, message.receivedAt ?? now, message.messageId),
      ],
      maxHistory,
    ),
    hold: {
      ...prev.hold,
      heldMessages: bounded([...(prev.hold.heldMessages ?? []), message.messageId], maxMessageIds),
    },
    updatedAt: now,
  };
}

/** The conversation after a person gave it back: no hold, and who did it when. Undefined when it was not held. */
export function recordGivenBack(
  prev: ConversationState,
  by: string,
  now: string,
  note?: string,
): ConversationState | undefined {
  if (prev.hold === undefined) return undefined;
  const { hold: _released, ...rest } = prev;
  return { ...rest, givenBack: { by, at: now, ...(note !== undefined ? { note } : {}) }, updatedAt: now };
}

/** The conversation after Paxos gave it a new owner at a later epoch; pending items now belong to it. */
export function recordReassigned(
  prev: ConversationState,
  owner: string,
  epoch: number,
  moved: readonly WorkItem[],
  now: string,
): ConversationState {
  if (prev.epoch > epoch) return prev;
  const byId = new Map(moved.map((m) => [m.messageId, m]));
  return {
    ...prev,
    owner,
    epoch,
    pending: prev.pending.map((p) => byId.get(p.messageId) ?? p),
    updatedAt: now,
  };
}

/** The history lines the responder sees for a message: everything before it, not the message itself. */
export function historyFor(
  state: ConversationState | undefined,
  messageId: string,
): { from: string; text: string; at: string }[] {
  return (state?.history ?? [])
    .filter((h) => h.messageId !== messageId && h.replyTo !== messageId)
    .map((h) => ({ from: h.from, text: h.text, at: h.at }));
}
