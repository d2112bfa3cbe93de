// One watch per NATS connection over the recorded Paxos decisions (KV `assignments`, keys i.*), feeding one Bloom
// filter that every acceptor of the process shares; it never forgets an instance it has seen recorded.
import { KvWatchInclude } from '@nats-io/kv';
import type { Bus } from '../../bus/bus.ts';
import { AssignmentStore, instanceFromKey } from './assignment-store.ts';
import { BloomFilter } from './bloom-filter.ts';

type Listener = (instance: string) => void;

export class RecordedFilter {
  private static readonly perBus = new WeakMap<Bus, Promise<RecordedFilter>>();

  /** 16 Mbit and 7 probes: about 1% false positives up to 1.7 M recorded instances, then gracefully more. */
  private readonly bloom = new BloomFilter(1 << 24, 7);
  /** Until the watch has replayed the bucket, the filter cannot rule anything out. */
  private complete = false;
  private readonly listeners = new Set<Listener>();
  private stopWatch: () => void = () => undefined;

  private constructor(private readonly bus: Bus) {}

  /** The process's filter for this connection, started on first use. */
  static for(bus: Bus): Promise<RecordedFilter> {
    let f = RecordedFilter.perBus.get(bus);
    if (!f) {
      f = new RecordedFilter(bus).start();
      RecordedFilter.perBus.set(bus, f);
    }
    return f;
  }

  private async start(): Promise<this> {
    const store = await AssignmentStore.open(this.bus);
    const w = await store.kv.watch({ key: 'i.>', include: KvWatchInclude.AllHistory, ignoreDeletes: true });
    this.stopWatch = () => w.stop();
    void (async () => {
      for await (const e of w) {
        const instance = instanceFromKey(e.key);
        if (instance === undefined) continue;
        // Added before anyone hears of it: an acceptor compacts only what it heard, so it is always in here.
        this.bloom.add(instance);
        if (e.delta === 0) this.complete = true;
        for (const fn of this.listeners) fn(instance);
      }
    })();
    // An empty bucket has nothing to replay.
    if ((await store.kv.status()).values === 0) this.complete = true;
    return this;
  }

  /** False only when `instance` is certainly not recorded (so certainly not compacted by anyone listening). */
  mayContain(instance: string): boolean {
    return !this.complete || this.bloom.has(instance);
  }

  /** Notes an instance read as recorded from the KV bucket itself (before the watch may have reached it). */
  add(instance: string): void {
    this.bloom.add(instance);
  }

  /**
   * Calls `fn` for every instance the watch sees recorded from now on; returns the unsubscribe. What was
   * recorded before, a subscriber finds by reading the bucket for the instances it holds (and must `add`).
   */
  onRecorded(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) {
        this.stopWatch();
        RecordedFilter.perBus.delete(this.bus);
      }
    };
  }
}
