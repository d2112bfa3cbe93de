// Contracts: each subject declared once with the schema of what travels on it (and of the reply, for requests).
import {
  ActorEvent,
  Control,
  ControlReply,
  DeadLetter,
  Heartbeat,
  InvalidMessage,
  type ActorEvent as ActorEventT,
  type Control as ControlT,
  type ControlReply as ControlReplyT,
  type DeadLetter as DeadLetterT,
  type Heartbeat as HeartbeatT,
  type InvalidMessage as InvalidMessageT,
} from '../schemas/bus.ts';
import {
  MailEvent,
  MailReceived,
  mailReferencedSchemas,
  type MailEvent as MailEventT,
  type MailReceived as MailReceivedT,
} from '../schemas/mail.ts';
import { registerSchemas } from './codec.ts';
import { Subjects, type SubjectTemplate } from './subjects.ts';

registerSchemas(mailReferencedSchemas);

/** `Body` and `Reply` are phantom: the types derived from `schema` and `replySchema` (FromSchema), carried for callers. */
export interface Contract<T extends SubjectTemplate = SubjectTemplate, Body = unknown, Reply = never> {
  readonly name: string;
  readonly subject: T;
  readonly schema: object;
  readonly replySchema: object | undefined;
  /** Never set: only carries the types. */
  readonly _types?: { body: Body; reply: Reply };
}

/** Any contract, whatever its body and reply types. */
export type AnyContract = Contract<SubjectTemplate, unknown, unknown>;

export type BodyOf<C> = C extends Contract<SubjectTemplate, infer B, unknown> ? B : never;
export type ReplyOf<C> = C extends Contract<SubjectTemplate, unknown, infer R> ? R : never;

export function contract<Body, Reply = never>() {
  return <T extends SubjectTemplate>(
    name: string,
    subject: T,
    schema: object,
    replySchema?: object,
  ): Contract<T, Body, Reply> => ({
    name,
    subject,
    schema,
    replySchema,
  });
}

export const contracts = {
  heartbeat: contract<HeartbeatT>()('heartbeat', Subjects.heartbeat, Heartbeat),
  control: contract<ControlT, ControlReplyT>()('control', Subjects.control, Control, ControlReply),
  events: contract<ActorEventT>()('events', Subjects.events, ActorEvent),
  invalid: contract<InvalidMessageT>()('invalid', Subjects.invalid, InvalidMessage),
  deadLetter: contract<DeadLetterT>()('dead-letter', Subjects.deadLetter, DeadLetter),
  mailReceived: contract<MailReceivedT>()('mail-received', Subjects.mailReceived, MailReceived),
  mailOther: contract<MailEventT>()('mail-event', Subjects.mailOther, MailEvent),
  mailUnknown: contract<MailEventT>()('mail-unknown', Subjects.mailUnknown, MailEvent),
};
