// Pure Paxos proposer core: runs rounds for many instances, coalesces requests, multi-Paxos fast path; no I/O, no clock.
//
// Adapter contract: feed every validated reply (promise, promise-all, nack, accepted, decided) and every due
// timer; perform `out` in order. A `setTimer` with a key already pending replaces it; stale timers are
// harmless (the core ignores timers whose attempt has moved on). `now` is the adapter's clock in ms.
import { ballotEquals, compareBallots, nextBallot } from './ballot.ts';
import { isQuorum } from './quorum.ts';
import { nextRandom } from './random.ts';
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
  seq: number;
  ballot: Ballot;
  phase: 'prepare' | 'accept' | 'backoff';
  fast: boolean;
  promises: Map<string, AcceptedPair<V> | undefined>;
  accepts: Set<string>;
  value?: V;
}

interface Pending<V> {
  candidate: V;
  requests: Array<{ requestId: string; deadline: number }>;
  attempts: number;
  attempt: Attempt<V>;
}

interface Leader<V> {
  seq: number;
  ballot: Ballot;
  phase: 'preparing' | 'leading';
  promised: Set<string>;
  /** Highest accepted proposal per instance reported in the promise-all quorum: must be re-proposed. */
  adopted: Map<string, AcceptedPair<V>>;
  /** Instances some acceptor had promised above the leader ballot: classic path only. */
  refused: Set<string>;
  /**
   * Value sent at the leader ballot per instance: one ballot never carries two values. Append-only while the
   * ballot stands (an entry is never changed or removed), so successive states share one Map instead of
   * copying it per step: an older state can only miss entries, never see a different value.
   */
  proposed: Map<string, V>;
}

export interface ProposerState<V> {
  readonly config: ProposerConfig;
  readonly rng: number;
  readonly seenRound: number;
  readonly seq: number;
  readonly leader: Leader<V> | undefined;
  readonly pending: ReadonlyMap<string, Pending<V>>;
  readonly decided: ReadonlyMap<string, { value: V; ballot?: Ballot }>;
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
    seq: 0,
    leader: undefined,
    pending: new Map(),
    decided: new Map(),
  };
}

/** Drop remembered decisions (e.g. once they are in the durable record); later requests run Paxos again and get the same value. */
export function forget<V>(state: ProposerState<V>, instances: Iterable<string>): ProposerState<V> {
  const decided = new Map(state.decided);
  for (const i of instances) decided.delete(i);
  return { ...state, decided };
}

/** Is the proposer holding a leader ballot (fast path available)? */
export function isLeading<V>(state: ProposerState<V>): boolean {
  return state.leader?.phase === 'leading';
}

// A mutable copy for one step. Pending entries and the leader are copied before they are changed, so
// the caller's state is never mutated (a duplicated input replayed on the old state gives the same result).
interface Draft<V> {
  config: ProposerConfig;
  rng: number;
  seenRound: number;
  seq: number;
  leader: Leader<V> | undefined;
  pending: Map<string, Pending<V>>;
  decided: ReadonlyMap<string, { value: V; ballot?: Ballot }>;
  out: ProposerOut<V>[];
  now: number;
}

function cloneAttempt<V>(a: Attempt<V>): Attempt<V> {
  return { ...a, promises: new Map(a.promises), accepts: new Set(a.accepts) };
}

function editPending<V>(d: Draft<V>, instance: string): Pending<V> | undefined {
  const p = d.pending.get(instance);
  if (p === undefined) return undefined;
  const copy = { ...p, requests: [...p.requests], attempt: cloneAttempt(p.attempt) };
  d.pending.set(instance, copy);
  return copy;
}

function editLeader<V>(d: Draft<V>): Leader<V> | undefined {
  if (d.leader === undefined) return undefined;
  const l = d.leader;
  d.leader = {
    ...l,
    promised: new Set(l.promised),
    adopted: new Map(l.adopted),
    refused: new Set(l.refused),
  };
  return d.leader;
}

function timerKey(...parts: Array<string | number>): string {
  return JSON.stringify(parts);
}

export function step<V>(
  state: ProposerState<V>,
  input: ProposerInput<V>,
): StepResult<ProposerState<V>, ProposerOut<V>> {
  const d: Draft<V> = { ...state, pending: new Map(state.pending), out: [], now: input.now };
  switch (input.type) {
    case 'request':
      onRequest(d, input.requestId, input.msg);
      break;
    case 'timer':
      onTimer(d, input.key);
      break;
    case 'message': {
      const msg = input.msg;
      switch (msg.type) {
        case 'promise':
          onPromise(d, msg);
          break;
        case 'promise-all':
          onPromiseAll(d, msg);
          break;
        case 'nack':
          onNack(d, msg);
          break;
        case 'accepted':
          onAccepted(d, msg);
          break;
        case 'decided':
          finish(d, msg.instance, msg.value, msg.ballot);
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
  const { out, now: _now, ...rest } = d;
  return { state: rest, out };
}

function onRequest<V>(d: Draft<V>, requestId: string, msg: Propose<V>): void {
  const known = d.decided.get(msg.instance);
  if (known !== undefined) {
    // Also remind the learners: the caller asked because it did not find the decision, so a learner may
    // have missed it (lost notices are the usual reason).
    const decided = decidedMsg(d, msg.instance, known.value, known.ballot);
    d.out.push({ kind: 'reply', requestId, msg: decided }, { kind: 'send', to: 'learners', msg: decided });
    return;
  }
  const deadline = d.now + d.config.timeoutMs;
  const timer: ProposerOut<V> = {
    kind: 'setTimer',
    key: timerKey('timeout', msg.instance, requestId),
    at: deadline,
  };
  const p = editPending(d, msg.instance);
  if (p !== undefined) {
    // Coalesce: one round answers every caller waiting on the instance. A redelivered request keeps its
    // first deadline.
    if (!p.requests.some((r) => r.requestId === requestId)) {
      p.requests.push({ requestId, deadline });
      d.out.push(timer);
    }
    return;
  }
  d.out.push(timer);
  const placeholder: Attempt<V> = {
    seq: 0,
    ballot: { round: 0, proposer: d.config.id },
    phase: 'backoff',
    fast: false,
    promises: new Map(),
    accepts: new Set(),
  };
  d.pending.set(msg.instance, {
    candidate: msg.candidate,
    requests: [{ requestId, deadline }],
    attempts: 0,
    attempt: placeholder,
  });
  if (d.config.fastPath && d.leader === undefined) startLeader(d);
  startAttempt(d, msg.instance);
}

function startLeader<V>(d: Draft<V>): void {
  const ballot = nextBallot(d.config.id, d.seenRound);
  d.seenRound = ballot.round;
  d.seq += 1;
  d.leader = {
    seq: d.seq,
    ballot,
    phase: 'preparing',
    promised: new Set(),
    adopted: new Map(),
    refused: new Set(),
    proposed: new Map(),
  };
  d.out.push({ kind: 'send', to: 'acceptors', msg: { type: 'prepare-all', ballot, from: d.config.id } });
  d.out.push({ kind: 'setTimer', key: timerKey('lead', d.seq), at: d.now + d.config.retryMs });
}

function startAttempt<V>(d: Draft<V>, instance: string): void {
  const p = editPending(d, instance);
  if (p === undefined) return;
  d.seq += 1;
  p.attempts += 1;
  // A long-standing leader ballot is renewed, so `proposed` stays bounded; this attempt takes the classic path.
  if (d.leader?.phase === 'leading' && d.leader.proposed.size >= (d.config.leaderRenewAfter ?? 10_000)) {
    startLeader(d);
  }
  const leader = d.leader;
  if (leader?.phase === 'leading' && !leader.refused.has(instance)) {
    // Fast path: phase 1 is already done for this instance by the leader ballot. The value is the one
    // adopted from the promise-all quorum, else what we already sent at this ballot, else the candidate.
    const l = leader;
    const value = l.adopted.get(instance)?.value ?? l.proposed.get(instance) ?? p.candidate;
    l.proposed.set(instance, value);
    p.attempt = {
      seq: d.seq,
      ballot: l.ballot,
      phase: 'accept',
      fast: true,
      promises: new Map(),
      accepts: new Set(),
      value,
    };
    d.out.push({
      kind: 'send',
      to: 'acceptors',
      msg: { type: 'accept', instance, ballot: l.ballot, value, from: d.config.id, fast: true },
    });
  } else {
    const ballot = nextBallot(d.config.id, d.seenRound);
    d.seenRound = ballot.round;
    p.attempt = {
      seq: d.seq,
      ballot,
      phase: 'prepare',
      fast: false,
      promises: new Map(),
      accepts: new Set(),
    };
    d.out.push({
      kind: 'send',
      to: 'acceptors',
      msg: { type: 'prepare', instance, ballot, from: d.config.id },
    });
  }
  d.out.push({ kind: 'setTimer', key: timerKey('retry', instance, d.seq), at: d.now + d.config.retryMs });
}

function noteRound<V>(d: Draft<V>, b: Ballot | undefined): void {
  if (b !== undefined && b.round > d.seenRound) d.seenRound = b.round;
}

// P2a (Paxos Made Simple): with promises from a majority, propose the value of the highest-numbered
// proposal they reported, or any value (our candidate) if none reported one.
function onPromise<V>(d: Draft<V>, msg: Promised<V>): void {
  noteRound(d, msg.accepted?.ballot);
  const cur = d.pending.get(msg.instance);
  if (cur === undefined || cur.attempt.phase !== 'prepare' || !ballotEquals(cur.attempt.ballot, msg.ballot))
    return;
  if (!d.config.acceptors.includes(msg.from)) return;
  const p = editPending(d, msg.instance)!;
  const a = p.attempt;
  a.promises.set(msg.from, msg.accepted);
  if (!isQuorum(d.config.acceptors, a.promises.keys())) return;
  let best: AcceptedPair<V> | undefined;
  for (const acc of a.promises.values()) {
    if (acc !== undefined && (best === undefined || compareBallots(acc.ballot, best.ballot) > 0)) best = acc;
  }
  a.phase = 'accept';
  a.value = best !== undefined ? best.value : p.candidate;
  d.out.push({
    kind: 'send',
    to: 'acceptors',
    msg: { type: 'accept', instance: msg.instance, ballot: a.ballot, value: a.value, from: d.config.id },
  });
}

function onPromiseAll<V>(d: Draft<V>, msg: PromiseAll<V>): void {
  for (const acc of msg.accepted) noteRound(d, acc.ballot);
  const cur = d.leader;
  if (cur === undefined || cur.phase !== 'preparing' || !ballotEquals(cur.ballot, msg.ballot)) return;
  if (!d.config.acceptors.includes(msg.from)) return;
  const l = editLeader(d)!;
  l.promised.add(msg.from);
  for (const acc of msg.accepted) {
    const had = l.adopted.get(acc.instance);
    if (had === undefined || compareBallots(acc.ballot, had.ballot) > 0) {
      l.adopted.set(acc.instance, { ballot: acc.ballot, value: acc.value });
    }
  }
  for (const i of msg.refused) l.refused.add(i);
  if (isQuorum(d.config.acceptors, l.promised)) l.phase = 'leading';
}

// Preempted: someone promised a higher ballot. Note its round so our next ballot beats it, then back off
// for a random time so two proposers stop preempting each other (Paxos Made Simple §2.4 on progress).
function onNack<V>(d: Draft<V>, msg: Nack): void {
  noteRound(d, msg.promised);
  if (msg.instance === undefined) {
    if (d.leader !== undefined && ballotEquals(d.leader.ballot, msg.ballot)) d.leader = undefined;
    return;
  }
  const cur = d.pending.get(msg.instance);
  if (cur === undefined || cur.attempt.phase === 'backoff' || !ballotEquals(cur.attempt.ballot, msg.ballot))
    return;
  if (cur.attempt.fast && d.leader !== undefined && ballotEquals(d.leader.ballot, msg.ballot)) {
    // The leader ballot no longer stands everywhere: fall back to the classic path.
    d.leader = undefined;
  }
  const p = editPending(d, msg.instance)!;
  p.attempt.phase = 'backoff';
  const r = nextRandom(d.rng);
  d.rng = r.seed;
  const { backoffMinMs: min, backoffMaxMs: max } = d.config;
  const cap = Math.min(max, min * 2 ** Math.min(p.attempts, 20));
  const delay = Math.floor(min + r.value * Math.max(0, cap - min));
  d.out.push({ kind: 'setTimer', key: timerKey('retry', msg.instance, p.attempt.seq), at: d.now + delay });
}

function onAccepted<V>(d: Draft<V>, msg: Accepted<V>): void {
  const cur = d.pending.get(msg.instance);
  if (cur === undefined || cur.attempt.phase !== 'accept' || !ballotEquals(cur.attempt.ballot, msg.ballot))
    return;
  if (!d.config.acceptors.includes(msg.from)) return;
  const p = editPending(d, msg.instance)!;
  p.attempt.accepts.add(msg.from);
  if (isQuorum(d.config.acceptors, p.attempt.accepts))
    finish(d, msg.instance, p.attempt.value as V, msg.ballot);
}

function decidedMsg<V>(d: Draft<V>, instance: string, value: V, ballot: Ballot | undefined): Decided<V> {
  const msg: Decided<V> = { type: 'decided', instance, value, from: d.config.id };
  if (ballot !== undefined) msg.ballot = ballot;
  return msg;
}

/** A decision is final: answer every waiting caller once, remember it, and tell the learners. */
function finish<V>(d: Draft<V>, instance: string, value: V, ballot: Ballot | undefined): void {
  if (d.decided.has(instance)) {
    d.pending.delete(instance);
    return;
  }
  const entry: { value: V; ballot?: Ballot } = { value };
  if (ballot !== undefined) entry.ballot = ballot;
  const decided = new Map(d.decided);
  decided.set(instance, entry);
  d.decided = decided;
  const msg = decidedMsg(d, instance, value, ballot);
  for (const r of d.pending.get(instance)?.requests ?? [])
    d.out.push({ kind: 'reply', requestId: r.requestId, msg });
  d.pending.delete(instance);
  d.out.push({ kind: 'send', to: 'learners', msg });
}

function onTimer<V>(d: Draft<V>, key: string): void {
  let parts: unknown;
  try {
    parts = JSON.parse(key);
  } catch {
    return;
  }
  if (!Array.isArray(parts)) return;
  const [kind, a, b] = parts as [unknown, unknown, unknown];
  if (kind === 'retry' && typeof a === 'string') {
    const p = d.pending.get(a);
    if (p !== undefined && p.attempt.seq === b) {
      if (d.config.fastPath && d.leader === undefined) startLeader(d);
      startAttempt(d, a);
    }
  } else if (kind === 'timeout' && typeof a === 'string' && typeof b === 'string') {
    const cur = d.pending.get(a);
    const req = cur?.requests.find((r) => r.requestId === b);
    if (cur === undefined || req === undefined || req.deadline > d.now) return;
    const p = editPending(d, a)!;
    p.requests = p.requests.filter((r) => r.requestId !== b);
    // Never definite: the value may still be chosen by a round already in flight.
    const err: PaxosError = {
      type: 'error',
      code: PAXOS_TIMEOUT,
      text: `no decision for ${a} within ${d.config.timeoutMs} ms`,
      definite: false,
      retryable: true,
    };
    d.out.push({ kind: 'reply', requestId: b, msg: err });
    if (p.requests.length === 0) d.pending.delete(a);
  } else if (kind === 'lead' && typeof a === 'number') {
    if (d.leader !== undefined && d.leader.seq === a && d.leader.phase === 'preparing') d.leader = undefined;
  }
}
