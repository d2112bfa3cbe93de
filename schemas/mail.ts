// What the gateway puts on the MAIL stream: AgentMail's verified webhook, wrapped with its delivery ids; nothing else.
import type { FromSchema } from 'json-schema-to-ts';
import {
  agentmailEnvelopeSchema,
  messageReceivedEventSchema,
  type AgentmailEnvelope,
  type MessageReceivedEvent,
} from './agentmail.ts';

const delivery = {
  /** Svix message id: the same on every retry of one delivery, and the JetStream msgID. */
  svixId: { type: 'string', minLength: 1 },
  eventId: { type: 'string', minLength: 1 },
  eventType: { type: 'string', minLength: 1 },
  /** Milliseconds since the epoch at which the gateway accepted it. */
  receivedAt: { type: 'integer', minimum: 0 },
} as const;

export const MailReceived = {
  $id: 'cs.mail-received',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'svixId', 'eventId', 'eventType', 'receivedAt', 'payload'],
  properties: {
    type: { const: 'mail-received' },
    ...delivery,
    payload: { $ref: messageReceivedEventSchema.$id },
  },
} as const;
/** The payload is AgentMail's message.received event with the sender normalised to one `from` string. */
export type MailReceived = Omit<
  FromSchema<typeof MailReceived, { references: [typeof messageReceivedEventSchema] }>,
  'payload'
> & {
  payload: MessageReceivedEvent;
};

/** Every other AgentMail event (delivery, bounce, spam-flagged mail, unknown types): kept for processors and ops. */
export const MailEvent = {
  $id: 'cs.mail-event',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'kind', 'svixId', 'eventId', 'eventType', 'receivedAt', 'payload'],
  properties: {
    type: { const: 'mail-event' },
    kind: { type: 'string', enum: ['received', 'other', 'unknown'] },
    ...delivery,
    payload: { $ref: agentmailEnvelopeSchema.$id },
  },
} as const;
export type MailEvent = Omit<
  FromSchema<typeof MailEvent, { references: [typeof agentmailEnvelopeSchema] }>,
  'payload'
> & {
  payload: AgentmailEnvelope;
};

/** Schemas the mail messages refer to by $id; the codec registers them before compiling. */
export const mailReferencedSchemas = [messageReceivedEventSchema, agentmailEnvelopeSchema];
