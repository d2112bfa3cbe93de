// Seeded in-memory simulation of the Paxos cores (network faults, crashes, compaction) with a safety checker; test-only, no NATS, no real time.
import { seededRandom } from '../../../actors/runtime/core/random.ts';
import * as acceptor from '../../../actors/consensus/core/acceptor.ts';
import * as learner from '../../../actors/consensus/core/learner.ts';
import * as proposer from '../../../actors/consensus/core/proposer.ts';
import type {
  AcceptorMessage,
  AcceptorOut,
  AcceptorRecord,
  AcceptorState,
} from '../../../actors/consensus/core/acceptor.ts';
import type { LearnerOut, LearnerState } from '../../../actors/consensus/core/learner.ts';
import type { ProposerOut, ProposerReply, ProposerState } from '../../../actors/consensus/core/proposer.ts';
import type { Destination } from '../../../actors/consensus/core/types.ts';
import type { OwnerValue } from '../../../schemas/paxos.ts';

type V = OwnerValue;

/**
 * Freezes everything a core step handed out. The cores update their state in place, so an output that shared
 * an object with the state would change under a later step (and a message in flight with it): frozen, that
 * change throws instead. Messages are delivered as the same objects, so a core that changed its input throws too.
 */
function handedOut<R extends { out: readonly unknown[] }>(r: R): R {
  for (const o of r.out) deepFreeze(o);
  return r;
}

function deepFreeze(x: unknown): void {
  if (typeof x !== 'object' || x === null || Object.isFrozen(x)) return;
  Object.freeze(x);
  for (const v of Object.values(x)) deepFreeze(v);
}

/** Test-only mutations that break an acceptor on purpose, to prove the checker can fail. */
export type Mutation = 'none' | 'forget-promises' | 'amnesia' | 'skip-record-lookup';

export interface SimOptions {
  seed: number;
  acceptors: number;
  proposers: number;
  learners: number;
  instances: number;
  faultSteps: number;
  livenessSteps: number;
  /** Proposers with an even index use the multi-Paxos fast path, odd ones the classic path. */
  fastPath: 'all' | 'none' | 'mixed';
  mutation: Mutation;
  /** Acceptors skip the record read when `recordLookupSkippable` allows it, as the NATS adapter does. */
  skipSafeLookups: boolean;
}

export interface SimResult {
  seed: number;
  violation?: string;
  /** True when every instance was learned by every learner after faults stopped. */
  live: boolean;
  steps: number;
  fastAccepts: number;
  classicPrepares: number;
  compactions: number;
  crashes: number;
}

interface Envelope {
  from: string;
  to: string;
  msg: unknown;
}

interface AcceptorNode {
  id: string;
  up: boolean;
  state: AcceptorState<V>;
  log: AcceptorRecord<V>[];
  /** Instances this acceptor compacted; like the adapter's filter, it survives restarts (rebuilt from the record). */
  compacted: Set<string>;
}

interface ProposerNode {
  name: string;
  incarnation: number;
  fast: boolean;
  state: ProposerState<V>;
  timers: Map<string, number>;
  /** Open client requests: requestId -> instance. */
  requests: Map<string, string>;
  stopped: boolean;
}

interface LearnerNode {
  id: string;
  up: boolean;
  state: LearnerState<V>;
}

class SafetyViolation extends Error {
  override name = 'SafetyViolation';
}

const key = (v: unknown): string => JSON.stringify(v);

export class PaxosSim {
  readonly opt: SimOptions;
  readonly rand: () => number;
  now = 0;
  steps = 0;
  net: Envelope[] = [];
  lossRate = 0;
  dupRate = 0;
  /** Nodes on side A of a partition; messages between sides are dropped. Undefined = healed. */
  sideA: Set<string> | undefined;
  readonly acceptors: AcceptorNode[] = [];
  readonly proposers: ProposerNode[] = [];
  readonly learners: LearnerNode[] = [];
  /** The durable decision record (the KV bucket in production), written from learners' decisions. */
  readonly record = new Map<string, V>();
  readonly proposed = new Map<string, Set<string>>();
  readonly chosen = new Map<string, string>();
  readonly replied = new Map<string, string>();
  readonly instanceIds: string[];
  requestSeq = 0;
  stats = { fastAccepts: 0, classicPrepares: 0, compactions: 0, crashes: 0 };

  constructor(opt: SimOptions) {
    this.opt = opt;
    this.rand = seededRandom(opt.seed);
    const acceptorIds = Array.from({ length: opt.acceptors }, (_, i) => `A${i}`);
    for (const id of acceptorIds) {
      this.acceptors.push({
        id,
        up: true,
        state: acceptor.initialState<V>({ id }),
        log: [],
        compacted: new Set(),
      });
    }
    for (let i = 0; i < opt.proposers; i++) {
      const fast = opt.fastPath === 'all' || (opt.fastPath === 'mixed' && i % 2 === 0);
      const node: ProposerNode = {
        name: `P${i}`,
        incarnation: 0,
        fast,
        state: proposer.initialState<V>(this.proposerConfig(`P${i}`, 0, fast)),
        timers: new Map(),
        requests: new Map(),
        stopped: false,
      };
      this.proposers.push(node);
    }
    for (let i = 0; i < opt.learners; i++) {
      const id = `L${i}`;
      this.learners.push({ id, up: true, state: learner.initialState<V>({ id, acceptors: acceptorIds }) });
    }
    this.instanceIds = Array.from({ length: opt.instances }, (_, i) => `conv/thread.${i}/0`);
  }

  private proposerConfig(name: string, incarnation: number, fastPath: boolean): proposer.ProposerConfig {
    return {
      // A restarted proposer takes a new id: the core does not persist rounds, so ids are per incarnation.
      id: `${name}#${incarnation}`,
      acceptors: this.acceptors.map((a) => a.id),
      timeoutMs: 3000,
      retryMs: 200,
      backoffMinMs: 10,
      backoffMaxMs: 400,
      seed: Math.floor(this.rand() * 2 ** 32),
      fastPath,
      // Renew the leader ballot after very few instances, so renewals happen in every schedule.
      leaderRenewAfter: 1 + (incarnation % 3),
    };
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }

  // ---- the safety checker: runs on every decision, reply and lookup answer ----

  private fail(what: string): never {
    throw new SafetyViolation(`${what} (seed ${this.opt.seed}, step ${this.steps})`);
  }

  private checkChosen(instance: string, value: unknown, who: string): void {
    const k = key(value);
    if (!this.proposed.get(instance)?.has(k))
      this.fail(`${who} decided ${k} for ${instance}, which nobody proposed`);
    const had = this.chosen.get(instance);
    if (had !== undefined && had !== k)
      this.fail(`${who} decided ${k} for ${instance} but ${had} was decided before`);
    this.chosen.set(instance, k);
  }

  // ---- network ----

  private resolve(to: Destination): string[] {
    if (to === 'acceptors') return this.acceptors.map((a) => a.id);
    if (to === 'learners') return this.learners.map((l) => l.id);
    if (to === 'proposers') return this.proposers.map((p) => p.state.config.id);
    return [to];
  }

  private send(from: string, to: Destination, msg: unknown): void {
    for (const dest of this.resolve(to)) {
      if (this.rand() < this.lossRate) continue;
      this.net.push({ from, to: dest, msg });
      if (this.rand() < this.dupRate) this.net.push({ from, to: dest, msg });
    }
  }

  private partitioned(a: string, b: string): boolean {
    if (this.sideA === undefined) return false;
    const side = (id: string): boolean => this.sideA!.has(id.split('#')[0]!);
    return side(a) !== side(b);
  }

  /** Deliver one in-flight message chosen at random (reordering), maybe keeping a copy (duplication). */
  deliverOne(): void {
    if (this.net.length === 0) return;
    const i = Math.floor(this.rand() * this.net.length);
    const env = this.net[i]!;
    if (this.rand() < this.dupRate) {
      // leave it in flight: it will be delivered again later
    } else {
      this.net[i] = this.net[this.net.length - 1]!;
      this.net.pop();
    }
    this.now += Math.floor(this.rand() * 3);
    if (this.partitioned(env.from, env.to)) return;
    this.deliver(env);
  }

  private deliver(env: Envelope): void {
    const a = this.acceptors.find((n) => n.id === env.to);
    if (a !== undefined) return this.deliverToAcceptor(a, env.msg as AcceptorMessage<V>);
    const l = this.learners.find((n) => n.id === env.to);
    if (l !== undefined) {
      if (!l.up) return;
      const r = handedOut(learner.step(l.state, { type: 'message', msg: env.msg as never }));
      l.state = r.state;
      this.applyLearnerOut(l, r.out);
      return;
    }
    const p = this.proposers.find((n) => n.state.config.id === env.to);
    if (p !== undefined) {
      const r = handedOut(
        proposer.step(p.state, { type: 'message', now: this.now, msg: env.msg as ProposerReply<V> }),
      );
      p.state = r.state;
      this.applyProposerOut(p, r.out);
    }
    // A message to a dead proposer incarnation is dropped, as NATS would.
  }

  private deliverToAcceptor(a: AcceptorNode, msg: AcceptorMessage<V>): void {
    if (!a.up) return;
    // Contract item 2: consult the durable record for unknown instances and fast accepts.
    if (
      this.opt.mutation !== 'skip-record-lookup' &&
      acceptor.needsRecordLookup(a.state, msg) &&
      msg.type !== 'prepare-all' &&
      !(
        this.opt.skipSafeLookups &&
        acceptor.recordLookupSkippable(a.state, msg, a.compacted.has(msg.instance))
      )
    ) {
      const value = this.record.get(msg.instance);
      if (value !== undefined) {
        a.state = acceptor.step(a.state, { type: 'recorded', instance: msg.instance, value }).state;
      }
    }
    if (msg.type === 'accept' && msg.fast === true) this.stats.fastAccepts++;
    if (msg.type === 'prepare') this.stats.classicPrepares++;
    const r = handedOut(acceptor.step(a.state, { type: 'message', msg }));
    // The process may die part-way through performing `out`: whatever was persisted stays, the rest is lost.
    const crashAt = !this.liveness && this.rand() < 0.02 ? Math.floor(this.rand() * (r.out.length + 1)) : -1;
    a.state = r.state;
    r.out.forEach((o: AcceptorOut<V>, idx) => {
      if (idx === crashAt) this.crashAcceptor(a);
      if (!a.up) return;
      if (o.kind === 'persist') a.log.push(...o.records);
      else if (o.kind === 'send') this.send(a.id, o.to, o.msg);
    });
    if (crashAt === r.out.length) this.crashAcceptor(a);
  }

  private applyLearnerOut(l: LearnerNode, out: LearnerOut<V>[]): void {
    for (const o of out) {
      if (o.kind === 'decided') {
        this.checkChosen(o.instance, o.value, l.id);
        const had = this.record.get(o.instance);
        if (had === undefined) this.record.set(o.instance, o.value as V);
      } else if (o.kind === 'reply') {
        if (o.msg.found) this.checkChosen(o.msg.instance, o.msg.value, `${l.id} lookup`);
      }
    }
  }

  /** Nesting of applyProposerOut: a client retry steps the core again while a step's outputs are applied. */
  private applying = 0;

  private applyProposerOut(p: ProposerNode, out: ProposerOut<V>[]): void {
    this.applying++;
    for (const o of out) {
      switch (o.kind) {
        case 'send':
          this.send(p.state.config.id, o.to, o.msg);
          break;
        case 'setTimer':
          p.timers.set(o.key, o.at);
          break;
        case 'clearTimer':
          p.timers.delete(o.key);
          break;
        case 'reply': {
          const instance = p.requests.get(o.requestId);
          p.requests.delete(o.requestId);
          if (o.msg.type === 'decided') {
            const k = `${p.name}|${o.msg.instance}`;
            const v = key(o.msg.value);
            const had = this.replied.get(k);
            if (had !== undefined && had !== v)
              this.fail(`${p.name} replied ${v} and ${had} for ${o.msg.instance}`);
            this.replied.set(k, v);
            this.checkChosen(o.msg.instance, o.msg.value, `${p.name} reply`);
          } else if (o.msg.type === 'error') {
            if (o.msg.definite) this.fail(`${p.name} answered a definite error ${o.msg.code}`);
            // In the liveness phase the client retries until it hears a decision.
            if (p.stopped === false && this.liveness && instance !== undefined) this.request(p, instance);
          }
          break;
        }
        case 'persist':
        case 'decided':
          break;
        default: {
          const never: never = o;
          throw new Error(`unknown proposer output ${JSON.stringify(never)}`);
        }
      }
    }
    // Checked once every output of the outermost step is applied: mid-way, its later setTimer is still to come.
    if (--this.applying === 0) this.checkTimers(p);
  }

  /**
   * The proposer's timer contract, checked after every step: exactly one timer per pending instance, at its
   * earliest deadline, one for a leader ballot being prepared, and none for anything that ended (a leak). A
   * client retry re-enters the core while a step's replies are handled, so this also checks that a step's
   * clearTimer never drops the timer of a request made from its replies.
   */
  private checkTimers(p: ProposerNode): void {
    const s = p.state;
    const bad = (what: string): never => {
      throw new Error(`${p.name}: ${what} (seed ${this.opt.seed}, step ${this.steps})`);
    };
    const preparing = s.leader?.phase === 'preparing';
    if (p.timers.size !== s.pending.size + (preparing ? 1 : 0))
      bad(`${p.timers.size} timers for ${s.pending.size} pending instances (leader preparing: ${preparing})`);
    if (preparing && p.timers.get(proposer.LEADER_TIMER_KEY) !== s.leader?.retryAt)
      bad('the leader ballot being prepared has no timer at its retry time');
    for (const [instance, pending] of s.pending) {
      const due = Math.min(pending.attempt.retryAt, ...pending.requests.map((r) => r.deadline));
      const at = p.timers.get(proposer.instanceTimerKey(instance));
      if (at !== due) bad(`pending ${instance} has its timer at ${at}, not its earliest deadline ${due}`);
    }
  }

  liveness = false;

  // ---- actions ----

  request(p: ProposerNode, instance: string): void {
    const candidate: V = { agentId: `agent-${p.name}-${Math.floor(this.rand() * 3)}` };
    const set = this.proposed.get(instance) ?? new Set<string>();
    set.add(key(candidate));
    this.proposed.set(instance, set);
    const requestId = `r${++this.requestSeq}`;
    p.requests.set(requestId, instance);
    const r = handedOut(
      proposer.step(p.state, {
        type: 'request',
        requestId,
        now: this.now,
        msg: { type: 'propose', instance, candidate },
      }),
    );
    p.state = r.state;
    this.applyProposerOut(p, r.out);
  }

  /** Fire the earliest due timer of any running proposer, advancing the clock to it. */
  tick(): boolean {
    let best: { p: ProposerNode; k: string; at: number } | undefined;
    for (const p of this.proposers) {
      if (p.stopped) continue;
      for (const [k, at] of p.timers) if (best === undefined || at < best.at) best = { p, k, at };
    }
    if (best === undefined) return false;
    best.p.timers.delete(best.k);
    if (best.at > this.now) this.now = best.at;
    const r = handedOut(proposer.step(best.p.state, { type: 'timer', key: best.k, now: this.now }));
    best.p.state = r.state;
    this.applyProposerOut(best.p, r.out);
    return true;
  }

  crashAcceptor(a: AcceptorNode): void {
    if (!a.up) return;
    a.up = false;
    this.stats.crashes++;
  }

  /**
   * Only the synced log survives a crash: the live state object (updated in place by every step, possibly
   * past what was persisted when the crash hit mid-`out`) is replaced by one rebuilt from the log, never kept.
   */
  restartAcceptor(a: AcceptorNode): void {
    if (a.up) return;
    let records = a.log;
    if (this.opt.mutation === 'forget-promises') records = records.filter((r) => r.t === 'accept');
    if (this.opt.mutation === 'amnesia') records = [];
    a.log = [...records];
    a.state = acceptor.restore<V>({ id: a.id }, records);
    a.up = true;
  }

  compactAcceptor(a: AcceptorNode): void {
    if (!a.up) return;
    const done = [...this.record.keys()].filter((i) => acceptor.hasInstance(a.state, i));
    if (done.length === 0) return;
    for (const i of done) a.compacted.add(i);
    a.state = acceptor.compact(a.state, done);
    // Contract item 3: the log is rewritten from the snapshot.
    a.log = acceptor.snapshot(a.state);
    this.stats.compactions++;
  }

  private crashProposer(p: ProposerNode): void {
    // Pending client requests die with it; the new incarnation has a new id, so its ballots are new. It
    // starts from a fresh state: the proposer keeps nothing on disk.
    p.incarnation++;
    p.state = proposer.initialState<V>(this.proposerConfig(p.name, p.incarnation, p.fast));
    p.timers.clear();
    p.requests.clear();
  }

  private crashLearner(l: LearnerNode): void {
    l.up = false;
  }

  private restartLearner(l: LearnerNode): void {
    if (l.up) return;
    const decisions = [...this.record].map(([instance, value]) => ({ instance, value }));
    l.state = learner.restore<V>(l.state.config, decisions);
    l.up = true;
  }

  private randomPartition(): void {
    const ids = [
      ...this.acceptors.map((a) => a.id),
      ...this.proposers.map((p) => p.name),
      ...this.learners.map((l) => l.id),
    ];
    this.sideA = new Set(ids.filter(() => this.rand() < 0.5));
  }

  private faultStep(): void {
    const r = this.rand();
    if (r < 0.62) this.deliverOne();
    else if (r < 0.74) this.tick();
    else if (r < 0.8) this.request(this.pick(this.proposers), this.pick(this.instanceIds));
    else if (r < 0.83) this.crashAcceptor(this.pick(this.acceptors));
    else if (r < 0.88) this.restartAcceptor(this.pick(this.acceptors));
    else if (r < 0.9) this.compactAcceptor(this.pick(this.acceptors));
    else if (r < 0.92) this.randomPartition();
    else if (r < 0.94) this.sideA = undefined;
    else if (r < 0.95) this.crashProposer(this.pick(this.proposers));
    else if (r < 0.96) this.crashLearner(this.pick(this.learners));
    else if (r < 0.97) this.restartLearner(this.pick(this.learners));
    else if (r < 0.98) {
      const l = this.pick(this.learners);
      if (l.up) {
        const out = handedOut(
          learner.step(l.state, {
            type: 'lookup',
            requestId: 'q',
            msg: { type: 'lookup', instance: this.pick(this.instanceIds) },
          }),
        );
        this.applyLearnerOut(l, out.out);
      }
    } else {
      this.lossRate = this.rand() < 0.5 ? 0 : this.rand() * 0.3;
      this.dupRate = this.rand() < 0.5 ? 0 : this.rand() * 0.2;
    }
  }

  private allLearned(): boolean {
    return this.instanceIds.every(
      (i) => !this.proposed.has(i) || this.learners.every((l) => l.state.learned.has(i)),
    );
  }

  /** Run the faulty phase, then heal everything and let one proposer finish every instance. */
  run(): SimResult {
    try {
      for (let i = 0; i < this.opt.faultSteps; i++, this.steps++) this.faultStep();
      // Faults stop: heal, restart, no loss, and only P0 keeps trying (the others stop their timers).
      this.liveness = true;
      this.sideA = undefined;
      this.lossRate = 0;
      this.dupRate = 0;
      for (const a of this.acceptors) this.restartAcceptor(a);
      for (const l of this.learners) this.restartLearner(l);
      for (const p of this.proposers.slice(1)) p.stopped = true;
      const p0 = this.proposers[0]!;
      for (const i of this.instanceIds)
        if (this.proposed.has(i) && !this.learners.every((l) => l.state.learned.has(i))) this.request(p0, i);
      let live = false;
      for (let i = 0; i < this.opt.livenessSteps; i++, this.steps++) {
        if (this.allLearned()) {
          live = true;
          break;
        }
        if (this.net.length > 0) this.deliverOne();
        else if (!this.tick()) break;
      }
      live ||= this.allLearned();
      return { seed: this.opt.seed, live, steps: this.steps, ...this.stats };
    } catch (err) {
      if (err instanceof SafetyViolation)
        return { seed: this.opt.seed, violation: err.message, live: false, steps: this.steps, ...this.stats };
      throw err;
    }
  }
}

export const defaultSimOptions: Omit<SimOptions, 'seed'> = {
  acceptors: 3,
  proposers: 3,
  learners: 2,
  instances: 3,
  faultSteps: 300,
  livenessSteps: 5000,
  fastPath: 'mixed',
  mutation: 'none',
  skipSafeLookups: false,
};

export function simulate(opt: Partial<SimOptions> & { seed: number }): SimResult {
  return new PaxosSim({ ...defaultSimOptions, ...opt }).run();
}
