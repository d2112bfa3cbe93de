// JSON Schemas for AgentMail's webhook payloads (what AgentMail sends us); must not describe our own bus messages.
import type { FromSchema } from 'json-schema-to-ts';

// Source of every shape below: agentmail-docs fern/definition/events.yml, messages.yml, threads.yml
// and the agentmail@0.5.27 SDK (see /work/shared/reference/agentmail.md §1).
//
// AgentMail adds fields over time, so its objects keep `additionalProperties` open: we check the
// fields we rely on and let the rest through. Optional fields also accept `null`, because a
// generated backend may send null for "absent" and a 400 on a real email cannot be repaired by a retry.
// Only whole events carry an $id: the nested objects are embedded in several of them.

/** event_type values whose payload carries the full inbound `message` and `thread`. */
export const receivedEventTypes = [
  'message.received',
  'message.received.spam',
  'message.received.blocked',
  'message.received.unauthenticated',
] as const;

/** The other documented event types, each with the one data key it carries. */
export const otherEventDataKeys = {
  'message.sent': 'send',
  'message.delivered': 'delivery',
  'message.bounced': 'bounce',
  'message.complained': 'complaint',
  'message.rejected': 'reject',
  'message.opened': 'open',
  'domain.verified': 'domain',
} as const;

export type ReceivedEventType = (typeof receivedEventTypes)[number];
export type OtherEventType = keyof typeof otherEventDataKeys;
export type KnownEventType = ReceivedEventType | OtherEventType;

const stringList = { type: 'array', items: { type: 'string' } } as const;
const optionalString = { type: ['string', 'null'] } as const;
const optionalStringList = { type: ['array', 'null'], items: { type: 'string' } } as const;
const id = { type: 'string', minLength: 1 } as const;

// `from` is a string on the wire (messages.yml: MessageFrom); docs examples also show an array,
// and the Python attribute name `from_` leaks into some examples (reference §1.3 item 1).
const fromValue = {
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
} as const;

export const attachmentSchema = {
  type: 'object',
  required: ['attachment_id', 'size'],
  properties: {
    attachment_id: id,
    size: { type: 'number' },
    filename: optionalString,
    content_type: optionalString,
    content_disposition: optionalString,
    content_id: optionalString,
  },
  additionalProperties: true,
} as const;

const optionalAttachments = { type: ['array', 'null'], items: attachmentSchema } as const;

export const agentmailMessageSchema = {
  type: 'object',
  required: [
    'inbox_id',
    'thread_id',
    'message_id',
    'labels',
    'timestamp',
    'to',
    'size',
    'updated_at',
    'created_at',
  ],
  properties: {
    inbox_id: id,
    thread_id: id,
    message_id: id,
    labels: stringList,
    timestamp: { type: 'string' },
    from: fromValue,
    from_: fromValue,
    reply_to: optionalStringList,
    to: stringList,
    cc: optionalStringList,
    bcc: optionalStringList,
    subject: optionalString,
    preview: optionalString,
    text: optionalString,
    html: optionalString,
    extracted_text: optionalString,
    extracted_html: optionalString,
    attachments: optionalAttachments,
    in_reply_to: optionalString,
    references: optionalStringList,
    headers: { type: ['object', 'null'] },
    size: { type: 'number' },
    updated_at: { type: 'string' },
    created_at: { type: 'string' },
  },
  // A sender is required, under either spelling. (Each branch restates its property because ajv's
  // strictRequired wants a required name defined beside it.)
  anyOf: [
    { required: ['from'], properties: { from: fromValue } },
    { required: ['from_'], properties: { from_: fromValue } },
  ],
  additionalProperties: true,
} as const;

export const agentmailThreadSchema = {
  type: 'object',
  required: [
    'inbox_id',
    'thread_id',
    'labels',
    'timestamp',
    'senders',
    'recipients',
    'last_message_id',
    'message_count',
    'size',
    'updated_at',
    'created_at',
  ],
  properties: {
    inbox_id: id,
    thread_id: id,
    labels: stringList,
    timestamp: { type: 'string' },
    received_timestamp: optionalString,
    sent_timestamp: optionalString,
    senders: stringList,
    recipients: stringList,
    subject: optionalString,
    preview: optionalString,
    attachments: optionalAttachments,
    last_message_id: { type: 'string' },
    message_count: { type: 'number' },
    size: { type: 'number' },
    updated_at: { type: 'string' },
    created_at: { type: 'string' },
  },
  additionalProperties: true,
} as const;

/** What every webhook has, known type or not: enough to dedupe, count and route it. */
export const agentmailEnvelopeSchema = {
  $id: 'agentmail.envelope',
  type: 'object',
  required: ['type', 'event_type', 'event_id'],
  properties: {
    type: { const: 'event' },
    event_type: id,
    event_id: id,
  },
  additionalProperties: true,
} as const;

export const messageReceivedEventSchema = {
  $id: 'agentmail.event.message.received',
  type: 'object',
  required: ['type', 'event_type', 'event_id', 'message', 'thread'],
  properties: {
    type: { const: 'event' },
    event_type: { enum: receivedEventTypes },
    event_id: id,
    message: agentmailMessageSchema,
    thread: agentmailThreadSchema,
  },
  additionalProperties: true,
} as const;

// Fields of the delivery-side events (events.yml: Send, Delivery, Bounce, Complaint, Reject; Fern
// fields without optional<> are required).
const sentMessageRef = {
  inbox_id: id,
  thread_id: id,
  message_id: id,
  timestamp: { type: 'string' },
} as const;
const sentMessageRefRequired = ['inbox_id', 'thread_id', 'message_id', 'timestamp'] as const;

const sendData = {
  type: 'object',
  required: [...sentMessageRefRequired, 'recipients'],
  properties: { ...sentMessageRef, recipients: stringList },
  additionalProperties: true,
} as const;

const bounceData = {
  type: 'object',
  required: [...sentMessageRefRequired, 'type', 'sub_type', 'recipients'],
  properties: {
    ...sentMessageRef,
    type: { type: 'string' },
    sub_type: { type: 'string' },
    recipients: {
      type: 'array',
      items: {
        type: 'object',
        required: ['address', 'status'],
        properties: { address: { type: 'string' }, status: { type: 'string' } },
        additionalProperties: true,
      },
    },
  },
  additionalProperties: true,
} as const;

const complaintData = {
  type: 'object',
  required: [...sentMessageRefRequired, 'type', 'sub_type', 'recipients'],
  properties: {
    ...sentMessageRef,
    type: { type: 'string' },
    sub_type: { type: 'string' },
    recipients: stringList,
  },
  additionalProperties: true,
} as const;

const rejectData = {
  type: 'object',
  required: [...sentMessageRefRequired, 'reason'],
  properties: { ...sentMessageRef, reason: { type: 'string' } },
  additionalProperties: true,
} as const;

const openData = {
  type: 'object',
  required: sentMessageRefRequired,
  properties: sentMessageRef,
  additionalProperties: true,
} as const;

// domains.yml is not in our reference; only the two fields anyone would act on are required.
const domainData = {
  type: 'object',
  required: ['domain_id', 'status'],
  properties: { domain_id: id, status: { type: 'string' } },
  additionalProperties: true,
} as const;

/**
 * A delivery-side event: the envelope plus its one data key (`otherEventDataKeys`). The `const` type parameters
 * keep event_type and the key literal, so FromSchema derives the same exact types as a schema written out by
 * hand; a plain generic widened event_type to string (test/unit/gateway/agentmail-schemas.test.ts checks it).
 */
function eventSchema<const T extends OtherEventType, const D>(eventType: T, data: D) {
  type K = (typeof otherEventDataKeys)[T];
  const key: K = otherEventDataKeys[eventType];
  return {
    $id: `agentmail.event.${eventType}`,
    type: 'object',
    required: ['type', 'event_type', 'event_id', key],
    properties: {
      type: { const: 'event' },
      event_type: { const: eventType },
      event_id: id,
      ...({ [key]: data } as { readonly [P in K]: D }),
    },
    additionalProperties: true,
  } as const;
}

export const messageSentEventSchema = eventSchema('message.sent', sendData);
export const messageDeliveredEventSchema = eventSchema('message.delivered', sendData);
export const messageBouncedEventSchema = eventSchema('message.bounced', bounceData);
export const messageComplainedEventSchema = eventSchema('message.complained', complaintData);
export const messageRejectedEventSchema = eventSchema('message.rejected', rejectData);
export const messageOpenedEventSchema = eventSchema('message.opened', openData);
export const domainVerifiedEventSchema = eventSchema('domain.verified', domainData);

/** Every AgentMail schema, by role; `byEventType` is what a validator dispatches on after the envelope. */
export const agentmailSchemas = {
  envelope: agentmailEnvelopeSchema,
  message: agentmailMessageSchema,
  thread: agentmailThreadSchema,
  attachment: attachmentSchema,
  byEventType: {
    'message.received': messageReceivedEventSchema,
    'message.received.spam': messageReceivedEventSchema,
    'message.received.blocked': messageReceivedEventSchema,
    'message.received.unauthenticated': messageReceivedEventSchema,
    'message.sent': messageSentEventSchema,
    'message.delivered': messageDeliveredEventSchema,
    'message.bounced': messageBouncedEventSchema,
    'message.complained': messageComplainedEventSchema,
    'message.rejected': messageRejectedEventSchema,
    'message.opened': messageOpenedEventSchema,
    'domain.verified': domainVerifiedEventSchema,
  },
} as const;

export type AgentmailEnvelope = FromSchema<typeof agentmailEnvelopeSchema>;
export type AgentmailMessageWire = FromSchema<typeof agentmailMessageSchema>;
export type AgentmailThread = FromSchema<typeof agentmailThreadSchema>;
export type AgentmailAttachment = FromSchema<typeof attachmentSchema>;
export type MessageReceivedEventWire = FromSchema<typeof messageReceivedEventSchema>;
export type MessageSentEvent = FromSchema<typeof messageSentEventSchema>;
export type MessageDeliveredEvent = FromSchema<typeof messageDeliveredEventSchema>;
export type MessageBouncedEvent = FromSchema<typeof messageBouncedEventSchema>;
export type MessageComplainedEvent = FromSchema<typeof messageComplainedEventSchema>;
export type MessageRejectedEvent = FromSchema<typeof messageRejectedEventSchema>;
export type MessageOpenedEvent = FromSchema<typeof messageOpenedEventSchema>;
export type DomainVerifiedEvent = FromSchema<typeof domainVerifiedEventSchema>;

export type OtherEvent =
  | MessageSentEvent
  | MessageDeliveredEvent
  | MessageBouncedEvent
  | MessageComplainedEvent
  | MessageRejectedEvent
  | MessageOpenedEvent
  | DomainVerifiedEvent;

// A mapped type, not Omit: Omit over an open object (index signature) would erase the known fields.
type Without<T, K extends PropertyKey> = { [P in keyof T as P extends K ? never : P]: T[P] };

/** A received message after the gateway normalised the sender: always `from`, always one string. */
export type AgentmailMessage = Without<AgentmailMessageWire, 'from' | 'from_'> & { from: string };
export type MessageReceivedEvent = Without<MessageReceivedEventWire, 'message'> & {
  message: AgentmailMessage;
};
