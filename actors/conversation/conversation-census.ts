// Counts active conversations (some work not yet answered or escalated) from one watch on the `conversations`
// bucket; it reads, never writes, and it keeps only each thread's status, not its record.
import { KvWatchInclude } from '@nats-io/kv';
import type { Bus } from '../../bus/bus.ts';
import { Buckets } from '../../bus/provision.ts';
import type { ConversationState } from '../../schemas/work.ts';

export class ConversationCensus {
  /** Active conversations (thread key -> owning agent). */
  private readonly active = new Map<string, string>();
  private stopWatch: (() => void) | undefined;
  /** Until the watch has replayed the bucket the count is partial: undefined then, never a guess. */
  private complete = false;

  async start(bus: Bus): Promise<void> {
    const kv = await bus.kvm.open(Buckets.conversations);
    const w = await kv.watch({ key: '>', include: KvWatchInclude.LastValue });
    this.stopWatch = () => w.stop();
    if ((await kv.status()).values === 0) this.complete = true;
    void (async () => {
      for await (const e of w) {
        let owner: string | undefined;
        if (e.operation === 'PUT') {
          try {
            const state = e.json<ConversationState>();
            if (state.status === 'pending') owner = state.owner;
          } catch {
            // A corrupt record is reported by whoever uses it; here it just is not active.
          }
        }
        if (owner !== undefined) this.active.set(e.key, owner);
        else this.active.delete(e.key);
        if (e.delta === 0) this.complete = true;
      }
    })();
  }

  /** Conversations with unsettled work, or undefined while the first replay is still running. */
  count(): number | undefined {
    return this.complete ? this.active.size : undefined;
  }

  /** Active conversations per owning agent (the status page's "conversations per agent"), undefined as count(). */
  perOwner(): Record<string, number> | undefined {
    if (!this.complete) return undefined;
    const counts: Record<string, number> = {};
    for (const owner of this.active.values()) counts[owner] = (counts[owner] ?? 0) + 1;
    return counts;
  }

  stop(): void {
    this.stopWatch?.();
  }
}
