// Pure Paxos learner core: counts accepted votes per ballot and learns a value once; no I/O, no clock.
//
// Adapter contract: feed every validated `accepted` and `decided` message and every lookup request; on a
// `decided` output, write the durable decision record (idempotently: the first value written wins and is,
// by Paxos safety, the only value). After a restart, `restore` from that record before feeding messages.
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

export interface LearnerState<V> {
  readonly config: LearnerConfig;
  /** Votes per instance, per ballot key; dropped once the instance is learned. */
  readonly votes: ReadonlyMap<string, ReadonlyMap<string, Votes<V>>>;
  readonly learned: ReadonlyMap<string, { value: V; ballot?: Ballot }>;
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

/** Drop learned instances from memory once the durable record holds them and no lookup needs them here. */
export function forget<V>(state: LearnerState<V>, instances: Iterable<string>): LearnerState<V> {
  const learned = new Map(state.learned);
  for (const i of instances) learned.delete(i);
  return { ...state, learned };
}

function learn<V>(
  state: LearnerState<V>,
  instance: string,
  value: V,
  ballot: Ballot | undefined,
): StepResult<LearnerState<V>, LearnerOut<V>> {
  const learned = new Map(state.learned);
  learned.set(instance, ballot === undefined ? { value } : { value, ballot });
  const votes = new Map(state.votes);
  votes.delete(instance);
  const out: LearnerOut<V> = { kind: 'decided', instance, value };
  if (ballot !== undefined) out.ballot = ballot;
  return { state: { ...state, learned, votes }, out: [out] };
}

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
  const perInstance = new Map(state.votes.get(msg.instance) ?? []);
  const had = perInstance.get(key);
  if (had?.from.has(msg.from)) return { state, out: [] };
  const entry: Votes<V> = {
    ballot: msg.ballot,
    value: had?.value ?? msg.value,
    from: new Set(had?.from ?? []),
  };
  entry.from.add(msg.from);
  perInstance.set(key, entry);
  if (isQuorum(state.config.acceptors, entry.from))
    return learn(state, msg.instance, entry.value, entry.ballot);
  const votes = new Map(state.votes);
  votes.set(msg.instance, perInstance);
  return { state: { ...state, votes }, out: [] };
}
