// The acceptor actor: a thin adapter that feeds prepare/accept messages to the pure acceptor core, syncs what the
// core says to persist to its own disk, and only then sends the answers. Its safety never rests on NATS.
import { join } from 'node:path';
import type { Subscription } from '@nats-io/transport-node';
import { contracts } from '../../bus/contracts.ts';
import { Histogram } from 'prom-client';
import { registry } from '../../telemetry/metrics.ts';
import type { OwnerValue } from '../../schemas/paxos.ts';
import * as core from './core/acceptor.ts';
import { openAppendLog, type DurableLog, type RecoveryInfo } from '../storage/append-log.ts';
import { AssignmentStore } from './assignment-store.ts';
import { RecordedFilter } from './recorded-filter.ts';
import { Actor } from '../runtime/actor.ts';
import { PaxosOutbox, consensusOps, unbatch } from './wire.ts';

type V = OwnerValue;
type Msg = core.AcceptorMessage<V>;
type Out = core.AcceptorOut<V>;

/** Opens the acceptor's durable log in `dir` (openAppendLog; a test may wrap it to watch or hold appends). */
export type OpenAcceptorLog = (
  dir: string,
) => Promise<{ log: DurableLog; records: unknown[]; recovered: RecoveryInfo }>;

const syncSeconds = new Histogram({
  name: 'paxos_acceptor_sync_seconds',
  help: 'Time from an acceptor step to its records being fsynced',
  buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1],
  registers: [registry],
});

/** Compact the log once this many records were appended since the last compaction. */
const compactEvery = 20_000;
/**
 * Decided instances are compacted in batches this big. Every compaction rewrites the log file (write, fsync,
 * rename) and holds this acceptor's appends meanwhile, so batches are not small; but what an acceptor holds is
 * what its answer to a leader's prepare-all lists, so they are not huge either (4,096 made three acceptors'
 * answers, batched together, exceed NATS's 1 MB max_payload).
 */
const compactBatch = 1024;

export class AcceptorActor extends Actor {
  readonly kind = 'acceptor' as const;
  private state!: core.AcceptorState<V>;
  private disk!: DurableLog;
  private store!: AssignmentStore;
  private subs: Subscription[] = [];
  private outbox!: PaxosOutbox;
  /** The tail of the persist-then-send chain: every answer waits for all earlier records to be synced. */
  private tail: Promise<void> = Promise.resolve();
  /** Set by the first failed append: from then on nothing is sent, not even answers that need no new record. */
  private diskFailed = false;
  /** Messages received and not yet answered (their outputs performed or dropped). */
  private inFlight = 0;
  /**
   * Instances whose decision is in the durable record, shared by the process's acceptors. Compaction only
   * ever drops instances in it, so "not in the filter" proves "not compacted" (core contract item 2).
   */
  private recorded!: RecordedFilter;
  private readonly toCompact = new Set<string>();
  private compacting = false;
  private stopWatch: (() => void) | undefined;
  /**
   * How many recorded instances wait before the next compaction. The first one waits an extra share of a batch
   * (the acceptor i of n: i/n of a batch), so the acceptors of a cluster, who all hear of the same recorded
   * instances at once, rewrite their logs at different times and a majority keeps answering.
   */
  private compactAt: number;
  private readonly openLog: OpenAcceptorLog;

  /** `cluster`: every acceptor id of the cluster, in configuration order (PAXOS_ACCEPTORS). */
  constructor(id: string, opts: { cluster?: readonly string[]; openLog?: OpenAcceptorLog } = {}) {
    super(id);
    this.openLog = opts.openLog ?? openAppendLog;
    const index = opts.cluster?.indexOf(id) ?? -1;
    this.compactAt =
      compactBatch + (index > 0 ? Math.floor((index * compactBatch) / opts.cluster!.length) : 0);
  }

  load(): number {
    return this.inFlight;
  }

  get dir(): string {
    return join(this.ctx.config.dataDir, 'acceptors', this.id);
  }

  protected async onStart(): Promise<void> {
    const opened = await this.openLog(this.dir);
    this.disk = opened.log;
    this.state = core.restore<V>({ id: this.id }, opened.records as core.AcceptorRecord<V>[]);
    this.emit('acceptor.restored', { ...opened.recovered, replayed: opened.records.length });
    this.store = await AssignmentStore.open(this.ctx.bus);
    this.outbox = PaxosOutbox.for(this.ctx.bus);
    await this.watchRecords();
    this.subs.push(
      this.handle(contracts.prepare, {}, (m) => this.receiveBatch(unbatch(m))),
      this.handle(contracts.accept, {}, (m) => this.receiveBatch(unbatch(m))),
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
    if (this.toCompact.size >= this.compactAt || this.disk.stats().recordsSinceCompaction >= compactEvery) {
      void this.compact();
    }
  }

  /** Drops decided instances from the state and rewrites the log from the snapshot (core contract item 3). */
  private async compact(): Promise<void> {
    if (this.compacting || this.toCompact.size === 0) return;
    this.compacting = true;
    this.compactAt = compactBatch;
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

  /**
   * One delivery, handled as a unit. Each message, in order, either needs the durable record read first and
   * takes the async path (applied alone once the read returns), or is stepped now; the outputs of every
   * message stepped now are performed together: one append, one link in the tail chain, then the sends.
   * A message's answer may thus wait for the records of later messages in its batch: never too early.
   */
  private receiveBatch(msgs: readonly Msg[]): void {
    const outs: Out[] = [];
    let stepped = 0;
    for (const msg of msgs) {
      if (msg.type !== 'prepare-all' && core.needsRecordLookup(this.state, msg) && this.mustReadRecord(msg)) {
        void this.receiveAfterRecordRead(msg);
        continue;
      }
      this.step({ type: 'message', msg }, outs);
      stepped += 1;
    }
    this.perform(outs, stepped);
  }

  /** The async path: read the durable decision record (core contract item 2), then step `msg` alone. */
  private async receiveAfterRecordRead(msg: Exclude<Msg, { type: 'prepare-all' }>): Promise<void> {
    this.inFlight++;
    let value: V | undefined;
    try {
      value = await this.store.decision(msg.instance);
    } catch (e) {
      // No answer without the read: the proposer's retry asks again, and this acceptor keeps serving the rest.
      this.log.warn(`could not read the decision record of ${msg.instance}; ${msg.type} left unanswered`, {
        error: (e as Error).message,
      });
      return;
    } finally {
      this.inFlight--;
    }
    const outs: Out[] = [];
    if (value !== undefined) this.step({ type: 'recorded', instance: msg.instance, value }, outs);
    this.step({ type: 'message', msg }, outs);
    this.perform(outs, 1);
  }

  /** Whether the durable record has to be read before the core sees `msg` (the core already said it may). */
  private mustReadRecord(msg: Exclude<Msg, { type: 'prepare-all' }>): boolean {
    return !core.recordLookupSkippable(this.state, msg, this.recorded.mayContain(msg.instance));
  }

  /** One core step; its outputs are added to `outs`, to be performed by `perform`. */
  private step(input: core.AcceptorInput<V>, outs: Out[]): void {
    const r = core.step(this.state, input);
    this.state = r.state;
    for (const o of r.out) outs.push(o);
  }

  /**
   * Performs the outputs of `messages` steps, in order (core contract item 1): every record in one append
   * (group-committed with other acceptors' and steps' appends), then every send, once that append and every
   * earlier perform are done. Chaining behind earlier performs means a duplicate's answer, which needs no
   * record of its own, never overtakes the sync of the original's record.
   */
  private perform(outs: readonly Out[], messages: number): void {
    if (outs.length === 0) return;
    const records: core.AcceptorRecord<V>[] = [];
    for (const o of outs) if (o.kind === 'persist') for (const r of o.records) records.push(r);
    this.inFlight += messages;
    const started = performance.now();
    const send = () => {
      this.inFlight -= messages;
      if (this.diskFailed) return;
      if (records.length > 0) syncSeconds.observe((performance.now() - started) / 1000);
      for (const o of outs) if (o.kind === 'send') this.outbox.send(o.to, o.msg);
    };
    const fail = (e: unknown) => {
      this.inFlight -= messages;
      // Not synced means not promised: say nothing (a proposer retries), and stop, since the disk is failing.
      // Nothing is sent after this either: a later answer could rest on this step's unsynced state.
      this.diskFailed = true;
      this.logError('acceptor log write failed; stopping', e);
      consensusOps.inc({ phase: 'persist', result: 'error' });
      void this.stop(1_000);
    };
    this.tail =
      records.length > 0
        ? Promise.all([this.tail, this.disk.append(records)]).then(send, fail)
        : this.tail.then(send, fail);
  }
}
