// Pure Paxos proposer core: runs rounds for many instances, coalesces requests, multi-Paxos fast path; no I/O, no clock.
//
// Adapter contract: feed every validated reply (promise, promise-all, nack, accepted, decided) and every due
// timer; perform `out` in order. `now` is the adapter's clock in ms.
//
// Timers: at most one per pending instance, keyed `instanceTimerKey(instance)` and due at the instance's
// earliest deadline (its attempt's retry or backoff end, or its earliest request's PAXOS_TIMEOUT), plus one
// keyed LEADER_TIMER_KEY while a leader ballot is being prepared. A `setTimer` with a key already pending
// replaces it; a `clearTimer` drops it, and comes whenever what the key served ends (the instance was decided
// or its last request timed out; the leader ballot stood or was given up), even in the step its own timer
// fired in, and before that step's replies (an adapter may ask again from inside its reply handling). A
// timer that fires is gone: the adapter forgets it before feeding it in, and the core sets the key again if
// the instance still waits. A stale or early timer is harmless: the core does only what is due at `now`, and
// sets the key again for the rest. Without this, every decided instance left a retry and a PAXOS_TIMEOUT
// timer live in the adapter until they fired for nothing.
//
// `step` and `forget` update the state in place (O(1) per input, as etcd-io/raft does) and return the same
// object. Outputs never share anything the state later changes: they carry messages built for the step,
// ballots and values, and those are never mutated (a new attempt replaces the old one, it does not edit it).
import { ballotEquals, compareBallots, nextBallot } from './ballot.ts';
import { isQuorum } from './quorum.ts';
import { nextRandom } from '../../runtime/core/random.ts';
import type {
  Accept,
  Accepted,
  AcceptedPair,
  Ballot,
  Decided,
  Nack,
  Out,
  PaxosError,
  Prepare,
  PrepareAll,
  PromiseAll,
  Promised,
  Propose,
  StepResult,
} from './types.ts';

export interface ProposerConfig {
  id: string;
  acceptors: readonly string[];
  /** PAXOS_TIMEOUT: a request not decided this long after it arrived gets a PAXOS_TIMEOUT error. */
  timeoutMs: number;
  /** A phase with no quorum after this long is retried with a higher round (messages may be lost). */
  retryMs: number;
  /** After a preemption, wait a random time in [min, min*2^attempt capped at max] so duelling proposers separate. */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Seed of the injected PRNG (mulberry32); the core never reads Math.random. */
  seed: number;
  /** Try to hold a leader ballot (prepare-all) and skip phase 1 while it stands. */
  fastPath: boolean;
  /**
   * Renew the leader ballot (a new prepare-all at a higher round) after this many instances were proposed at
   * it, so what the leader must remember per ballot stays bounded. Default 10,000.
   */
  leaderRenewAfter?: number;
}

interface Attempt<V> {
  ballot: Ballot;
  phase: 'prepare' | 'accept' | 'backoff';
  fast: boolean;
  promises: Map<string, AcceptedPair<V> | undefined>;
  accepts: Set<string>;
  value?: V;
  /** When to start a new attempt if this one has not decided: retryMs after it started, or its backoff's end. */
  retryAt: number;
}

interface Pending<V> {
  candidate: V;
  requests: Array<{ requestId: string; deadline: number }>;
  attempts: number;
  attempt: Attempt<V>;
  /** `at` of the instance's timer as last set, undefined once it fired: a `setTimer` goes out only when it moves. */
  timerAt: number | undefined;
}

interface Leader<V> {
  ballot: Ballot;
  phase: 'preparing' | 'leading';
  /** While preparing: the ballot is given up if no majority promised by then (the LEADER_TIMER_KEY timer). */
  retryAt: number;
  promised: Set<string>;
  /** Highest accepted proposal per instance reported in the promise-all quorum: must be re-proposed. */
  adopted: Map<string, AcceptedPair<V>>;
  /** Instances some acceptor had promised above the leader ballot: classic path only. */
  refused: Set<string>;
  /**
   * Value sent at the leader ballot per instance: one ballot never carries two values. Append-only while the
   * ballot stands (an entry is never changed or removed); a new leader ballot starts an empty map.
   */
  proposed: Map<string, V>;
}

/** Changed in place by `step` and `forget`; `initialState` builds a new one. */
export interface ProposerState<V> {
  readonly config: ProposerConfig;
  rng: number;
  seenRound: number;
  leader: Leader<V> | undefined;
  readonly pending: Map<string, Pending<V>>;
  readonly decided: Map<string, { value: V; ballot?: Ballot }>;
}

export type ProposerReply<V> = Promised<V> | PromiseAll<V> | Nack | Accepted<V> | Decided<V>;
export type ProposerInput<V> =
  | { type: 'request'; requestId: string; now: number; msg: Propose<V> }
  | { type: 'message'; now: number; msg: ProposerReply<V> }
  | { type: 'timer'; key: string; now: number };
export type ProposerMessage<V> = Prepare | PrepareAll | Accept<V> | Decided<V> | PaxosError;
export type ProposerOut<V> = Out<ProposerMessage<V>>;

export const PAXOS_TIMEOUT = 'PAXOS_TIMEOUT';

export function initialState<V>(config: ProposerConfig): ProposerState<V> {
  return {
    config,
    rng: config.seed >>> 0,
    seenRound: 0,
    leader: undefined,
    pending: new Map(),
    decided: new Map(),
  };
}

/**
 * Drop remembered decisions (e.g. once they are in the durable record), in place: O(instances named). Later
 * requests run Paxos again and get the same value.
 */
export function forget<V>(state: ProposerState<V>, instances: Iterable<string>): ProposerState<V> {
  for (const i of instances) state.decided.delete(i);
  return state;
}

/** Is the proposer holding a leader ballot (fast path available)? */
export function isLeading<V>(state: ProposerState<V>): boolean {
  return state.leader?.phase === 'leading';
}

/** What one step collects besides the state: its outputs, in order, and the input's clock. */
interface StepContext<V> {
  out: ProposerOut<V>[];
  now: number;
}

const instanceTimerPrefix = 'i:';

/** Key of the one timer a pending instance has. */
export function instanceTimerKey(instance: string): string {
  return instanceTimerPrefix + instance;
}

/** Key of the timer that gives up a leader ballot no majority promised in time. */
export const LEADER_TIMER_KEY = 'lead';

/** Feed one input: updates `state` in place and returns it, with what the adapter must do, in order. */
export function step<V>(
  state: ProposerState<V>,
  input: ProposerInput<V>,
): StepResult<ProposerState<V>, ProposerOut<V>> {
  const c: StepContext<V> = { out: [], now: input.now };
  switch (input.type) {
    case 'request':
      onRequest(state, c, input.requestId, input.msg);
      break;
    case 'timer':
      onTimer(state, c, input.key);
      break;
    case 'message': {
      const msg = input.msg;
      switch (msg.type) {
        case 'promise':
          onPromise(state, c, msg);
          break;
        case 'promise-all':
          onPromiseAll(state, c, msg);
          break;
        case 'nack':
          onNack(state, c, msg);
          break;
        case 'accepted':
          onAccepted(state, c, msg);
          break;
        case 'decided':
          finish(state, c, msg.instance, msg.value, msg.ballot);
          break;
        default: {
          const never: never = msg;
          throw new Error(`unknown proposer message ${JSON.stringify(never)}`);
        }
      }
      break;
    }
    default: {
      const never: never = input;
      throw new Error(`unknown proposer input ${JSON.stringify(never)}`);
    }
  }
  return { state, out: c.out };
}

function onRequest<V>(s: ProposerState<V>, c: StepContext<V>, requestId: string, msg: Propose<V>): void {
  const known = s.decided.get(msg.instance);
  if (known !== undefined) {
    // Also remind the learners: the caller asked because it did not find the decision, so a learner may
    // have missed it (lost notices are the usual reason).
    const decided = decidedMsg(s, msg.instance, known.value, known.ballot);
    c.out.push({ kind: 'reply', requestId, msg: decided }, { kind: 'send', to: 'learners', msg: decided });
    return;
  }
  const deadline = c.now + s.config.timeoutMs;
  const p = s.pending.get(msg.instance);
  if (p !== undefined) {
    // Coalesce: one round answers every caller waiting on the instance. A redelivered request keeps its
    // first deadline.
    if (!p.requests.some((r) => r.requestId === requestId)) {
      p.requests.push({ requestId, deadline });
      armInstance(c, msg.instance, p);
    }
    return;
  }
  const placeholder: Attempt<V> = {
    ballot: { round: 0, proposer: s.config.id },
    phase: 'backoff',
    fast: false,
    promises: new Map(),
    accepts: new Set(),
    retryAt: c.now,
  };
  const created: Pending<V> = {
    candidate: msg.candidate,
    requests: [{ requestId, deadline }],
    attempts: 0,
    attempt: placeholder,
    timerAt: undefined,
  };
  s.pending.set(msg.instance, created);
  if (s.config.fastPath && s.leader === undefined) startLeader(s, c);
  startAttempt(s, c, msg.instance);
  armInstance(c, msg.instance, created);
}

/** Keep the instance's one timer at its earliest deadline: set it when that moved or the timer fired. */
function armInstance<V>(c: StepContext<V>, instance: string, p: Pending<V>): void {
  let at = p.attempt.retryAt;
  for (const r of p.requests) if (r.deadline < at) at = r.deadline;
  if (p.timerAt === at) return;
  p.timerAt = at;
  c.out.push({ kind: 'setTimer', key: instanceTimerKey(instance), at });
}

/**
 * The instance no longer waits (decided, or its last caller timed out): forget it and drop its timer. Called
 * before the step's replies go out, so an adapter that asks again from inside its reply handling (a new
 * pending entry, a new timer under the same key) does not have that timer dropped by this step's clearTimer.
 */
function endInstance<V>(s: ProposerState<V>, c: StepContext<V>, instance: string): void {
  s.pending.delete(instance);
  c.out.push({ kind: 'clearTimer', key: instanceTimerKey(instance) });
}

/** Stop holding or preparing the leader ballot; a ballot still being prepared had a timer to drop. */
function dropLeader<V>(s: ProposerState<V>, c: StepContext<V>): void {
  if (s.leader?.phase === 'preparing') c.out.push({ kind: 'clearTimer', key: LEADER_TIMER_KEY });
  s.leader = undefined;
}

function startLeader<V>(s: ProposerState<V>, c: StepContext<V>): void {
  const ballot = nextBallot(s.config.id, s.seenRound);
  s.seenRound = ballot.round;
  const retryAt = c.now + s.config.retryMs;
  s.leader = {
    ballot,
    phase: 'preparing',
    retryAt,
    promised: new Set(),
    adopted: new Map(),
    refused: new Set(),
    proposed: new Map(),
  };
  c.out.push({ kind: 'send', to: 'acceptors', msg: { type: 'prepare-all', ballot, from: s.config.id } });
  c.out.push({ kind: 'setTimer', key: LEADER_TIMER_KEY, at: retryAt });
}

function startAttempt<V>(s: ProposerState<V>, c: StepContext<V>, instance: string): void {
  const p = s.pending.get(instance);
  if (p === undefined) return;
  p.attempts += 1;
  const retryAt = c.now + s.config.retryMs;
  // A long-standing leader ballot is renewed, so `proposed` stays bounded; this attempt takes the classic path.
  if (s.leader?.phase === 'leading' && s.leader.proposed.size >= (s.config.leaderRenewAfter ?? 10_000)) {
    startLeader(s, c);
  }
  const l = s.leader;
  // A new Attempt object, not an edit of the old one: the ballot an earlier attempt sent never changes.
  if (l?.phase === 'leading' && !l.refused.has(instance)) {
    // Fast path: phase 1 is already done for this instance by the leader ballot. The value is the one
    // adopted from the promise-all quorum, else what we already sent at this ballot, else the candidate.
    const value = l.adopted.get(instance)?.value ?? l.proposed.get(instance) ?? p.candidate;
    l.proposed.set(instance, value);
    p.attempt = {
      ballot: l.ballot,
      phase: 'accept',
      fast: true,
      promises: new Map(),
      accepts: new Set(),
      value,
      retryAt,
    };
    c.out.push({
      kind: 'send',
      to: 'acceptors',
      msg: { type: 'accept', instance, ballot: l.ballot, value, from: s.config.id, fast: true },
    });
  } else {
    const ballot = nextBallot(s.config.id, s.seenRound);
    s.seenRound = ballot.round;
    p.attempt = {
      ballot,
      phase: 'prepare',
      fast: false,
      promises: new Map(),
      accepts: new Set(),
      retryAt,
    };
    c.out.push({
      kind: 'send',
      to: 'acceptors',
      msg: { type: 'prepare', instance, ballot, from: s.config.id },
    });
  }
}

function noteRound<V>(s: ProposerState<V>, b: Ballot | undefined): void {
  if (b !== undefined && b.round > s.seenRound) s.seenRound = b.round;
}

// P2a (Paxos Made Simple): with promises from a majority, propose the value of the highest-numbered
// proposal they reported, or any value (our candidate) if none reported one.
function onPromise<V>(s: ProposerState<V>, c: StepContext<V>, msg: Promised<V>): void {
  noteRound(s, msg.accepted?.ballot);
  const p = s.pending.get(msg.instance);
  if (p === undefined || p.attempt.phase !== 'prepare' || !ballotEquals(p.attempt.ballot, msg.ballot)) return;
  if (!s.config.acceptors.includes(msg.from)) return;
  const a = p.attempt;
  a.promises.set(msg.from, msg.accepted);
  if (!isQuorum(s.config.acceptors, a.promises.keys())) return;
  let best: AcceptedPair<V> | undefined;
  for (const acc of a.promises.values()) {
    if (acc !== undefined && (best === undefined || compareBallots(acc.ballot, best.ballot) > 0)) best = acc;
  }
  a.phase = 'accept';
  a.value = best !== undefined ? best.value : p.candidate;
  c.out.push({
    kind: 'send',
    to: 'acceptors',
    msg: { type: 'accept', instance: msg.instance, ballot: a.ballot, value: a.value, from: s.config.id },
  });
}

function onPromiseAll<V>(s: ProposerState<V>, c: StepContext<V>, msg: PromiseAll<V>): void {
  for (const acc of msg.accepted) noteRound(s, acc.ballot);
  const l = s.leader;
  if (l === undefined || l.phase !== 'preparing' || !ballotEquals(l.ballot, msg.ballot)) return;
  if (!s.config.acceptors.includes(msg.from)) return;
  l.promised.add(msg.from);
  for (const acc of msg.accepted) {
    const had = l.adopted.get(acc.instance);
    if (had === undefined || compareBallots(acc.ballot, had.ballot) > 0) {
      l.adopted.set(acc.instance, { ballot: acc.ballot, value: acc.value });
    }
  }
  for (const i of msg.refused) l.refused.add(i);
  if (isQuorum(s.config.acceptors, l.promised)) {
    l.phase = 'leading';
    c.out.push({ kind: 'clearTimer', key: LEADER_TIMER_KEY });
  }
}

// Preempted: someone promised a higher ballot. Note its round so our next ballot beats it, then back off
// for a random time so two proposers stop preempting each other (Paxos Made Simple §2.4 on progress).
function onNack<V>(s: ProposerState<V>, c: StepContext<V>, msg: Nack): void {
  noteRound(s, msg.promised);
  if (msg.instance === undefined) {
    if (s.leader !== undefined && ballotEquals(s.leader.ballot, msg.ballot)) dropLeader(s, c);
    return;
  }
  const p = s.pending.get(msg.instance);
  if (p === undefined || p.attempt.phase === 'backoff' || !ballotEquals(p.attempt.ballot, msg.ballot)) return;
  if (p.attempt.fast && s.leader !== undefined && ballotEquals(s.leader.ballot, msg.ballot)) {
    // The leader ballot no longer stands everywhere: fall back to the classic path.
    dropLeader(s, c);
  }
  p.attempt.phase = 'backoff';
  const r = nextRandom(s.rng);
  s.rng = r.seed;
  const { backoffMinMs: min, backoffMaxMs: max } = s.config;
  const cap = Math.min(max, min * 2 ** Math.min(p.attempts, 20));
  const delay = Math.floor(min + r.value * Math.max(0, cap - min));
  p.attempt.retryAt = c.now + delay;
  armInstance(c, msg.instance, p);
}

function onAccepted<V>(s: ProposerState<V>, c: StepContext<V>, msg: Accepted<V>): void {
  const p = s.pending.get(msg.instance);
  if (p === undefined || p.attempt.phase !== 'accept' || !ballotEquals(p.attempt.ballot, msg.ballot)) return;
  if (!s.config.acceptors.includes(msg.from)) return;
  p.attempt.accepts.add(msg.from);
  if (isQuorum(s.config.acceptors, p.attempt.accepts))
    finish(s, c, msg.instance, p.attempt.value as V, msg.ballot);
}

function decidedMsg<V>(
  s: ProposerState<V>,
  instance: string,
  value: V,
  ballot: Ballot | undefined,
): Decided<V> {
  const msg: Decided<V> = { type: 'decided', instance, value, from: s.config.id };
  if (ballot !== undefined) msg.ballot = ballot;
  return msg;
}

/** A decision is final: answer every waiting caller once, remember it, and tell the learners. */
function finish<V>(
  s: ProposerState<V>,
  c: StepContext<V>,
  instance: string,
  value: V,
  ballot: Ballot | undefined,
): void {
  const p = s.pending.get(instance);
  if (s.decided.has(instance)) {
    if (p !== undefined) endInstance(s, c, instance);
    return;
  }
  const entry: { value: V; ballot?: Ballot } = { value };
  if (ballot !== undefined) entry.ballot = ballot;
  s.decided.set(instance, entry);
  const msg = decidedMsg(s, instance, value, ballot);
  if (p === undefined) {
    c.out.push({ kind: 'send', to: 'learners', msg });
    return;
  }
  endInstance(s, c, instance);
  for (const r of p.requests) c.out.push({ kind: 'reply', requestId: r.requestId, msg });
  c.out.push({ kind: 'send', to: 'learners', msg });
}

function onTimer<V>(s: ProposerState<V>, c: StepContext<V>, key: string): void {
  if (key === LEADER_TIMER_KEY) {
    const l = s.leader;
    if (l === undefined || l.phase !== 'preparing') return;
    // No majority promised in time (messages may be lost): give the ballot up; the next attempt starts another.
    if (l.retryAt <= c.now) dropLeader(s, c);
    else c.out.push({ kind: 'setTimer', key: LEADER_TIMER_KEY, at: l.retryAt });
    return;
  }
  if (!key.startsWith(instanceTimerPrefix)) return;
  const instance = key.slice(instanceTimerPrefix.length);
  const p = s.pending.get(instance);
  if (p === undefined) return;
  p.timerAt = undefined;
  // Every caller whose deadline passed gets PAXOS_TIMEOUT, in arrival order; the others keep waiting.
  const timedOut: string[] = [];
  let kept = 0;
  for (const r of p.requests) {
    if (r.deadline > c.now) p.requests[kept++] = r;
    else timedOut.push(r.requestId);
  }
  p.requests.length = kept;
  if (kept === 0) endInstance(s, c, instance);
  if (timedOut.length > 0) {
    // Never definite: the value may still be chosen by a round already in flight.
    const err: PaxosError = {
      type: 'error',
      code: PAXOS_TIMEOUT,
      text: `no decision for ${instance} within ${s.config.timeoutMs} ms`,
      definite: false,
      retryable: true,
    };
    for (const requestId of timedOut) c.out.push({ kind: 'reply', requestId, msg: err });
  }
  if (kept === 0) return;
  if (p.attempt.retryAt <= c.now) {
    if (s.config.fastPath && s.leader === undefined) startLeader(s, c);
    startAttempt(s, c, instance);
  }
  armInstance(c, instance, p);
}
