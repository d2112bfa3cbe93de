// `agentmail-ops dead-letters [list | show <seq> | replay <seq> | replay --all]`: the messages no actor could process,
// kept whole on DEADLETTER. A replay publishes the original bytes to the original subject (through JetStream, so it
// is stored before it is removed here); the actors then treat it as any delivery, duplicates included.
import { DeliverPolicy } from '@nats-io/jetstream';
import type { Bus } from '../bus/bus.ts';
import { Streams } from '../bus/provision.ts';
import { check } from '../schemas/codec.ts';
import { DeadLetter } from '../schemas/bus.ts';
import { table } from './core/table.ts';

export interface StoredDeadLetter {
  seq: number;
  letter: DeadLetter;
}

function parse(seq: number, data: unknown): StoredDeadLetter {
  const c = check<DeadLetter>(DeadLetter, data);
  if (!c.ok) throw new Error(`dead letter ${seq} is not one: ${c.failure.instancePath} ${c.failure.reason}`);
  return { seq, letter: c.value };
}

export async function listDeadLetters(bus: Bus): Promise<StoredDeadLetter[]> {
  const info = await (await bus.jsm()).streams.info(Streams.deadLetter);
  if (info.state.messages === 0) return [];
  const consumer = await bus.js.consumers.get(Streams.deadLetter, { deliver_policy: DeliverPolicy.All });
  const out: StoredDeadLetter[] = [];
  for (;;) {
    let pending = 0;
    let got = 0;
    for await (const m of await consumer.fetch({ max_messages: 500, expires: 1_000 })) {
      got += 1;
      pending = m.info.pending;
      out.push(parse(m.seq, m.json()));
    }
    if (got === 0 || pending === 0) break;
  }
  await consumer.delete().catch(() => undefined);
  return out;
}

export function deadLetterTable(letters: StoredDeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters';
  return table([
    ['seq', 'at', 'subject', 'by', 'code', 'deliveries', 'reason'],
    ...letters.map(({ seq, letter: l }) => [
      String(seq),
      l.at,
      l.subject,
      l.actorId,
      l.code ?? '',
      String(l.deliveries ?? ''),
      l.reason.length > 80 ? `${l.reason.slice(0, 79)}…` : l.reason,
    ]),
  ]);
}

export async function getDeadLetter(bus: Bus, seq: number): Promise<StoredDeadLetter> {
  const m = await (await bus.jsm()).streams.getMessage(Streams.deadLetter, { seq }).catch(() => null);
  if (!m) throw new Error(`no dead letter ${seq} on ${Streams.deadLetter} (dead-letters lists them)`);
  return parse(seq, m.json());
}

/** The original message, as it was when it was dead-lettered. */
export function originalBytes(l: DeadLetter): Buffer {
  return Buffer.from(l.payload, l.payloadEncoding === 'base64' ? 'base64' : 'utf8');
}

/** Publishes it back where it came from, then removes it from DEADLETTER; returns the new stream and sequence. */
export async function replay(bus: Bus, d: StoredDeadLetter): Promise<string> {
  // One id per dead letter: a replay repeated after a failure between the publish and the delete is stored once.
  const ack = await bus.jsPublishRaw(d.letter.subject, originalBytes(d.letter), {
    msgID: `replay:${Streams.deadLetter}:${d.seq}`,
  });
  await (await bus.jsm()).streams.deleteMessage(Streams.deadLetter, d.seq);
  return `replayed dead letter ${d.seq} to ${d.letter.subject} (${ack.stream} #${ack.seq})`;
}
