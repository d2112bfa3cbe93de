// JSON Schemas of the actor runtime's own bus messages (heartbeats, control, events); types derive from them, nothing else.
import type { FromSchema } from 'json-schema-to-ts';
import { classificationSchema } from './email.ts';

export const ActorKind = ['gateway', 'processor', 'proposer', 'acceptor', 'learner', 'agent'] as const;
export type ActorKind = (typeof ActorKind)[number];

const actorKind = { type: 'string', enum: ActorKind } as const;
/** An actor's lifecycle, in its heartbeats and in its answer on the control subject. */
const actorStatus = { type: 'string', enum: ['starting', 'running', 'draining', 'stopped'] } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const actorId = { type: 'string', minLength: 1, maxLength: 200 } as const;

export const Heartbeat = {
  $id: 'cs/heartbeat',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'actorId', 'kind', 'nodeId', 'status', 'load', 'capacity', 'at'],
  properties: {
    type: { const: 'heartbeat' },
    actorId,
    kind: actorKind,
    nodeId: { type: 'string' },
    status: actorStatus,
    /** Work items in flight. */
    load: { type: 'integer', minimum: 0 },
    capacity: { type: 'integer', minimum: 0 },
    specializations: { type: 'array', items: { type: 'string' } },
    intervalMs: { type: 'integer', minimum: 1 },
    at: isoTime,
  },
} as const;
export type Heartbeat = FromSchema<typeof Heartbeat>;

export const Control = {
  $id: 'cs/control',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'command'],
  properties: {
    type: { const: 'control' },
    command: { type: 'string', enum: ['stop', 'drain', 'ping'] },
  },
} as const;
export type Control = FromSchema<typeof Control>;

export const ControlReply = {
  $id: 'cs/control-reply',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'actorId', 'status'],
  properties: {
    type: { const: 'control-reply' },
    actorId,
    status: actorStatus,
  },
} as const;
export type ControlReply = FromSchema<typeof ControlReply>;

// The data fields several events share.
const peerFields = ['peer', 'peerKind', 'peerNode', 'status', 'silentMs'] as const;
/** mail.classified and mail.routed carry the whole classification: its schema's fields. */
const classificationFields = classificationSchema.required;
const skipFields = ['itemEpoch', 'currentEpoch', 'owner'] as const;
const replyFields = [
  'agentId',
  'epoch',
  'specialization',
  'replyMessageId',
  'attempts',
  'grounded',
  'responder',
  'passages',
  'drafter',
  'reassignedFrom',
] as const;
/** An acceptor log's statistics (actors/storage AppendLogStats), as acceptor.compacted reports them. */
const appendLogStatsFields = [
  'generation',
  'bytesOnDisk',
  'snapshotRecords',
  'recordsSinceCompaction',
  'appends',
  'appendedRecords',
  'syncs',
  'averageBatchRecords',
  'compactions',
  'pendingRecords',
] as const;

/**
 * Every event an actor may emit on cs.events.<kind>: who emits it (`by`, the emitter's kind), the fields its `data`
 * may hold, and what it means, in one line. The one list of names: `ActorEvent.event` is constrained to it,
 * `Actor.emit` accepts only these names and, for each, only its fields; docs/OPERATIONS.md documents each with an
 * example (test/unit/schemas/events-catalogue.test.ts checks both ways).
 */
export const EventCatalogue = {
  'actor.started': { by: 'any', data: [], meaning: 'this actor started and takes work' },
  'actor.stopped': {
    by: 'any',
    data: [],
    meaning: 'this actor stopped: drained, told to stop, or its process is ending',
  },
  'actor.up': {
    by: ['processor'],
    data: peerFields,
    meaning: 'a peer was heard: first heartbeat, or back after it was suspected or down',
  },
  'actor.suspected': {
    by: ['processor'],
    data: peerFields,
    meaning: 'a peer has been silent for half the dead-after window',
  },
  'actor.down': {
    by: ['processor'],
    data: peerFields,
    meaning: 'a peer said it stopped, or stayed silent past the dead-after window',
  },
  'nats.permission-denied': {
    by: 'any',
    data: ['operation', 'subject'],
    meaning: 'the NATS server refused a publish or subscribe of this process',
  },
  'webhook.accepted': {
    by: ['gateway'],
    data: ['eventType', 'svixId', 'eventId', 'inboxId'],
    meaning:
      'a signed webhook is durable on the MAIL stream (JetStream acknowledged it), so it is answered 2xx',
  },
  'mail.duplicate': {
    by: ['processor'],
    data: ['eventId', 'svixId', 'matched'],
    meaning: 'a delivery of an email already handled: acked, nothing redone',
  },
  'mail.not-answered': {
    by: ['processor'],
    data: ['reason', 'detail', 'inboxId', 'eventId'],
    meaning: 'skipped: mail that must not be answered, with the reason',
  },
  'mail.classified': {
    by: ['processor'],
    data: classificationFields,
    meaning: 'the email was understood: desk, priority, language, needs a person',
  },
  'classify.model-failed': {
    by: ['processor'],
    data: ['error'],
    meaning: 'the model did not answer; the keyword classifier decided',
  },
  'classify.model-rejected': {
    by: ['processor'],
    data: ['problem'],
    meaning: "the model's answer was unusable; the keyword classifier decided",
  },
  'mail.held': {
    by: ['processor'],
    data: ['inboxId', 'since', 'escalatedMessageId', 'reasons', 'owner'],
    meaning: 'new mail in a thread a person has: queued on HUMAN, not routed',
  },
  'mail.waiting': {
    by: ['processor'],
    data: ['reason', 'deliveries', 'waitedMs', 'retryInMs'],
    meaning: 'no owner yet (no agent alive, no Paxos majority, bus down): retried later',
  },
  'mail.routed': {
    by: ['processor'],
    data: ['owner', 'epoch', 'instance', ...classificationFields],
    meaning: "the work item is queued on WORK for the conversation's owner",
  },
  'mail.dead-lettered': {
    by: ['processor', 'agent'],
    data: ['stream', 'subject', 'streamSeq', 'source', 'code', 'reason', 'deliveries'],
    meaning: 'a durable message was copied whole to DEADLETTER and termed',
  },
  'conversation.reassigned': {
    by: ['processor'],
    data: ['from', 'to', 'epoch', 'moved', 'why'],
    meaning: "a dead owner's pending work moved to the next epoch's owner",
  },
  'conversation.given-back': {
    by: ['agent'],
    data: ['by', 'heldSince', 'note'],
    meaning: 'a person gave an escalated thread back to the agents',
  },
  'owner.proposed': {
    by: ['proposer'],
    data: ['instance', 'candidate', 'epoch', 'specialization'],
    meaning: 'a proposer started deciding the owner of one conversation epoch',
  },
  'paxos.decided': {
    by: ['learner'],
    data: ['instance', 'owner', 'epoch', 'round'],
    meaning: "a learner learned and recorded a conversation epoch's owner",
  },
  'paxos.fast-path': {
    by: ['proposer'],
    data: ['enabled'],
    meaning: 'this proposer became (or stopped being) the distinguished one',
  },
  'paxos.safety-violation': {
    by: ['learner'],
    data: ['instance', 'error'],
    meaning: 'two values were learned for one instance: must never happen',
  },
  'acceptor.restored': {
    by: ['acceptor'],
    data: ['created', 'generation', 'records', 'truncatedBytes', 'removedIncompleteCompaction', 'replayed'],
    meaning: 'an acceptor replayed its log at start',
  },
  'acceptor.compacted': {
    by: ['acceptor'],
    data: ['instances', ...appendLogStatsFields],
    meaning: 'an acceptor dropped recorded instances and rewrote its log',
  },
  'work.stale': {
    by: ['agent'],
    data: skipFields,
    meaning: 'skipped: the conversation has a later owner epoch than the work item',
  },
  'work.misrouted': {
    by: ['agent'],
    data: skipFields,
    meaning: 'skipped: the work item names another agent as owner',
  },
  'work.fenced': {
    by: ['agent'],
    data: skipFields,
    meaning: 'skipped: a reassignment was recorded while this agent drafted, no send',
  },
  'reply.drafted': {
    by: ['agent'],
    data: [
      'responder',
      'model',
      'fallback',
      'length',
      'language',
      'grounded',
      'passages',
      'escalate',
      'escalateReason',
      'refusals',
      'injectionSignals',
    ],
    meaning: 'the responder wrote a draft (model or built-in); it is recorded before any send',
  },
  'reply.retry': {
    by: ['agent'],
    data: ['code', 'status', 'delayMs', 'deliveries'],
    meaning: 'AgentMail answered 429/5xx: the work is retried later with the same key',
  },
  'reply.sent': {
    by: ['agent'],
    data: replyFields,
    meaning: 'the reply was sent through AgentMail and recorded',
  },
  'reply.dry-run': {
    by: ['agent'],
    data: replyFields,
    meaning: 'the reply was written to the dry-run outbox (no AGENTMAIL_API_KEY)',
  },
  'reply.failed': {
    by: ['agent'],
    data: ['code', 'status', 'definite', 'deliveries'],
    meaning: 'AgentMail refused the reply for good: recorded, dead-lettered',
  },
  'reply.already-done': {
    by: ['agent'],
    data: ['status', 'by'],
    meaning: 'a redelivered work item whose reply was already sent or escalated',
  },
  'escalation.queued': {
    by: ['agent'],
    data: ['agentId', 'reasons', 'acknowledged', 'epoch'],
    meaning: 'the email went to the HUMAN queue with the reasons; never auto-answered',
  },
  'escalation.failed': {
    by: ['agent'],
    data: ['code', 'status'],
    meaning: 'labelling or acknowledging an escalation failed; it is queued anyway',
  },
} as const satisfies Record<
  string,
  { by: 'any' | readonly ActorKind[]; data: readonly string[]; meaning: string }
>;
export type EventName = keyof typeof EventCatalogue;
/** What `data` of event E may hold: its catalogue fields, each optional (some are only there when they apply). */
export type EventData<E extends EventName> = {
  [K in (typeof EventCatalogue)[E]['data'][number]]?: unknown;
};
export const EventNames = Object.keys(EventCatalogue) as readonly EventName[];

/** Everything ops can watch: one JSON object per step, on cs.events.<kind>. */
export const ActorEvent = {
  $id: 'cs/event',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'event', 'kind', 'actorId', 'nodeId', 'at'],
  properties: {
    type: { const: 'event' },
    event: { type: 'string', enum: EventNames },
    kind: actorKind,
    actorId,
    nodeId: { type: 'string' },
    at: isoTime,
    messageId: { type: 'string' },
    threadId: { type: 'string' },
    data: { type: 'object' },
  },
} as const;
export type ActorEvent = FromSchema<typeof ActorEvent>;

/** A message that failed its schema, on cs.events.invalid; it names where and why, never the body. */
export const InvalidMessage = {
  $id: 'cs/invalid',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'subject', 'contract', 'schemaPath', 'reason', 'actorId', 'at'],
  properties: {
    type: { const: 'invalid' },
    subject: { type: 'string' },
    contract: { type: 'string' },
    /** JSON pointer into the message (instancePath) and the schema rule that failed. */
    instancePath: { type: 'string' },
    schemaPath: { type: 'string' },
    reason: { type: 'string' },
    actorId,
    at: isoTime,
    streamSeq: { type: 'integer' },
  },
} as const;
export type InvalidMessage = FromSchema<typeof InvalidMessage>;

/** A durable message that could not be processed, kept whole on the dead-letter stream for a human. */
export const DeadLetter = {
  $id: 'cs/dead-letter',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'subject', 'reason', 'actorId', 'at', 'payload'],
  properties: {
    type: { const: 'dead-letter' },
    subject: { type: 'string' },
    reason: { type: 'string' },
    code: { type: 'string' },
    actorId,
    at: isoTime,
    streamSeq: { type: 'integer' },
    deliveries: { type: 'integer' },
    /** The original bytes as UTF-8 text (base64 when they are not valid UTF-8). */
    payload: { type: 'string' },
    payloadEncoding: { type: 'string', enum: ['utf8', 'base64'] },
  },
} as const;
export type DeadLetter = FromSchema<typeof DeadLetter>;
