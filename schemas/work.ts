// JSON Schemas for the work an email turns into: the agent's work item, the human queue item, conversation state and the reply/audit record; no logic.
import type { FromSchema } from 'json-schema-to-ts';
import { classificationSchema, type Classification } from './email.ts';
import { replyDraftSchema, type ReplyDraft } from './reply.ts';

const isoTime = { type: 'string', format: 'date-time' } as const;
const id = { type: 'string', minLength: 1, maxLength: 1000 } as const;
const actorId = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,200}$' } as const;
/** The Paxos epoch of a conversation's owner (conv/<thread>/<epoch>). */
const epoch = { type: 'integer', minimum: 0 } as const;

/**
 * The received email a work record is about. `messageId` is its RFC 5322 Message-ID as AgentMail gives it:
 * replies thread to it, and with the inbox it keys the reply record.
 */
const receivedEmailKey = { inboxId: id, threadId: id, messageId: id } as const;
const receivedEmailKeyRequired = ['inboxId', 'threadId', 'messageId'] as const;

// The classification travels inside bus messages by reference, so there is one definition of it.
const classificationRef = { $ref: classificationSchema.$id } as const;
const draftRef = { $ref: replyDraftSchema.$id } as const;

/** What the agent needs of the customer's email: already extracted, bounded, never the raw HTML. */
const emailPart = {
  type: 'object',
  additionalProperties: false,
  required: ['subject', 'text', 'from'],
  properties: {
    subject: { type: 'string', maxLength: 1000 },
    /** New text only (quotes stripped), truncated. */
    text: { type: 'string', maxLength: 20_000 },
    /** The raw From header value. */
    from: { type: 'string', maxLength: 1000 },
    senderName: { type: 'string', maxLength: 500 },
    senderAddress: { type: 'string', maxLength: 500 },
    receivedAt: { type: 'string' },
  },
} as const;

/**
 * One received email for its conversation's owner, on cs.agent.<agentId>.work (stream WORK). `epoch` is the
 * Paxos epoch that made `owner` the owner: an agent that learns a later epoch knows the item is no longer its own.
 */
export const WorkItem = {
  $id: 'cs.work.item',
  type: 'object',
  additionalProperties: false,
  required: [
    'type',
    ...receivedEmailKeyRequired,
    'eventId',
    'owner',
    'epoch',
    'instance',
    'classification',
    'email',
    'routedAt',
  ],
  properties: {
    type: { const: 'work-item' },
    ...receivedEmailKey,
    /** AgentMail's event id and the Svix delivery id, for tracing a reply back to the webhook. */
    eventId: id,
    svixId: { type: 'string' },
    owner: actorId,
    epoch,
    instance: { type: 'string', minLength: 1 },
    classification: classificationRef,
    email: emailPart,
    routedAt: isoTime,
    /** When the gateway accepted the webhook (ms since the epoch): the start of webhook_to_reply_seconds. */
    acceptedAt: { type: 'integer', minimum: 0 },
    /** Set when the item was re-routed because its previous owner died. */
    reassignedFrom: actorId,
  },
} as const;
export type WorkItem = Omit<
  FromSchema<typeof WorkItem, { references: [typeof classificationSchema] }>,
  'classification'
> & {
  classification: Classification;
};

/** An email a person must answer, on cs.human.queue.<inbox> (stream HUMAN). No automatic answer was sent. */
export const HumanEscalation = {
  $id: 'cs.work.human-escalation',
  type: 'object',
  additionalProperties: false,
  required: [
    'type',
    ...receivedEmailKeyRequired,
    'agentId',
    'epoch',
    'reasons',
    'classification',
    'email',
    'at',
  ],
  properties: {
    type: { const: 'human-escalation' },
    ...receivedEmailKey,
    eventId: { type: 'string' },
    /** The owning agent that handed it over. */
    agentId: actorId,
    epoch,
    /** Classification reasons (human_requested, legal_threat...) or the responder's (no-kb-match...). */
    reasons: { type: 'array', minItems: 1, maxItems: 32, items: { type: 'string', maxLength: 200 } },
    classification: classificationRef,
    email: emailPart,
    /** Whether the customer was sent the ESCALATION_ACK text. */
    acknowledged: { type: 'boolean' },
    at: isoTime,
  },
} as const;
export type HumanEscalation = Omit<
  FromSchema<typeof HumanEscalation, { references: [typeof classificationSchema] }>,
  'classification'
> & { classification: Classification };

/** One line of a conversation's short history, as the responder reads it. */
const historyEntry = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'text', 'at'],
  properties: {
    from: { type: 'string', maxLength: 1000 },
    text: { type: 'string', maxLength: 2000 },
    at: { type: 'string' },
    /** The received message this line is (customer lines) or answers (our replies). */
    messageId: { type: 'string' },
    replyTo: { type: 'string' },
  },
} as const;

export const ConversationStatus = ['pending', 'answered', 'escalated', 'not-answered'] as const;

const holdSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['since', 'messageId', 'reasons'],
  properties: {
    since: isoTime,
    /** The message whose escalation handed the thread to a person. */
    messageId: id,
    reasons: { type: 'array', maxItems: 32, items: { type: 'string', maxLength: 200 } },
    /** Later messages that arrived while it was held (bounded). */
    heldMessages: { type: 'array', maxItems: 50, items: id },
  },
} as const;

const givenBackSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['by', 'at'],
  properties: {
    by: { type: 'string', minLength: 1, maxLength: 200 },
    at: isoTime,
    note: { type: 'string', maxLength: 1000 },
  },
} as const;

/** A person gives a held thread back to the agents (`npm run give-back`); answered by one agent. */
export const GiveBack = {
  $id: 'cs.work.give-back',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'threadId', 'by'],
  properties: {
    type: { const: 'give-back' },
    threadId: id,
    /** Who gives it back: recorded on the conversation and in the event. */
    by: { type: 'string', minLength: 1, maxLength: 200 },
    note: { type: 'string', maxLength: 1000 },
  },
} as const;
export type GiveBack = FromSchema<typeof GiveBack>;

export const GiveBackReply = {
  $id: 'cs.work.give-back-reply',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'threadId', 'outcome'],
  properties: {
    type: { const: 'give-back-reply' },
    threadId: id,
    /** given-back: the hold and the `escalated` label are gone; not-held: nothing to do; error: see text. */
    outcome: { enum: ['given-back', 'not-held', 'unknown-thread', 'error'] },
    text: { type: 'string', maxLength: 1000 },
    by: { type: 'string' },
    at: isoTime,
  },
} as const;
export type GiveBackReply = FromSchema<typeof GiveBackReply>;

/**
 * A conversation (AgentMail thread) in the `conversations` KV bucket. `pending` holds the work items not yet
 * settled by their owner, so they can be re-routed when the owner dies.
 */
export const ConversationState = {
  $id: 'cs.work.conversation',
  type: 'object',
  additionalProperties: false,
  required: [
    'type',
    'inboxId',
    'threadId',
    'owner',
    'epoch',
    'status',
    'messageIds',
    'pending',
    'history',
    'updatedAt',
  ],
  properties: {
    type: { const: 'conversation' },
    inboxId: id,
    threadId: id,
    owner: actorId,
    specialization: { type: 'string' },
    epoch,
    status: { type: 'string', enum: ConversationStatus },
    /** The last received message ids, newest last (bounded). */
    messageIds: { type: 'array', maxItems: 50, items: id },
    pending: { type: 'array', maxItems: 50, items: { $ref: WorkItem.$id } },
    /** Short history the responder sees: customer lines and our replies, newest last (bounded). */
    history: { type: 'array', maxItems: 20, items: historyEntry },
    /** The thread is with a person since an escalation: no later email in it is answered until it is given back. */
    hold: holdSchema,
    /** The last time a person gave the thread back to the agents. */
    givenBack: givenBackSchema,
    updatedAt: isoTime,
  },
} as const;
export type ConversationState = Omit<
  FromSchema<typeof ConversationState, { references: [typeof WorkItem, typeof classificationSchema] }>,
  'pending'
> & { pending: WorkItem[] };
export type ConversationHistoryEntry = FromSchema<typeof historyEntry>;

export const ReplyStatus = ['intent', 'sent', 'escalated', 'failed'] as const;

/**
 * The reply record in the `replies` KV bucket, keyed by inbox and received message id. `intent` is written
 * before the send (with the draft that will be sent on every attempt), then `sent`, `escalated` or `failed`.
 * `audit` is the replayable record of every input that produced the draft (docs/AUDIT.md).
 */
export const ReplyRecord = {
  $id: 'cs.work.reply-record',
  type: 'object',
  additionalProperties: false,
  required: [
    'type',
    'status',
    ...receivedEmailKeyRequired,
    'agentId',
    'epoch',
    'idempotencyKey',
    'audit',
    'updatedAt',
  ],
  properties: {
    type: { const: 'reply-record' },
    status: { type: 'string', enum: ReplyStatus },
    ...receivedEmailKey,
    agentId: actorId,
    epoch,
    idempotencyKey: { type: 'string', minLength: 1, maxLength: 256 },
    audit: {
      type: 'object',
      additionalProperties: false,
      required: [
        'version',
        'eventId',
        'instance',
        'email',
        'history',
        'classification',
        'draftedAt',
        'draftedBy',
      ],
      properties: {
        version: { const: 'audit-1' },
        eventId: { type: 'string' },
        svixId: { type: 'string' },
        /** The Paxos instance (conv/<thread>/<epoch>) whose decision made the drafting agent the owner. */
        instance: { type: 'string' },
        email: emailPart,
        history: { type: 'array', items: historyEntry },
        classification: classificationRef,
        /** What was drafted: text, passages retrieved, responder (model + prompt version, or builtin version). */
        draft: draftRef,
        draftedAt: isoTime,
        draftedBy: actorId,
      },
    },
    result: {
      type: 'object',
      additionalProperties: false,
      required: ['messageId', 'threadId', 'dryRun', 'attempts', 'at', 'agentId'],
      properties: {
        messageId: { type: 'string' },
        threadId: { type: 'string' },
        dryRun: { type: 'boolean' },
        attempts: { type: 'integer', minimum: 0 },
        at: isoTime,
        /** The agent that completed the send (may differ from the drafter after a reassignment). */
        agentId: actorId,
      },
    },
    escalation: {
      type: 'object',
      additionalProperties: false,
      required: ['reasons', 'at', 'acknowledged'],
      properties: {
        reasons: { type: 'array', items: { type: 'string' } },
        at: isoTime,
        acknowledged: { type: 'boolean' },
      },
    },
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'text', 'definite'],
      properties: { code: { type: 'string' }, text: { type: 'string' }, definite: { type: 'boolean' } },
    },
    updatedAt: isoTime,
  },
} as const;
type ReplyRecordRefs = [typeof classificationSchema, typeof replyDraftSchema];
export type ReplyRecord = Omit<FromSchema<typeof ReplyRecord, { references: ReplyRecordRefs }>, 'audit'> & {
  audit: Omit<
    FromSchema<typeof ReplyRecord, { references: ReplyRecordRefs }>['audit'],
    'classification' | 'draft'
  > & {
    classification: Classification;
    draft?: ReplyDraft;
  };
};

/** Schemas the work messages refer to by $id; registered with the codec before anything compiles them. */
export const workReferencedSchemas = [classificationSchema, replyDraftSchema, WorkItem];
