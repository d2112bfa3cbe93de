// JSON Schemas (and derived types) for every Paxos wire message; no logic, no I/O, no subjects.
import type { FromSchema } from 'json-schema-to-ts';

// Instance ids name one conversation for one epoch: `conv/<threadId>/<epoch>`. The thread id may itself
// contain '/', so only the prefix and the trailing integer epoch are pinned.
const instanceId = { type: 'string', pattern: '^conv/.+/(0|[1-9][0-9]*)$', maxLength: 512 } as const;

// A node id names a proposer or acceptor; it is the tie-breaker in ballot order, so it must be non-empty.
const nodeId = { type: 'string', minLength: 1, maxLength: 128 } as const;

// Ballots are ordered by (round, proposer): unique across the cluster because proposer ids are unique.
const ballot = {
  type: 'object',
  additionalProperties: false,
  required: ['round', 'proposer'],
  properties: {
    round: { type: 'integer', minimum: 0 },
    proposer: nodeId,
  },
} as const;

// The value Paxos decides for a conversation: who owns it. The cores treat it as opaque JSON.
const ownerValue = {
  type: 'object',
  additionalProperties: false,
  required: ['agentId'],
  properties: {
    agentId: { type: 'string', minLength: 1, maxLength: 128 },
    specialization: { type: 'string', minLength: 1, maxLength: 64 },
    epoch: { type: 'integer', minimum: 0 },
  },
} as const;

const acceptedPair = {
  type: 'object',
  additionalProperties: false,
  required: ['ballot', 'value'],
  properties: { ballot, value: ownerValue },
} as const;

export const ballotSchema = { $id: 'cs.paxos.ballot', ...ballot } as const;
export const ownerValueSchema = { $id: 'cs.paxos.owner-value', ...ownerValue } as const;

/** Client -> proposer: decide the owner of `instance`, suggesting `candidate` if nothing is decided yet. */
export const proposeSchema = {
  $id: 'cs.paxos.propose',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'instance', 'candidate'],
  properties: {
    type: { const: 'propose' },
    instance: instanceId,
    candidate: ownerValue,
  },
} as const;

/**
 * The decision for an instance. Three uses, one shape: the proposer's reply to `propose`; an acceptor's
 * answer to a prepare/accept for an instance whose decision is durably recorded; a learner or proposer
 * notice to learners. It only ever carries a value chosen by a majority (or read from the durable record).
 */
export const decidedSchema = {
  $id: 'cs.paxos.decided',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'instance', 'value'],
  properties: {
    type: { const: 'decided' },
    instance: instanceId,
    value: ownerValue,
    ballot,
    from: nodeId,
  },
} as const;

/** Wire error (CONVENTIONS §9). `definite: true` means the operation certainly did not happen. */
export const paxosErrorSchema = {
  $id: 'cs.paxos.error',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'code', 'text', 'definite', 'retryable'],
  properties: {
    type: { const: 'error' },
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', maxLength: 64 },
    text: { type: 'string', maxLength: 1024 },
    definite: { type: 'boolean' },
    retryable: { type: 'boolean' },
  },
} as const;

/** Phase 1a for one instance (Paxos Made Simple §2.2). */
export const prepareSchema = {
  $id: 'cs.paxos.prepare',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'instance', 'ballot', 'from'],
  properties: {
    type: { const: 'prepare' },
    instance: instanceId,
    ballot,
    from: nodeId,
  },
} as const;

/** Phase 1b: the acceptor promises `ballot` and reports its highest accepted proposal, if any. */
export const promiseSchema = {
  $id: 'cs.paxos.promise',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'instance', 'ballot', 'from'],
  properties: {
    type: { const: 'promise' },
    instance: instanceId,
    ballot,
    from: nodeId,
    accepted: acceptedPair,
  },
} as const;

/**
 * Preempted: the acceptor has promised `promised`, higher than `ballot`. Without `instance` it answers a
 * prepare-all. It lets the proposer pick a higher round at once instead of waiting for a timeout.
 */
export const nackSchema = {
  $id: 'cs.paxos.nack',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'ballot', 'promised', 'from'],
  properties: {
    type: { const: 'nack' },
    instance: instanceId,
    ballot,
    promised: ballot,
    from: nodeId,
  },
} as const;

/** Phase 2a. `fast: true` marks an accept whose phase 1 was a prepare-all (multi-Paxos leader ballot). */
export const acceptSchema = {
  $id: 'cs.paxos.accept',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'instance', 'ballot', 'value', 'from'],
  properties: {
    type: { const: 'accept' },
    instance: instanceId,
    ballot,
    value: ownerValue,
    from: nodeId,
    fast: { type: 'boolean' },
  },
} as const;

/** Phase 2b, sent to the proposer and to every learner. */
export const acceptedSchema = {
  $id: 'cs.paxos.accepted',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'instance', 'ballot', 'value', 'from'],
  properties: {
    type: { const: 'accepted' },
    instance: instanceId,
    ballot,
    value: ownerValue,
    from: nodeId,
  },
} as const;

/** Multi-Paxos phase 1a for every instance at once: a leader ballot. */
export const prepareAllSchema = {
  $id: 'cs.paxos.prepare-all',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'ballot', 'from'],
  properties: {
    type: { const: 'prepare-all' },
    ballot,
    from: nodeId,
  },
} as const;

/**
 * Multi-Paxos phase 1b: the acceptor promises `ballot` for every instance except `refused` (where it has
 * already promised higher), and reports what it accepted in the instances it still holds.
 */
export const promiseAllSchema = {
  $id: 'cs.paxos.promise-all',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'ballot', 'from', 'accepted', 'refused'],
  properties: {
    type: { const: 'promise-all' },
    ballot,
    from: nodeId,
    accepted: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['instance', 'ballot', 'value'],
        properties: { instance: instanceId, ballot, value: ownerValue },
      },
    },
    refused: { type: 'array', items: instanceId },
  },
} as const;

/** Ask a learner what it has learned for an instance. */
export const lookupSchema = {
  $id: 'cs.paxos.lookup',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'instance'],
  properties: {
    type: { const: 'lookup' },
    instance: instanceId,
  },
} as const;

/** A learner's answer; `found: false` means "not learned here yet", never "undecided cluster-wide". */
export const lookupReplySchema = {
  $id: 'cs.paxos.lookup-reply',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'instance', 'found'],
  properties: {
    type: { const: 'lookup-reply' },
    instance: instanceId,
    found: { type: 'boolean' },
    value: ownerValue,
    ballot,
  },
} as const;

export type Ballot = FromSchema<typeof ballotSchema>;
export type OwnerValue = FromSchema<typeof ownerValueSchema>;
export type ProposeMsg = FromSchema<typeof proposeSchema>;
export type DecidedMsg = FromSchema<typeof decidedSchema>;
export type PaxosErrorMsg = FromSchema<typeof paxosErrorSchema>;
export type PrepareMsg = FromSchema<typeof prepareSchema>;
export type PromiseMsg = FromSchema<typeof promiseSchema>;
export type NackMsg = FromSchema<typeof nackSchema>;
export type AcceptMsg = FromSchema<typeof acceptSchema>;
export type AcceptedMsg = FromSchema<typeof acceptedSchema>;
export type PrepareAllMsg = FromSchema<typeof prepareAllSchema>;
export type PromiseAllMsg = FromSchema<typeof promiseAllSchema>;
export type LookupMsg = FromSchema<typeof lookupSchema>;
export type LookupReplyMsg = FromSchema<typeof lookupReplySchema>;

/** The reply a caller of `propose` gets. */
export type ProposeReply = DecidedMsg | PaxosErrorMsg;

/** Every Paxos schema, for one shared ajv instance (each has a unique `$id`). */
export const paxosSchemas = {
  ballot: ballotSchema,
  ownerValue: ownerValueSchema,
  propose: proposeSchema,
  decided: decidedSchema,
  error: paxosErrorSchema,
  prepare: prepareSchema,
  promise: promiseSchema,
  nack: nackSchema,
  accept: acceptSchema,
  accepted: acceptedSchema,
  prepareAll: prepareAllSchema,
  promiseAll: promiseAllSchema,
  lookup: lookupSchema,
  lookupReply: lookupReplySchema,
} as const;
