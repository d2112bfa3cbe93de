// The `conversations` KV bucket: one record per thread (owner, epoch, pending work, history), read and written by compare-and-set.
// It decides nothing: writers pass a pure reducer from core/conversation.ts, re-applied on the latest revision.
// Updates start from the revision this process last saw (RecordBucket); the server's revision check catches a stale one.
import type { KV } from '@nats-io/kv';
import type { Bus } from '../../bus/bus.ts';
import { readRecord, RecordBucket } from '../../bus/kv-record.ts';
import { Buckets } from '../../bus/provision.ts';
import { token } from '../../bus/subjects.ts';
import { ConversationState } from '../../schemas/work.ts';

export const conversationKey = (threadId: string) => `t.${token(threadId)}`;

export class ConversationStore {
  private readonly records: RecordBucket<ConversationState>;

  private constructor(readonly kv: KV) {
    this.records = new RecordBucket(kv, ConversationState);
  }

  static async open(bus: Bus): Promise<ConversationStore> {
    return new ConversationStore(await bus.kvm.open(Buckets.conversations));
  }

  async get(threadId: string): Promise<ConversationState | undefined> {
    return (await this.records.get(conversationKey(threadId)))?.value;
  }

  update(
    threadId: string,
    fn: (prev: ConversationState | undefined) => ConversationState | undefined,
  ): Promise<ConversationState | undefined> {
    return this.records.update(conversationKey(threadId), fn);
  }

  /** Every conversation with unsettled work (a scan: fine for a sweep every health-check interval). */
  async withPending(): Promise<ConversationState[]> {
    const out: ConversationState[] = [];
    const keys = await this.kv.keys('t.>');
    for await (const key of keys) {
      try {
        const v = await readRecord<ConversationState>(this.kv, key, ConversationState);
        if (v && v.value.pending.length > 0) out.push(v.value);
      } catch {
        // A corrupt record is reported where it is used; a sweep must not stop on it.
      }
    }
    return out;
  }
}
