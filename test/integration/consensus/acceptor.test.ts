// The acceptor adapter against a real nats-server, with its real log wrapped so a test can hold appends: persist, synced,
// before send (core contract item 1), for whole delivered batches. It must not leave the actor or the server running.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus } from '../../../bus/bus.ts';
import { loadConfig } from '../../../actors/runtime/config.ts';
import { contracts } from '../../../bus/contracts.ts';
import { createLogger, type Logger, type Meta } from '../../../telemetry/logger.ts';
import { provision } from '../../../bus/provision.ts';
import { AcceptorActor } from '../../../actors/consensus/acceptor.ts';
import { AssignmentStore } from '../../../actors/consensus/assignment-store.ts';
import { unbatch } from '../../../actors/consensus/wire.ts';
import { RecordedFilter } from '../../../actors/consensus/recorded-filter.ts';
import { openAppendLog, type DurableLog } from '../../../actors/storage/append-log.ts';
import type { AcceptMsg, PrepareMsg } from '../../../schemas/paxos.ts';
import { baseEnv } from '../../support/node-harness.ts';
import { testNats, type TestNats } from '../../support/nats.ts';
import { sleep } from '../../support/processes.ts';

const logger = createLogger('error', { test: 'acceptor' });
const me = 'test-proposer';

type Answer = { type: string; instance?: string; from: string };

/**
 * The acceptor's real log, with a gate: while held, an append is written and synced as usual, but its promise
 * resolves only once the test releases it (or rejects, when told to fail), so "synced" is under the test's control.
 */
class HeldLog implements DurableLog {
  /** The records of every append call, in call order. */
  readonly appends: unknown[][] = [];
  private gate: Promise<void> = Promise.resolve();
  private open: (error?: Error) => void = () => undefined;

  constructor(private readonly inner: DurableLog) {}

  hold(): void {
    this.gate = new Promise<void>((resolve, reject) => {
      this.open = (error) => (error ? reject(error) : resolve());
    });
    this.gate.catch(() => undefined); // observed by the appends that wait on it
  }

  release(error?: Error): void {
    this.open(error);
  }

  async append(records: readonly unknown[]): Promise<void> {
    this.appends.push([...records]);
    const gate = this.gate;
    await this.inner.append(records);
    await gate;
  }

  compact(snapshot: readonly unknown[]): Promise<void> {
    return this.inner.compact(snapshot);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  stats() {
    return this.inner.stats();
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('acceptor', function () {
  this.timeout(60_000);
  let nats: TestNats;
  let bus: Bus;
  let dataDir: string;
  const answers: Answer[] = [];
  const actors: AcceptorActor[] = [];
  const logs: HeldLog[] = [];
  let nextActor = 0;

  /** Starts an acceptor actor in this process, on a fresh log wrapped in a HeldLog. */
  async function startAcceptor(
    actorLogger: Logger = logger,
  ): Promise<{ actor: AcceptorActor; log: HeldLog }> {
    let log: HeldLog | undefined;
    const actor = new AcceptorActor(`t${nextActor++}-acceptor-0`, {
      openLog: async (dir) => {
        const opened = await openAppendLog(dir);
        log = new HeldLog(opened.log);
        logs.push(log);
        return { ...opened, log };
      },
    });
    actors.push(actor);
    const config = loadConfig(baseEnv(nats.servers, 'acceptor-test', dataDir));
    await actor.start({ bus, config, logger: actorLogger });
    // Until the process's decisions watch has replayed the bucket, every message takes the record-read path
    // (one append each): wait, so fresh instances are stepped as the batch they came in.
    const filter = await RecordedFilter.for(bus);
    await until(() => !filter.mayContain('conv/never-recorded/0'), 'the decisions watch to catch up');
    return { actor, log: log! };
  }

  /** Lets anything the acceptor wrongly sent already arrive: it runs in this process, on this connection. */
  async function settle(): Promise<void> {
    await bus.nc.flush();
    await sleep(150);
    await bus.nc.flush();
  }

  const prepare = (instance: string, round: number): PrepareMsg => ({
    type: 'prepare',
    instance,
    ballot: { round, proposer: me },
    from: me,
  });

  before(async () => {
    // Its own server: an empty decisions bucket, so fresh instances need no record read and the test
    // decides which messages take the read path.
    nats = await testNats({ own: true });
    bus = await Bus.connect({ servers: nats.servers, name: 'acceptor-test', logger });
    await provision(bus, 1, logger);
    dataDir = await mkdtemp(join(tmpdir(), 'cs-acceptor-'));
    bus.handle(contracts.toProposer, { proposerId: me }, (m) => {
      for (const msg of unbatch(m)) answers.push(msg as Answer);
    });
    await bus.nc.flush();
  });

  beforeEach(() => {
    answers.length = 0;
  });

  // Every acceptor listens on the same subjects: one at a time, or a test would hear an earlier test's one too.
  afterEach(async () => {
    for (const log of logs.splice(0)) log.release(); // a failed test may have left one held: stop awaits it
    for (const a of actors.splice(0)) await a.stop(1_000);
  });

  after(async () => {
    await bus?.drain();
    await nats?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers a delivered batch only once its records are synced, all of them in one append', async () => {
    const { log } = await startAcceptor();
    const instances = Array.from({ length: 20 }, (_, i) => `conv/batch-${i}/0`);
    log.hold();
    bus.publish(contracts.prepare, {}, { type: 'batch', messages: instances.map((i) => prepare(i, 1)) });
    await until(() => log.appends.length === 1, 'the batch append');
    await settle();
    expect(answers, 'answers before the sync').to.deep.equal([]);
    expect(log.appends).to.have.length(1);
    expect(log.appends[0]).to.have.length(instances.length);

    log.release();
    await until(() => answers.length === instances.length, 'every promise');
    expect(answers.map((a) => [a.type, a.instance])).to.deep.equal(instances.map((i) => ['promise', i]));
    expect(log.appends, 'no append but the batch one').to.have.length(1);
  });

  it("never lets a duplicate's answer, which needs no record, overtake the original's sync", async () => {
    const { log } = await startAcceptor();
    const x = 'conv/dup-x/0';
    log.hold();
    bus.publish(contracts.prepare, {}, prepare(x, 7));
    await until(() => log.appends.length === 1, 'the original append');
    bus.publish(contracts.prepare, {}, prepare(x, 7)); // redelivered: same answer, nothing new to write
    await settle();
    expect(answers, 'answers before the sync').to.deep.equal([]);

    log.release();
    await until(() => answers.length === 2, 'both promises');
    expect(answers.map((a) => [a.type, a.instance])).to.deep.equal([
      ['promise', x],
      ['promise', x],
    ]);
    expect(log.appends, 'the duplicate wrote nothing').to.have.length(1);
  });

  it('sends a message that must read its decision record down the read path, still behind earlier syncs', async () => {
    const { log } = await startAcceptor();
    const decided = 'conv/read-decided/0';
    const value = { agentId: 'agent-recorded' };
    await (await AssignmentStore.open(bus)).recordDecision(decided, value);
    const filter = await RecordedFilter.for(bus);
    // Complete (it rules out what was never recorded) and aware of the new record.
    await until(
      () => filter.mayContain(decided) && !filter.mayContain('conv/never-recorded/0'),
      'the record in the filter',
    );

    const fresh = 'conv/read-fresh/0';
    const accept: AcceptMsg = {
      type: 'accept',
      instance: decided,
      ballot: { round: 3, proposer: me },
      value: { agentId: 'agent-other' },
      from: me,
    };
    log.hold();
    bus.publish(
      contracts.accept,
      {},
      {
        type: 'batch',
        messages: [
          { type: 'accept', instance: fresh, ballot: { round: 3, proposer: me }, value, from: me },
          accept,
        ],
      },
    );
    await until(() => log.appends.length === 1, 'the append of the fresh accept');
    await settle();
    expect(answers, 'answers before the sync').to.deep.equal([]);
    expect(log.appends[0], 'only the fresh accept is written').to.have.length(1);

    log.release();
    await until(() => answers.length === 2, 'both answers');
    expect(answers.map((a) => [a.type, a.instance])).to.deep.equal([
      ['accepted', fresh],
      ['decided', decided],
    ]);
    expect(answers[1]).to.deep.include({ value });
  });

  it('sends nothing once an append failed, not even a later answer that needs no record, and stops', async () => {
    const { actor, log } = await startAcceptor();
    const x = 'conv/fail-x/0';
    log.hold();
    bus.publish(
      contracts.prepare,
      {},
      {
        type: 'batch',
        messages: [prepare(x, 5), prepare('conv/fail-y/0', 5)],
      },
    );
    await until(() => log.appends.length === 1, 'the failing append');
    bus.publish(contracts.prepare, {}, prepare(x, 5)); // its promise would rest on the unsynced record
    await settle();
    log.release(new Error('disk on fire'));
    await actor.stopped;
    await settle();
    expect(answers).to.deep.equal([]);
  });

  // Last: it deletes the decisions bucket.
  it('keeps running when the decision record cannot be read: the message goes unanswered, later ones are answered', async () => {
    const warnings: string[] = [];
    const recording: Logger = {
      error: () => undefined,
      warn: (message: string, _meta?: Meta) => void warnings.push(message),
      info: () => undefined,
      debug: () => undefined,
      child: () => recording,
    };
    const { actor } = await startAcceptor(recording);
    const decided = 'conv/unreadable/0';
    await (await AssignmentStore.open(bus)).recordDecision(decided, { agentId: 'agent-recorded' });
    const filter = await RecordedFilter.for(bus);
    await until(() => filter.mayContain(decided), 'the record in the filter');
    const jsm = await bus.jsm();
    await jsm.streams.delete('KV_assignments');

    bus.publish(contracts.prepare, {}, prepare(decided, 2));
    await until(() => warnings.length > 0, 'the failed read', 20_000);
    expect(warnings[0]).to.match(
      /could not read the decision record of conv\/unreadable\/0; prepare left unanswered/,
    );
    await settle();
    bus.publish(contracts.prepare, {}, prepare('conv/after-unreadable/0', 2));
    await until(() => answers.length === 1, 'the later answer');
    expect(answers.map((a) => [a.type, a.instance])).to.deep.equal([['promise', 'conv/after-unreadable/0']]);
    expect(actor.status).to.equal('running');
  });
});
