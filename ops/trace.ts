// `agentmail-ops trace <message-id>`: one email's history from the EVENTS stream (every ops event as published) and
// the durable records (its reply record, its thread's owners by epoch). It changes nothing.
import { DeliverPolicy } from '@nats-io/jetstream';
import type { Bus } from '../bus/bus.ts';
import { Streams } from '../bus/provision.ts';
import { Subjects } from '../bus/subjects.ts';
import { AssignmentStore } from '../actors/consensus/assignment-store.ts';
import { ReplyStore } from '../actors/conversation/reply-store.ts';
import { check } from '../schemas/codec.ts';
import { ActorEvent } from '../schemas/bus.ts';
import type { TraceInput } from './core/events.ts';

/** Reads the trail from `sinceMs` ago to its end, keeping this message's events and its thread's own events. */
async function eventsOf(
  bus: Bus,
  messageId: string,
  sinceMs: number,
): Promise<{ events: ActorEvent[]; scanned: number } | { missing: string }> {
  const jsm = await bus.jsm();
  const info = await jsm.streams.info(Streams.events).catch((e: Error) => e);
  if (info instanceof Error)
    return { missing: `the ${Streams.events} stream cannot be read: ${info.message}` };
  const events: ActorEvent[] = [];
  if (info.state.messages === 0) return { events, scanned: 0 };
  const consumer = await bus.js.consumers.get(Streams.events, {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(Date.now() - sinceMs).toISOString(),
  });
  let threadId: string | undefined;
  let scanned = 0;
  for (;;) {
    let pending = 0;
    let got = 0;
    for await (const m of await consumer.fetch({ max_messages: 2_000, expires: 1_000 })) {
      got += 1;
      scanned += 1;
      pending = m.info.pending;
      if (m.subject === Subjects.invalid) continue;
      const decoded = check<ActorEvent>(ActorEvent, m.json());
      if (!decoded.ok) continue;
      const e = decoded.value;
      if (e.messageId === messageId) {
        threadId ??= e.threadId;
        events.push(e);
      } else if (threadId !== undefined && e.messageId === undefined && e.threadId === threadId) {
        events.push(e);
      }
    }
    if (got === 0 || pending === 0) break;
  }
  await consumer.delete().catch(() => undefined);
  return { events, scanned };
}

export async function readTrace(
  bus: Bus,
  messageId: string,
  sinceMs: number,
): Promise<TraceInput & { note: string | undefined }> {
  const [found, replies, assignments] = await Promise.all([
    eventsOf(bus, messageId, sinceMs),
    ReplyStore.open(bus),
    AssignmentStore.open(bus),
  ]);
  const events = 'events' in found ? found.events : [];
  const record = await replies.find(messageId);
  const threadId = record?.threadId ?? events.find((e) => e.threadId !== undefined)?.threadId;
  const owners = threadId === undefined ? [] : await assignments.history(threadId);
  return {
    messageId,
    events,
    owners: owners.map((o) => ({ epoch: o.epoch, agentId: o.owner?.agentId, instance: o.instance })),
    reply: record && {
      status: record.status,
      agentId: record.result?.agentId ?? record.agentId,
      epoch: record.epoch,
      idempotencyKey: record.idempotencyKey,
      updatedAt: record.updatedAt,
      ...(record.result ? { sentMessageId: record.result.messageId, dryRun: record.result.dryRun } : {}),
    },
    note: 'missing' in found ? found.missing : `${found.scanned} event(s) read`,
  };
}
