// The acceptor actor: a thin adapter that feeds prepare/accept messages to the pure acceptor core, syncs what the
// core says to persist to its own disk, and only then sends the answers. Its safety never rests on NATS.
import { join } from 'node:path';
import type { Subscription } from '@nats-io/transport-node';
import { contracts } from '../bus/contracts.ts';
import { Histogram } from 'prom-client';
import { registry } from '../bus/metrics.ts';
import type { OwnerValue } from '../schemas/paxos.ts';
import * as core from './paxos/acceptor.ts';
import { openAppendLog, type AppendLog } from './storage/append-log.ts';
import { AssignmentStore } from './assignment-store.ts';
import { RecordedFilter } from './recorded-filter.ts';
import { Actor } from './runtime.ts';
import { PaxosOutbox, consensusOps, unbatch } from './paxos-wire.ts';

type V = OwnerValue;
type Msg = core.AcceptorMessage<V>;

const syncSeconds = new Histogram({
  name: 'paxos_acceptor_sync_seconds',
  help: 'Time from an acceptor step to its records being fsynced',
  buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1],
  registers: [registry],
});

/** Compact the log once this many records were appended since the last compaction. */
const compactEvery = 20_000;
/**
 * Decided instances are compacted in batches this big. Dropping them from the core is O(batch), but every
 * compaction rewrites the whole log file (write, fsync, rename), so fewer, larger batches are cheaper.
 */
const compactBatch = 4096;

export class AcceptorActor extends Actor {
  readonly kind = 'acceptor' as const;
  private state!: core.AcceptorState<V>;
  private disk!: AppendLog;
  private store!: AssignmentStore;
  private subs: Subscription[] = [];
  private outbox!: PaxosOutbox;
  /** The tail of the persist-then-send chain: every answer waits for all earlier records to be synced. */
  private tail: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /**
   * Instances whose decision is in the durable record, shared by the process's acceptors. Compaction only
   * ever drops instances in it, so "not in the filter" proves "not compacted" (core contract item 2).
   */
  private recorded!: RecordedFilter;
  private readonly toCompact = new Set<string>();
  private compacting = false;
  private stopWatch: (() => void) | undefined;

  load(): number {
    return this.inFlight;
  }

  get dir(): string {
    return join(this.ctx.config.dataDir, 'acceptors', this.id);
  }

  protected async onStart(): Promise<void> {
    const opened = await openAppendLog(this.dir);
    this.disk = opened.log;
    this.state = core.restore<V>({ id: this.id }, opened.records as core.AcceptorRecord<V>[]);
    this.emit('acceptor.restored', { ...opened.recovered, replayed: opened.records.length });
    this.store = await AssignmentStore.open(this.ctx.bus);
    this.outbox = new PaxosOutbox(this.ctx.bus);
    await this.watchRecords();
    this.subs.push(
      this.handle(contracts.prepare, {}, (m) => {
        for (const msg of unbatch(m)) void this.receive(msg);
      }),
      this.handle(contracts.accept, {}, (m) => {
        for (const msg of unbatch(m)) void this.receive(msg);
      }),
    );
  }

  protected async onStop(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    this.stopWatch?.();
    await this.tail;
    await this.disk.close();
  }

  private async watchRecords(): Promise<void> {
    this.recorded = await RecordedFilter.for(this.ctx.bus);
    this.stopWatch = this.recorded.onRecorded((instance) => {
      if (core.hasInstance(this.state, instance)) this.toCompact.add(instance);
      this.maybeCompact();
    });
    // What was recorded before we listened: read the record for each instance held (bounded by compaction).
    for (const instance of [...this.state.instances.keys()]) {
      if ((await this.store.decision(instance)) === undefined) continue;
      this.recorded.add(instance);
      this.toCompact.add(instance);
    }
    this.maybeCompact();
  }

  private maybeCompact(): void {
    if (this.toCompact.size >= compactBatch || this.disk.stats().recordsSinceCompaction >= compactEvery) {
      void this.compact();
    }
  }

  /** Drops decided instances from the state and rewrites the log from the snapshot (core contract item 3). */
  private async compact(): Promise<void> {
    if (this.compacting || this.toCompact.size === 0) return;
    this.compacting = true;
    const instances = [...this.toCompact];
    this.toCompact.clear();
    // Ordered behind every pending append: the snapshot must include them all.
    const done = this.tail.then(async () => {
      this.state = core.compact(this.state, instances);
      await this.disk.compact(core.snapshot(this.state));
    });
    this.tail = done.catch(() => undefined);
    try {
      await done;
      this.emit('acceptor.compacted', { instances: instances.length, ...this.disk.stats() });
    } catch (e) {
      this.logError('compaction failed', e);
    } finally {
      this.compacting = false;
    }
  }

  private logError(what: string, e: unknown) {
    this.log.error(what, { error: (e as Error).message });
  }

  private async receive(msg: Msg): Promise<void> {
    this.inFlight++;
    try {
      if (msg.type !== 'prepare-all' && core.needsRecordLookup(this.state, msg)) {
        if (this.mustReadRecord(msg)) {
          const value = await this.store.decision(msg.instance);
          if (value !== undefined) this.apply({ type: 'recorded', instance: msg.instance, value });
        }
      }
      this.apply({ type: 'message', msg });
    } finally {
      this.inFlight--;
    }
  }

  /** Whether the durable record has to be read before the core sees `msg` (the core already said it may). */
  private mustReadRecord(msg: Exclude<Msg, { type: 'prepare-all' }>): boolean {
    return !core.recordLookupSkippable(this.state, msg, this.recorded.mayContain(msg.instance));
  }

  /** One core step: persist (group-committed), then send, in order. */
  private apply(input: core.AcceptorInput<V>): void {
    const r = core.step(this.state, input);
    this.state = r.state;
    if (r.out.length === 0) return;
    const records = r.out.flatMap((o) => (o.kind === 'persist' ? o.records : []));
    const started = performance.now();
    const synced = records.length > 0 ? this.disk.append(records) : Promise.resolve();
    // Chain behind earlier steps, so a duplicate's answer never overtakes the original's sync.
    const prev = this.tail;
    this.tail = Promise.all([prev, synced]).then(
      () => {
        if (records.length > 0) syncSeconds.observe((performance.now() - started) / 1000);
        for (const o of r.out) if (o.kind === 'send') this.outbox.send(o.to, o.msg);
      },
      (e) => {
        // Not synced means not promised: say nothing (a proposer retries), and stop, since the disk is failing.
        this.logError('acceptor log write failed; stopping', e);
        consensusOps.inc({ phase: 'persist', result: 'error' });
        void this.stop(1_000);
      },
    );
  }
}
