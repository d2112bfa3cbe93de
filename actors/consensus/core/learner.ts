// Pure Paxos learner core: counts accepted votes per ballot and learns a value once; no I/O, no clock.
//
// Adapter contract: feed every validated `accepted` and `decided` message and every lookup request; on a
// `decided` output, write the durable decision record (idempotently: the first value written wins and is,
// by Paxos safety, the only value). After a restart, `restore` from that record before feeding messages.
//
// `step` and `forget` update the state in place (O(1) per message, as etcd-io/raft does) and return the same
// object. Outputs carry values and ballots, which are never mutated, in objects built for the step.
import { ballotKey } from './ballot.ts';
import { isQuorum } from './quorum.ts';
import type { Accepted, Ballot, Decided, Lookup, LookupReply, Out, StepResult } from './types.ts';

export interface LearnerConfig {
  id: string;
  acceptors: readonly string[];
}

interface Votes<V> {
  ballot: Ballot;
  value: V;
  from: Set<string>;
}

/** Changed in place by `step` and `forget`; `initialState` and `restore` build a new one. */
export interface LearnerState<V> {
  readonly config: LearnerConfig;
  /** Votes per instance, per ballot key; dropped once the instance is learned. */
  readonly votes: Map<string, Map<string, Votes<V>>>;
  /** Learned once, never changed: an entry is only ever added or (by `forget`) removed. */
  readonly learned: Map<string, { value: V; ballot?: Ballot }>;
}

export type LearnerInput<V> =
  { type: 'message'; msg: Accepted<V> | Decided<V> } | { type: 'lookup'; requestId: string; msg: Lookup };
export type LearnerOut<V> = Out<LookupReply<V>>;

export interface Decision<V> {
  instance: string;
  value: V;
  ballot?: Ballot;
}

export function initialState<V>(config: LearnerConfig): LearnerState<V> {
  return { config, votes: new Map(), learned: new Map() };
}

/** Catch up from the durable decision record (e.g. after a restart). Emits nothing: these are already recorded. */
export function restore<V>(config: LearnerConfig, decisions: Iterable<Decision<V>>): LearnerState<V> {
  const learned = new Map<string, { value: V; ballot?: Ballot }>();
  for (const d of decisions)
    learned.set(
      d.instance,
      d.ballot === undefined ? { value: d.value } : { value: d.value, ballot: d.ballot },
    );
  return { config, votes: new Map(), learned };
}

/**
 * Drop learned instances from memory once the durable record holds them and no lookup needs them here, in
 * place: O(instances named).
 */
export function forget<V>(state: LearnerState<V>, instances: Iterable<string>): LearnerState<V> {
  for (const i of instances) state.learned.delete(i);
  return state;
}

function learn<V>(
  state: LearnerState<V>,
  instance: string,
  value: V,
  ballot: Ballot | undefined,
): StepResult<LearnerState<V>, LearnerOut<V>> {
  state.learned.set(instance, ballot === undefined ? { value } : { value, ballot });
  state.votes.delete(instance);
  const out: LearnerOut<V> = { kind: 'decided', instance, value };
  if (ballot !== undefined) out.ballot = ballot;
  return { state, out: [out] };
}

/** Feed one input: updates `state` in place and returns it, with what the adapter must do. */
export function step<V>(
  state: LearnerState<V>,
  input: LearnerInput<V>,
): StepResult<LearnerState<V>, LearnerOut<V>> {
  if (input.type === 'lookup') {
    const known = state.learned.get(input.msg.instance);
    const msg: LookupReply<V> = {
      type: 'lookup-reply',
      instance: input.msg.instance,
      found: known !== undefined,
    };
    if (known !== undefined) {
      msg.value = known.value;
      if (known.ballot !== undefined) msg.ballot = known.ballot;
    }
    return { state, out: [{ kind: 'reply', requestId: input.requestId, msg }] };
  }
  const msg = input.msg;
  // Learn once: a value is chosen forever, so later votes and notices add nothing (and duplicates are no-ops).
  if (state.learned.has(msg.instance)) return { state, out: [] };
  if (msg.type === 'decided') return learn(state, msg.instance, msg.value, msg.ballot);
  if (!state.config.acceptors.includes(msg.from)) return { state, out: [] };
  // Chosen = accepted by a majority in the same ballot (Paxos Made Simple §2.3). One ballot carries one
  // value, so counting per ballot counts per value.
  const key = ballotKey(msg.ballot);
  let perInstance = state.votes.get(msg.instance);
  if (perInstance === undefined) {
    perInstance = new Map();
    state.votes.set(msg.instance, perInstance);
  }
  let entry = perInstance.get(key);
  if (entry === undefined) {
    entry = { ballot: msg.ballot, value: msg.value, from: new Set() };
    perInstance.set(key, entry);
  } else if (entry.from.has(msg.from)) return { state, out: [] };
  entry.from.add(msg.from);
  if (isQuorum(state.config.acceptors, entry.from))
    return learn(state, msg.instance, entry.value, entry.ballot);
  return { state, out: [] };
}
