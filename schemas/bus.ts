// JSON Schemas of the actor runtime's own bus messages (heartbeats, control, events); types derive from them, nothing else.
import type { FromSchema } from 'json-schema-to-ts';

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

/** Everything ops can watch: one JSON object per step, on cs.events.<kind>. */
export const ActorEvent = {
  $id: 'cs/event',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'event', 'kind', 'actorId', 'nodeId', 'at'],
  properties: {
    type: { const: 'event' },
    event: { type: 'string', minLength: 1 },
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
