// The `replies` KV bucket: one record per received message (reply intent with its draft, then sent, escalated or failed).
// It decides nothing; a final state is never overwritten, so whoever acts on a message later sees what was done.
import type { KV } from '@nats-io/kv';
import type { Bus } from '../../bus/bus.ts';
import { RecordBucket } from '../../bus/kv-record.ts';
import { Buckets } from '../../bus/provision.ts';
import { token } from '../../bus/subjects.ts';
import { ReplyRecord } from '../../schemas/work.ts';

export const replyKey = (inboxId: string, messageId: string) => `r.${token(inboxId)}.${token(messageId)}`;

export class ReplyStore {
  private readonly records: RecordBucket<ReplyRecord>;

  private constructor(readonly kv: KV) {
    this.records = new RecordBucket(kv, ReplyRecord);
  }

  static async open(bus: Bus): Promise<ReplyStore> {
    return new ReplyStore(await bus.kvm.open(Buckets.replies));
  }

  async get(inboxId: string, messageId: string): Promise<ReplyRecord | undefined> {
    return (await this.records.get(replyKey(inboxId, messageId)))?.value;
  }

  /** The record of a received message in whichever inbox it came to (ops tools know the message id alone). */
  async find(messageId: string): Promise<ReplyRecord | undefined> {
    for await (const key of await this.kv.keys(`r.*.${token(messageId)}`))
      return (await this.records.get(key))?.value;
    return undefined;
  }

  /** Writes the record only if none exists; returns whichever record is stored afterwards (ours or the first one). */
  async createOrGet(record: ReplyRecord): Promise<ReplyRecord> {
    const stored = await this.records.update(replyKey(record.inboxId, record.messageId), (prev) =>
      prev === undefined ? record : undefined,
    );
    return stored ?? record;
  }

  /** Moves a record forward; a final state (sent, escalated, failed) is never overwritten. */
  async settle(
    inboxId: string,
    messageId: string,
    fn: (prev: ReplyRecord | undefined) => ReplyRecord,
  ): Promise<ReplyRecord | undefined> {
    return this.records.update(replyKey(inboxId, messageId), (prev) =>
      prev !== undefined && prev.status !== 'intent' ? undefined : fn(prev),
    );
  }
}
