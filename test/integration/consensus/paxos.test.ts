// Paxos over real NATS with real acceptor, proposer and learner processes, killed with -9; it records every answer and
// checks the whole history at the end. It must not share processes between suites or leave any running.
import { seededRandom } from '../../../actors/runtime/core/random.ts';
import { expect } from 'chai';
import { join } from 'node:path';
import { Bus, BusUnavailableError } from '../../../bus/bus.ts';
import { contracts } from '../../../bus/contracts.ts';
import { createLogger } from '../../../telemetry/logger.ts';
import { AssignmentStore } from '../../../actors/consensus/assignment-store.ts';
import { openAppendLog } from '../../../actors/storage/append-log.ts';
import { restore, type AcceptorRecord } from '../../../actors/consensus/core/acceptor.ts';
import type { ActorEvent } from '../../../schemas/bus.ts';
import type { AcceptedMsg, NackMsg, OwnerValue, PromiseMsg, ProposeReply } from '../../../schemas/paxos.ts';
import { testNats, type TestNats } from '../../support/nats.ts';
import { ProcessGroup, sleep, type NodeProcess } from '../../support/processes.ts';

/** Seconds a proposer waits before answering PAXOS_TIMEOUT; short so the majority-down case is quick. */
const PAXOS_TIMEOUT_S = 3;
/** The client waits longer than the proposer, so a PAXOS_TIMEOUT answer (not a bus timeout) is what it sees. */
const CLIENT_TIMEOUT_MS = PAXOS_TIMEOUT_S * 1000 + 4_000;

interface Answer {
  client: string;
  instance: string;
  candidate: OwnerValue;
  reply?: ProposeReply;
  error?: string;
  /** A retryable, non-definite answer the client asked again after (as a processor does): not a final answer. */
  retried?: boolean;
}

/** Every propose request and what came back, checked as a whole at the end (maelstrom-style). */
class History {
  readonly answers: Answer[] = [];

  constructor(private readonly bus: Bus) {}

  async propose(client: string, instance: string, candidate: OwnerValue): Promise<Answer> {
    const a: Answer = { client, instance, candidate };
    try {
      a.reply = await this.bus.request(
        contracts.propose,
        {},
        { type: 'propose', instance, candidate },
        CLIENT_TIMEOUT_MS,
      );
    } catch (e) {
      a.error = e instanceof BusUnavailableError ? e.code : String(e);
    }
    this.answers.push(a);
    return a;
  }

  /**
   * Proposes until decided, asking again after a retryable answer (PAXOS_TIMEOUT is never definite), as the
   * processor does: liveness is "decides once a majority answers", not "decides within one timeout", which a
   * restart on a loaded machine can outlast. Every attempt stays in the history for the safety check.
   */
  async proposeUntilDecided(
    client: string,
    instance: string,
    candidate: OwnerValue,
    tries = 5,
  ): Promise<Answer> {
    for (let i = 1; ; i++) {
      const a = await this.propose(client, instance, candidate);
      const retryable = a.reply?.type === 'error' && a.reply.retryable;
      if (!retryable || i >= tries) return a;
      a.retried = true;
    }
  }

  decidedCount(): number {
    return this.answers.filter((a) => a.reply?.type === 'decided').length;
  }

  /** Answers that are not a decision: must be empty whenever a majority of acceptors was up. */
  failures(): Answer[] {
    return this.answers.filter((a) => a.reply?.type !== 'decided' && !a.retried);
  }

  /**
   * The safety check over the whole history: one value per instance, that value was some client's
   * candidate for it, and the durable record (KV `assignments`) holds exactly it.
   */
  async check(store: AssignmentStore): Promise<Map<string, OwnerValue>> {
    const values = new Map<string, Set<string>>();
    const candidates = new Map<string, Set<string>>();
    for (const a of this.answers) {
      const c = candidates.get(a.instance) ?? new Set<string>();
      c.add(JSON.stringify(a.candidate));
      candidates.set(a.instance, c);
      if (a.reply?.type !== 'decided') continue;
      expect(a.reply.instance, 'a reply names the instance asked about').to.equal(a.instance);
      const v = values.get(a.instance) ?? new Set<string>();
      v.add(JSON.stringify(a.reply.value));
      values.set(a.instance, v);
    }
    const decided = new Map<string, OwnerValue>();
    for (const [instance, v] of values) {
      expect([...v], `answers for ${instance}`).to.have.length(1);
      const value = [...v][0]!;
      expect(candidates.get(instance), `the value of ${instance} was proposed`).to.include(value);
      decided.set(instance, JSON.parse(value) as OwnerValue);
    }
    // The learner records asynchronously after the proposer answered: wait for the record, then compare.
    for (const [instance, value] of decided) {
      const recorded = await waitFor(() => store.decision(instance), 10_000, `KV record of ${instance}`);
      expect(recorded, `KV record of ${instance}`).to.deep.equal(value);
    }
    return decided;
  }
}

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, ms: number, what: string) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

const acceptorId = (n: NodeProcess) => n.actorIds('acceptor')[0]!;

/** A cluster for one suite: its own processes on the file's nats-server, with a client connection. */
class Cluster {
  acceptors: NodeProcess[] = [];
  proposers: NodeProcess[] = [];
  bus!: Bus;
  store!: AssignmentStore;
  history!: History;

  private constructor(
    readonly group: ProcessGroup,
    readonly env: Record<string, string>,
  ) {}

  static async start(
    nats: TestNats,
    tag: string,
    opts: { acceptors: number; proposers: string[] },
  ): Promise<Cluster> {
    const group = await ProcessGroup.create(`cs-paxos-${tag}-`);
    const names = Array.from({ length: opts.acceptors }, (_, i) => `${tag}a${i + 1}`);
    const env = {
      NATS_URL: nats.servers.join(','),
      PAXOS_ACCEPTORS: names.map((n) => `${n}-acceptor-0`).join(','),
      PAXOS_TIMEOUT: String(PAXOS_TIMEOUT_S),
      STATE_REPLICATION_FACTOR: '1',
    };
    const c = new Cluster(group, env);
    try {
      c.acceptors = names.map((nodeId) => group.add({ nodeId, actors: 'acceptor', env }));
      await Promise.all(c.acceptors.map((a) => a.start()));
      c.proposers = opts.proposers.map((actors, i) => group.add({ nodeId: `${tag}p${i + 1}`, actors, env }));
      await Promise.all(c.proposers.map((p) => p.start()));
      c.bus = await Bus.connect({ servers: nats.servers, name: `test-${tag}`, logger: quietLogger });
      c.store = await AssignmentStore.open(c.bus);
      c.history = new History(c.bus);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  /** Starts any acceptor a previous test left killed, so each test begins with all of them up. */
  async allAcceptorsUp(): Promise<void> {
    await Promise.all(this.acceptors.filter((a) => !a.running).map((a) => a.start()));
  }

  async stop(): Promise<void> {
    await this.group.killAll();
    await this.bus?.drain();
  }
}

const quietLogger = createLogger('error', { nodeId: 'test' });

/** Prints every node's log tail when a test of the suite failed. */
function showLogsOnFailure(cluster: () => Cluster | undefined) {
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(cluster()?.group.report() ?? '(no cluster)');
  });
}

/**
 * A bounded stream of proposals from a few concurrent clients while one minority of acceptors is killed -9,
 * brought back, then a different minority is killed -9: every proposal must decide, and the whole history
 * must agree with itself and with the durable record.
 */
async function streamWhileMinorityKilled(c: Cluster, tag: string): Promise<void> {
  const minority = Math.floor((c.acceptors.length - 1) / 2);
  const seed = Date.now() % 100_000;
  const rand = seededRandom(seed);
  const minInstances = 200;
  let nextInstance = 0;
  let chaosDone = false;
  // Each client takes the next instance and proposes it twice at once with two candidates, so every
  // instance sees competing values; clients keep going until the kill schedule is over. Past 3,000 instances
  // they slow down instead of stopping: a restart that takes long (a loaded machine) must still find a stream
  // to make progress on, or the schedule waits for decisions nobody asks for.
  const client = async (k: number) => {
    for (;;) {
      const i = nextInstance++;
      if (chaosDone && i >= minInstances) return;
      if (i >= 3_000) await sleep(50);
      const instance = `conv/${tag}-thread-${i}/0`;
      await Promise.all(
        ['x', 'y'].map((t) =>
          c.history.proposeUntilDecided(`c${k}${t}`, instance, { agentId: `agent-${k}-${t}`, epoch: 0 }),
        ),
      );
    }
  };
  const chaos = async () => {
    try {
      const order = [...c.acceptors].sort(() => rand() - 0.5);
      const first = order.slice(0, minority);
      const second = order.slice(minority, 2 * minority);
      const progress = (n: number, what: string) => {
        const from = c.history.decidedCount();
        return waitFor(() => c.history.decidedCount() >= from + n, 60_000, what);
      };
      await progress(40, '40 decisions');
      await Promise.all(first.map((a) => a.kill9()));
      await progress(60, '60 decisions with the first minority down');
      await Promise.all(first.map((a) => a.start()));
      await Promise.all(second.map((a) => a.kill9()));
      await progress(60, '60 decisions with the second minority down');
      await Promise.all(second.map((a) => a.start()));
    } finally {
      chaosDone = true;
    }
  };
  await Promise.all([chaos(), ...Array.from({ length: 3 }, (_, k) => client(k))]);

  expect(c.history.failures(), `failed proposals (seed ${seed})`).to.deep.equal([]);
  const decided = await c.history.check(c.store);
  expect(decided.size).to.be.at.least(minInstances);
  // A late proposal with a new candidate gets the decided value back.
  for (const [instance, value] of [...decided].slice(0, 30)) {
    const late = await c.history.propose('late', instance, { agentId: 'agent-late' });
    expect(late.reply, instance).to.deep.include({ type: 'decided', value });
  }
}

/** With a majority killed -9 nothing can be chosen: the proposer says so (never definite), and decides once they return. */
async function majorityKilled(c: Cluster, tag: string): Promise<void> {
  const majority = c.acceptors.slice(0, Math.floor(c.acceptors.length / 2) + 1);
  await Promise.all(majority.map((a) => a.kill9()));
  const instances = Array.from({ length: 5 }, (_, i) => `conv/${tag}-dark-${i}/1`);
  const dark = await Promise.all(
    instances.map((instance) => c.history.propose('dark', instance, { agentId: 'agent-dark' })),
  );
  for (const a of dark) {
    expect(a.error, `${a.instance}: the proposer answered`).to.equal(undefined);
    expect(a.reply).to.deep.include({
      type: 'error',
      code: 'PAXOS_TIMEOUT',
      definite: false,
      retryable: true,
    });
  }
  await Promise.all(majority.map((a) => a.start()));
  const back = await Promise.all(
    instances.map((instance) => c.history.proposeUntilDecided('back', instance, { agentId: 'agent-back' })),
  );
  for (const a of back) expect(a.reply?.type, a.instance).to.equal('decided');
  // Either candidate may win (a timed-out round may still have been accepted), but only one, and recorded.
  await c.history.check(c.store);
}

describe('paxos', function () {
  // Generous: every kill -9 is followed by a process start, which takes seconds on a loaded 2-core machine.
  this.timeout(150_000);
  let nats: TestNats;

  before(async () => {
    nats = await testNats({ own: true });
  });
  after(async () => {
    await nats?.stop();
  });

  describe('with 3 acceptor processes', () => {
    let cluster: Cluster | undefined;
    const events: ActorEvent[] = [];
    before(async () => {
      cluster = await Cluster.start(nats, 's3', { acceptors: 3, proposers: ['proposer,learner'] });
      cluster.bus.handle(contracts.events, { kind: 'learner' }, (e) => void events.push(e));
    });
    beforeEach(async () => cluster?.allAcceptorsUp());
    after(async () => cluster?.stop());
    showLogsOnFailure(() => cluster);

    it('decides every proposal while one acceptor at a time is killed -9, and all answers agree', () =>
      streamWhileMinorityKilled(cluster!, 's3'));

    it('answers PAXOS_TIMEOUT (definite: false) while two are down, and decides once they are back', () =>
      majorityKilled(cluster!, 's3'));

    it('never yields two values when two proposer processes race on the same instances', async () => {
      const c = cluster!;
      c.proposers.push(await c.group.spawn({ nodeId: 's3p2', actors: 'proposer,learner', env: c.env }));
      const instances = Array.from({ length: 60 }, (_, i) => `conv/duel-${i}/0`);
      // Four clients walk the instances (two forwards, two backwards) with four candidates; the queue group
      // spreads requests over both proposers, and each runs its own leader ballot, so they duel.
      await Promise.all(
        [0, 1, 2, 3].map(async (k) => {
          for (const instance of k % 2 === 0 ? instances : [...instances].reverse())
            await c.history.propose(`d${k}`, instance, { agentId: `agent-duel-${k}` });
        }),
      );
      const duel = c.history.answers.filter((a) => a.instance.startsWith('conv/duel-'));
      // Ballot owners carry a per-incarnation suffix (`<actor id>-<hex>`); the node id is what tells them apart.
      const proposerNodes = new Set(
        duel.flatMap((a) =>
          a.reply?.type === 'decided' && a.reply.from ? [a.reply.from.split('-proposer-')[0]] : [],
        ),
      );
      expect([...proposerNodes].sort(), 'both proposers answered').to.deep.equal(['s3p1', 's3p2']);
      // A timeout is allowed while they duel (it is never definite); a wrong or second value is not.
      for (const f of duel.filter((a) => a.reply?.type !== 'decided'))
        expect(f.reply, `${f.instance}: ${f.error ?? ''}`).to.deep.include({
          code: 'PAXOS_TIMEOUT',
          definite: false,
        });
      const decided = await c.history.check(c.store);
      expect([...decided.keys()].filter((i) => i.startsWith('conv/duel-'))).to.have.length.at.least(54);
      expect(events.filter((e) => e.event === 'paxos.safety-violation')).to.deep.equal([]);
    });

    it('keeps promises and accepted values across kill -9: the log replays them and a competing proposer gets the first value', async () => {
      const c = cluster!;
      // No learner may run: then nothing reaches the durable record, and only the acceptors' disks can carry X's value.
      await Promise.all(c.proposers.map((p) => p.kill9()));
      const me = 'test-proposer';
      const inbox: Array<PromiseMsg | NackMsg | AcceptedMsg> = [];
      const sub = c.bus.handle(contracts.toProposer, { proposerId: me }, (m) => {
        if (m.type === 'promise' || m.type === 'nack' || m.type === 'accepted') inbox.push(m);
      });
      await c.bus.nc.flush();
      const ids = c.acceptors.map(acceptorId);
      const all = (type: string, instance: string) => () => {
        const from = new Set(
          inbox.filter((m) => m.type === type && m.instance === instance).map((m) => m.from),
        );
        return ids.every((id) => from.has(id));
      };

      // Instance X: promised and accepted at ballot rX with value A. Instance Y: only promised at rY. The rounds
      // sit far above any leader ballot the earlier tests' proposers reached, so no leader floor outranks them.
      const x = 'conv/disk-x/0';
      const y = 'conv/disk-y/0';
      const rX = { round: 1_000_000, proposer: me };
      const rY = { round: 1_000_002, proposer: me };
      const valueA = { agentId: 'agent-first' };
      c.bus.publish(contracts.prepare, {}, { type: 'prepare', instance: x, ballot: rX, from: me });
      await waitFor(all('promise', x), 20_000, 'promises for X');
      c.bus.publish(
        contracts.accept,
        {},
        { type: 'accept', instance: x, ballot: rX, value: valueA, from: me },
      );
      await waitFor(all('accepted', x), 20_000, 'accepts for X');
      c.bus.publish(contracts.prepare, {}, { type: 'prepare', instance: y, ballot: rY, from: me });
      await waitFor(all('promise', y), 20_000, 'promises for Y');

      // Every answer was sent after its record was synced, so a kill -9 now must lose nothing.
      await Promise.all(c.acceptors.map((a) => a.kill9()));

      // The crashed acceptor's log (its stale lock is taken over) replays the promise and the accept.
      const a1 = c.acceptors[0]!;
      const opened = await openAppendLog(join(a1.dataDir, 'acceptors', acceptorId(a1)));
      await opened.log.close();
      const records = opened.records as AcceptorRecord<OwnerValue>[];
      expect(records).to.deep.include({ t: 'accept', instance: x, ballot: rX, value: valueA });
      expect(records).to.deep.include({ t: 'promise', instance: y, ballot: rY });
      const replayed = restore<OwnerValue>({ id: acceptorId(a1) }, records);
      expect(replayed.instances.get(x)).to.deep.include({ accepted: { ballot: rX, value: valueA } });
      expect(replayed.instances.get(y)).to.deep.include({ promised: rY });

      await Promise.all(c.acceptors.map((a) => a.start()));
      // The restarted acceptors refuse a lower ballot for Y, naming the promise they made before the crash.
      c.bus.publish(
        contracts.prepare,
        {},
        { type: 'prepare', instance: y, ballot: { round: 3, proposer: me }, from: me },
      );
      await waitFor(all('nack', y), 20_000, 'nacks for Y');
      for (const m of inbox.filter((n): n is NackMsg => n.type === 'nack'))
        expect(m.promised, `${m.from} kept its promise for Y`).to.deep.equal(rY);
      sub.unsubscribe();

      // A real proposer process proposing another value for X must adopt A, which only the acceptors hold.
      expect(await c.store.decision(x), 'no learner recorded X').to.equal(undefined);
      await c.group.spawn({ nodeId: 's3p3', actors: 'proposer', env: c.env });
      const competing = await c.history.propose('competitor', x, { agentId: 'agent-second' });
      expect(competing.reply).to.deep.include({ type: 'decided', value: valueA });
      const fresh = await c.history.propose('competitor', y, { agentId: 'agent-y' });
      expect(fresh.reply).to.deep.include({ type: 'decided', value: { agentId: 'agent-y' } });
    });
  });

  describe('with 5 acceptor processes', () => {
    let cluster: Cluster | undefined;
    before(async () => {
      cluster = await Cluster.start(nats, 's5', { acceptors: 5, proposers: ['proposer,learner'] });
    });
    beforeEach(async () => cluster?.allAcceptorsUp());
    after(async () => cluster?.stop());
    showLogsOnFailure(() => cluster);

    it('decides every proposal while two acceptors at a time are killed -9, and all answers agree', () =>
      streamWhileMinorityKilled(cluster!, 's5'));

    it('answers PAXOS_TIMEOUT (definite: false) while three are down, and decides once they are back', () =>
      majorityKilled(cluster!, 's5'));
  });
});
