// Conversation state (`conversations` KV) and reply records (`replies` KV): pure reducers plus compare-and-set adapters.
// It decides nothing about routing or replying; every write is a CAS on the revision read, so concurrent writers never lose an update.
import type { KV } from '@nats-io/kv';
import type { Bus } from '../bus/bus.ts';
import { check } from '../bus/codec.ts';
import { Buckets } from '../bus/provision.ts';
import { token } from '../bus/subjects.ts';
import {
  ConversationState,
  ReplyRecord,
  type ConversationHistoryEntry,
  type ConversationState as ConversationStateT,
  type ReplyRecord as ReplyRecordT,
  type WorkItem,
} from '../schemas/work.ts';

const maxMessageIds = 50;
const maxPending = 50;
const maxHistory = 20;
const maxHistoryText = 2_000;

/** A stored record that fails its schema: someone wrote garbage; we refuse to build on it. */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
  readonly code = 'CORRUPT_RECORD';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`${key}: ${reason}`);
  }
}

/** CAS kept losing: too many writers on one key. Retryable. */
export class ContentionError extends Error {
  override readonly name = 'ContentionError';
  readonly code = 'KV_CONTENTION';
  readonly retryable = true;
}

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
  prev: ConversationStateT | undefined,
  item: WorkItem,
  now: string,
): ConversationStateT | undefined {
  const seen = prev?.messageIds.includes(item.messageId) ?? false;
  if (seen && !prev!.pending.some((p) => p.messageId === item.messageId)) return undefined;
  const pending = (prev?.pending ?? []).filter((p) => p.messageId !== item.messageId);
  const history = prev?.history ?? [];
  const newer = prev !== undefined && prev.epoch > item.epoch;
  return {
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

/** The conversation after its owner settled one message (answered or escalated). Idempotent. */
export function recordSettled(
  prev: ConversationStateT,
  settled: { messageId: string; outcome: 'answered' | 'escalated'; replyFrom?: string; replyText?: string },
  now: string,
): ConversationStateT {
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
  return {
    ...prev,
    pending,
    history,
    status: pending.length > 0 ? 'pending' : settled.outcome,
    updatedAt: now,
  };
}

/** The conversation after Paxos gave it a new owner at a later epoch; pending items now belong to it. */
export function recordReassigned(
  prev: ConversationStateT,
  owner: string,
  epoch: number,
  moved: readonly WorkItem[],
  now: string,
): ConversationStateT {
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
  state: ConversationStateT | undefined,
  messageId: string,
): { from: string; text: string; at: string }[] {
  return (state?.history ?? [])
    .filter((h) => h.messageId !== messageId && h.replyTo !== messageId)
    .map((h) => ({ from: h.from, text: h.text, at: h.at }));
}

export const conversationKey = (threadId: string) => `t.${token(threadId)}`;
export const replyKey = (inboxId: string, messageId: string) => `r.${token(inboxId)}.${token(messageId)}`;

interface Versioned<T> {
  value: T;
  revision: number;
}

async function read<T>(kv: KV, key: string, schema: object): Promise<Versioned<T> | undefined> {
  const e = await kv.get(key);
  if (!e || e.operation !== 'PUT') return undefined;
  let json: unknown;
  try {
    json = e.json();
  } catch (err) {
    throw new CorruptRecordError(key, `not JSON: ${(err as Error).message}`);
  }
  const r = check<T>(schema, json);
  if (!r.ok) throw new CorruptRecordError(key, `${r.failure.instancePath} ${r.failure.reason}`);
  return { value: r.value, revision: e.revision };
}

/** Compare-and-set loop: `fn` sees the current value (or none) and returns the next one, or undefined to leave it. */
async function update<T>(
  kv: KV,
  key: string,
  schema: object,
  fn: (prev: T | undefined) => T | undefined,
): Promise<T | undefined> {
  for (let tries = 0; tries < 20; tries++) {
    const cur = await read<T>(kv, key, schema);
    const next = fn(cur?.value);
    if (next === undefined) return cur?.value;
    const r = check<T>(schema, next);
    if (!r.ok)
      throw new CorruptRecordError(key, `refusing to write: ${r.failure.instancePath} ${r.failure.reason}`);
    try {
      if (cur === undefined) await kv.create(key, JSON.stringify(next));
      else await kv.update(key, JSON.stringify(next), cur.revision);
      return next;
    } catch {
      // Someone else wrote first (or the key appeared): read again and re-apply.
      await new Promise((res) => setTimeout(res, Math.min(5 * 2 ** tries, 200)));
    }
  }
  throw new ContentionError(`${key}: compare-and-set lost 20 times`);
}

export class ConversationStore {
  private constructor(readonly kv: KV) {}

  static async open(bus: Bus): Promise<ConversationStore> {
    return new ConversationStore(await bus.kvm.open(Buckets.conversations));
  }

  async get(threadId: string): Promise<ConversationStateT | undefined> {
    return (await read<ConversationStateT>(this.kv, conversationKey(threadId), ConversationState))?.value;
  }

  update(
    threadId: string,
    fn: (prev: ConversationStateT | undefined) => ConversationStateT | undefined,
  ): Promise<ConversationStateT | undefined> {
    return update(this.kv, conversationKey(threadId), ConversationState, fn);
  }

  /** Every conversation with unsettled work (a scan: fine for a sweep every health-check interval). */
  async withPending(): Promise<ConversationStateT[]> {
    const out: ConversationStateT[] = [];
    const keys = await this.kv.keys('t.>');
    for await (const key of keys) {
      try {
        const v = await read<ConversationStateT>(this.kv, key, ConversationState);
        if (v && v.value.pending.length > 0) out.push(v.value);
      } catch {
        // A corrupt record is reported where it is used; a sweep must not stop on it.
      }
    }
    return out;
  }
}

export class ReplyStore {
  private constructor(readonly kv: KV) {}

  static async open(bus: Bus): Promise<ReplyStore> {
    return new ReplyStore(await bus.kvm.open(Buckets.replies));
  }

  async get(inboxId: string, messageId: string): Promise<ReplyRecordT | undefined> {
    return (await read<ReplyRecordT>(this.kv, replyKey(inboxId, messageId), ReplyRecord))?.value;
  }

  /** Writes the record only if none exists; returns whichever record is stored afterwards (ours or the first one). */
  async createOrGet(record: ReplyRecordT): Promise<ReplyRecordT> {
    const stored = await update<ReplyRecordT>(
      this.kv,
      replyKey(record.inboxId, record.messageId),
      ReplyRecord,
      (prev) => (prev === undefined ? record : undefined),
    );
    return stored ?? record;
  }

  /** Moves a record forward; a final state (sent, escalated, failed) is never overwritten. */
  async settle(
    inboxId: string,
    messageId: string,
    fn: (prev: ReplyRecordT | undefined) => ReplyRecordT,
  ): Promise<ReplyRecordT | undefined> {
    return update<ReplyRecordT>(this.kv, replyKey(inboxId, messageId), ReplyRecord, (prev) =>
      prev !== undefined && prev.status !== 'intent' ? undefined : fn(prev),
    );
  }
}
