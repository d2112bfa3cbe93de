// Pure Paxos acceptor core: promises and accepted proposals per instance; no I/O, no clock, no subjects.
//
// `step` and `compact` update the state in place (O(1) per message, as etcd-io/raft does) and return the
// same object. Outputs never share anything the state later changes: ballots and values are never mutated
// (only replaced), and a reply that reports an accepted pair carries its own copy.
//
// ADAPTER CONTRACT (safety depends on it):
//  1. Perform `out` in order. A `persist` must be written AND synced before any later `send` is performed.
//  2. Before feeding a message, call `needsRecordLookup(state, msg)`. When it returns true, read the durable
//     decision record for `msg.instance` (a linearizable read, e.g. a KV get served by the stream leader)
//     and, if a decision exists, first feed `{ type: 'recorded', instance, value }`. Why: after `compact`
//     the acceptor cannot tell a new instance from a forgotten one, and a leader's prepare-all cannot see
//     instances an acceptor compacted, so the durable record has to speak for them.
//  3. Call `compact(state, instances)` only for instances whose decision is already durably recorded, then
//     rewrite the log from `snapshot(state)` (write a new file, sync, rename) before dropping the old log.
//  4. After a crash, rebuild with `restore(records)` from the synced log, in the order written.
import { atLeast, ballotEquals, compareBallots, maxBallot } from './ballot.ts';
import type {
  Accept,
  Accepted,
  AcceptedPair,
  Ballot,
  Decided,
  Nack,
  Out,
  Prepare,
  PrepareAll,
  PromiseAll,
  Promised,
  StepResult,
} from './types.ts';

/** What the acceptor writes to its log. Plain JSON, replayed in order by `restore`. */
export type AcceptorRecord<V> =
  | { t: 'promise'; instance: string; ballot: Ballot }
  | { t: 'accept'; instance: string; ballot: Ballot; value: V }
  | { t: 'promise-all'; ballot: Ballot };

export interface AcceptorConfig {
  id: string;
}

interface InstanceState<V> {
  promised?: Ballot;
  /** Replaced by a new pair on every accept, never changed in place. */
  accepted?: AcceptedPair<V>;
  /** Set from the durable record (`recorded` input); once set the acceptor only answers `decided`. */
  decided?: V;
}

/** Changed in place by `step` and `compact`; `restore` builds a new one. */
export interface AcceptorState<V> {
  readonly id: string;
  /** Promise made by a prepare-all: a floor under every instance's promise. */
  leaderPromise?: Ballot;
  readonly instances: Map<string, InstanceState<V>>;
}

export type AcceptorMessage<V> = Prepare | Accept<V> | PrepareAll;
export type AcceptorInput<V> =
  { type: 'message'; msg: AcceptorMessage<V> } | { type: 'recorded'; instance: string; value: V };
export type AcceptorReply<V> = Promised<V> | Nack | Accepted<V> | Decided<V> | PromiseAll<V>;
export type AcceptorOut<V> = Out<AcceptorReply<V>, AcceptorRecord<V>>;

export function initialState<V>(config: AcceptorConfig): AcceptorState<V> {
  return { id: config.id, instances: new Map() };
}

/** Does the adapter have to consult the durable decision record before feeding `msg`? (contract item 2) */
export function needsRecordLookup<V>(state: AcceptorState<V>, msg: AcceptorMessage<V>): boolean {
  if (msg.type === 'prepare-all') return false;
  const inst = state.instances.get(msg.instance);
  if (inst?.decided !== undefined) return false;
  if (inst === undefined) return true;
  // A fast accept rests on a prepare-all, which cannot report instances some acceptor compacted; so even
  // an acceptor that holds state must check the record, or it could accept a value that conflicts with it.
  return msg.type === 'accept' && msg.fast === true;
}

/**
 * May the adapter skip the record read that `needsRecordLookup` asked for? `compactedHere` is whether this
 * acceptor compacted the instance (or cannot rule it out). Skipping is safe when both hold:
 * - the instance was never compacted here, so this acceptor's silence about it is not a forgotten vote;
 * - for an accept, the acceptor holds no accepted value that differs from the one offered. Every acceptor
 *   that voted for a chosen value either still holds it (and then reads the record before it would take
 *   another value) or compacted it (and reads the record). Any majority taking a second value would need one
 *   of them, so none can form, even when another acceptor's compaction hid the value from a leader's
 *   prepare-all.
 */
export function recordLookupSkippable<V>(
  state: AcceptorState<V>,
  msg: Prepare | Accept<V>,
  compactedHere: boolean,
): boolean {
  if (compactedHere) return false;
  if (msg.type === 'prepare') return true;
  const held = state.instances.get(msg.instance)?.accepted;
  return held === undefined || JSON.stringify(held.value) === JSON.stringify(msg.value);
}

/** The promise in force for an instance: its own, or the leader floor, whichever is higher. */
function effectivePromise<V>(
  state: AcceptorState<V>,
  inst: InstanceState<V> | undefined,
): Ballot | undefined {
  return maxBallot(inst?.promised, state.leaderPromise);
}

/** Feed one input: updates `state` in place and returns it, with what the adapter must do, in order. */
export function step<V>(
  state: AcceptorState<V>,
  input: AcceptorInput<V>,
): StepResult<AcceptorState<V>, AcceptorOut<V>> {
  if (input.type === 'recorded') {
    const inst = state.instances.get(input.instance);
    if (inst?.decided !== undefined) return { state, out: [] };
    // Nothing to persist: the record is durable elsewhere and the adapter consults it again after a restart.
    state.instances.set(input.instance, { decided: input.value });
    return { state, out: [] };
  }
  const msg = input.msg;
  switch (msg.type) {
    case 'prepare':
      return onPrepare(state, msg);
    case 'accept':
      return onAccept(state, msg);
    case 'prepare-all':
      return onPrepareAll(state, msg);
    default: {
      const never: never = msg;
      throw new Error(`unknown acceptor message ${JSON.stringify(never)}`);
    }
  }
}

function decidedReply<V>(state: AcceptorState<V>, instance: string, value: V, to: string): AcceptorOut<V>[] {
  return [{ kind: 'send', to, msg: { type: 'decided', instance, value, from: state.id } }];
}

/**
 * What a prepare or an accept for one instance gets before its own rule applies: a decided instance answers with
 * its decision (the sender catches up); a ballot below the instance's promise, or the leader floor, is refused
 * (P1b/P2b: never act on a ballot below a promise). Undefined when the rule itself decides.
 */
function answerBeforeRule<V>(
  state: AcceptorState<V>,
  inst: InstanceState<V> | undefined,
  msg: { instance: string; ballot: Ballot; from: string },
): AcceptorOut<V>[] | undefined {
  if (inst?.decided !== undefined) return decidedReply(state, msg.instance, inst.decided, msg.from);
  const promised = effectivePromise(state, inst);
  if (!atLeast(msg.ballot, promised)) return [nack(state, msg.ballot, promised!, msg.from, msg.instance)];
  return undefined;
}

// P1b (Paxos Made Simple): promise never to accept a ballot below `ballot`, and report the highest accepted
// proposal. Equal ballots are promised again so a duplicated prepare gets the same answer.
function onPrepare<V>(state: AcceptorState<V>, msg: Prepare): StepResult<AcceptorState<V>, AcceptorOut<V>> {
  const inst = state.instances.get(msg.instance);
  const answer = answerBeforeRule(state, inst, msg);
  if (answer) return { state, out: answer };
  const reply: Promised<V> = { type: 'promise', instance: msg.instance, ballot: msg.ballot, from: state.id };
  // A copy, so the reply shares nothing with the state: the adapter sends it after the sync, when later steps ran.
  if (inst?.accepted !== undefined)
    reply.accepted = { ballot: inst.accepted.ballot, value: inst.accepted.value };
  if (inst?.promised !== undefined && compareBallots(msg.ballot, inst.promised) <= 0) {
    return { state, out: [{ kind: 'send', to: msg.from, msg: reply }] };
  }
  if (inst === undefined) state.instances.set(msg.instance, { promised: msg.ballot });
  else inst.promised = msg.ballot;
  return {
    state,
    out: [
      { kind: 'persist', records: [{ t: 'promise', instance: msg.instance, ballot: msg.ballot }] },
      { kind: 'send', to: msg.from, msg: reply },
    ],
  };
}

// P2b: accept unless a higher ballot was promised. Accepting also promises the ballot (it is >= promise).
function onAccept<V>(state: AcceptorState<V>, msg: Accept<V>): StepResult<AcceptorState<V>, AcceptorOut<V>> {
  const inst = state.instances.get(msg.instance);
  const answer = answerBeforeRule(state, inst, msg);
  if (answer) return { state, out: answer };
  const reply: Accepted<V> = {
    type: 'accepted',
    instance: msg.instance,
    ballot: msg.ballot,
    value: inst?.accepted && ballotEquals(inst.accepted.ballot, msg.ballot) ? inst.accepted.value : msg.value,
    from: state.id,
  };
  const sends: AcceptorOut<V>[] = [
    { kind: 'send', to: msg.from, msg: reply },
    { kind: 'send', to: 'learners', msg: reply },
  ];
  // A duplicate accept for the ballot already accepted: same answer, nothing new to write. One ballot
  // carries one value (one proposer per ballot), so the stored value is the answer.
  if (inst?.accepted !== undefined && ballotEquals(inst.accepted.ballot, msg.ballot))
    return { state, out: sends };
  state.instances.set(msg.instance, {
    promised: msg.ballot,
    accepted: { ballot: msg.ballot, value: msg.value },
  });
  return {
    state,
    out: [
      {
        kind: 'persist',
        records: [{ t: 'accept', instance: msg.instance, ballot: msg.ballot, value: msg.value }],
      },
      ...sends,
    ],
  };
}

// Multi-Paxos phase 1b for every instance: raise the leader floor, report accepted values of the instances
// still held, and refuse (by name) the instances already promised higher, so the leader must use the
// classic path for those.
function onPrepareAll<V>(
  state: AcceptorState<V>,
  msg: PrepareAll,
): StepResult<AcceptorState<V>, AcceptorOut<V>> {
  if (!atLeast(msg.ballot, state.leaderPromise)) {
    return { state, out: [nack(state, msg.ballot, state.leaderPromise!, msg.from)] };
  }
  const accepted: PromiseAll<V>['accepted'] = [];
  const refused: string[] = [];
  for (const [instance, inst] of state.instances) {
    if (inst.decided !== undefined) continue;
    if (inst.promised !== undefined && compareBallots(inst.promised, msg.ballot) > 0) {
      refused.push(instance);
      continue;
    }
    if (inst.accepted !== undefined) accepted.push({ instance, ...inst.accepted });
  }
  const reply: PromiseAll<V> = { type: 'promise-all', ballot: msg.ballot, from: state.id, accepted, refused };
  const send: AcceptorOut<V> = { kind: 'send', to: msg.from, msg: reply };
  if (ballotEquals(state.leaderPromise, msg.ballot)) return { state, out: [send] };
  state.leaderPromise = msg.ballot;
  return {
    state,
    out: [{ kind: 'persist', records: [{ t: 'promise-all', ballot: msg.ballot }] }, send],
  };
}

function nack<V>(
  state: AcceptorState<V>,
  ballot: Ballot,
  promised: Ballot,
  to: string,
  instance?: string,
): AcceptorOut<V> {
  const msg: Nack = { type: 'nack', ballot, promised, from: state.id };
  if (instance !== undefined) msg.instance = instance;
  return { kind: 'send', to, msg };
}

/** Rebuild the acceptor from its log after a crash. Replaying keeps the highest promise, as the live core did. */
export function restore<V>(config: AcceptorConfig, records: Iterable<AcceptorRecord<V>>): AcceptorState<V> {
  const instances = new Map<string, InstanceState<V>>();
  let leaderPromise: Ballot | undefined;
  for (const r of records) {
    if (r.t === 'promise-all') {
      leaderPromise = maxBallot(leaderPromise, r.ballot);
      continue;
    }
    const inst = instances.get(r.instance) ?? {};
    if (r.t === 'promise') {
      instances.set(r.instance, { ...inst, promised: maxBallot(inst.promised, r.ballot) });
    } else if (inst.accepted === undefined || compareBallots(r.ballot, inst.accepted.ballot) >= 0) {
      instances.set(r.instance, {
        promised: maxBallot(inst.promised, r.ballot),
        accepted: { ballot: r.ballot, value: r.value },
      });
    }
  }
  const state: AcceptorState<V> = { id: config.id, instances };
  return leaderPromise === undefined ? state : { ...state, leaderPromise };
}

/**
 * Drop instances whose decision is durably recorded elsewhere (contract item 3), in place: O(instances named).
 * Afterwards the acceptor holds nothing for them, and the durable-record lookup (item 2) answers for them.
 */
export function compact<V>(state: AcceptorState<V>, instances: Iterable<string>): AcceptorState<V> {
  for (const i of instances) state.instances.delete(i);
  return state;
}

/** The fewest records that `restore` turns back into the live state (decided markers excluded: the record holds them). */
export function snapshot<V>(state: AcceptorState<V>): AcceptorRecord<V>[] {
  const out: AcceptorRecord<V>[] = [];
  if (state.leaderPromise !== undefined) out.push({ t: 'promise-all', ballot: state.leaderPromise });
  for (const [instance, inst] of state.instances) {
    if (inst.decided !== undefined) continue;
    if (inst.accepted !== undefined) out.push({ t: 'accept', instance, ...inst.accepted });
    if (inst.promised !== undefined && !ballotEquals(inst.promised, inst.accepted?.ballot)) {
      out.push({ t: 'promise', instance, ballot: inst.promised });
    }
  }
  return out;
}

/** True when the acceptor holds any state for `instance` (for adapters and tests). */
export function hasInstance<V>(state: AcceptorState<V>, instance: string): boolean {
  return state.instances.has(instance);
}
