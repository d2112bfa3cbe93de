// Message and output types shared by the pure Paxos cores, generic over the decided value; no logic, no I/O.
// They mirror schemas/paxos.ts (test/unit/paxos/schemas.test.ts checks the schema types fit them), but the
// cores only treat the value as opaque JSON, so they do not depend on OwnerValue.

export interface Ballot {
  round: number;
  proposer: string;
}

export interface Propose<V> {
  type: 'propose';
  instance: string;
  candidate: V;
}
export interface Decided<V> {
  type: 'decided';
  instance: string;
  value: V;
  ballot?: Ballot;
  from?: string;
}
export interface PaxosError {
  type: 'error';
  code: string;
  text: string;
  definite: boolean;
  retryable: boolean;
}
export interface Prepare {
  type: 'prepare';
  instance: string;
  ballot: Ballot;
  from: string;
}
export interface AcceptedPair<V> {
  ballot: Ballot;
  value: V;
}
export interface Promised<V> {
  type: 'promise';
  instance: string;
  ballot: Ballot;
  from: string;
  accepted?: AcceptedPair<V>;
}
export interface Nack {
  type: 'nack';
  instance?: string;
  ballot: Ballot;
  promised: Ballot;
  from: string;
}
export interface Accept<V> {
  type: 'accept';
  instance: string;
  ballot: Ballot;
  value: V;
  from: string;
  fast?: boolean;
}
export interface Accepted<V> {
  type: 'accepted';
  instance: string;
  ballot: Ballot;
  value: V;
  from: string;
}
export interface PrepareAll {
  type: 'prepare-all';
  ballot: Ballot;
  from: string;
}
export interface PromiseAll<V> {
  type: 'promise-all';
  ballot: Ballot;
  from: string;
  accepted: Array<{ instance: string; ballot: Ballot; value: V }>;
  refused: string[];
}
export interface Lookup {
  type: 'lookup';
  instance: string;
}
export interface LookupReply<V> {
  type: 'lookup-reply';
  instance: string;
  found: boolean;
  value?: V;
  ballot?: Ballot;
}

/** Where a `send` goes: a whole role (the adapter fans out) or one node id. Never a subject. */
export type Destination = 'acceptors' | 'learners' | 'proposers' | (string & {});

/**
 * What a core asks its adapter to do, in order. A `persist` must be written and synced before any output
 * that follows it is performed (etcd-io/raft's Ready contract): that is what makes a promise survive kill -9.
 * `setTimer` arms the timer named `key` to fire at `at` (replacing one pending under that key); `clearTimer`
 * drops it. Only the proposer core uses timers.
 */
export type Out<M, R = never> =
  | { kind: 'persist'; records: R[] }
  | { kind: 'send'; to: Destination; msg: M }
  | { kind: 'reply'; requestId: string; msg: M }
  | { kind: 'decided'; instance: string; value: unknown; ballot?: Ballot }
  | { kind: 'setTimer'; key: string; at: number }
  | { kind: 'clearTimer'; key: string };

export interface StepResult<S, O> {
  state: S;
  out: O[];
}
