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
import {
  acceptSchema,
  acceptedSchema,
  decidedSchema,
  lookupReplySchema,
  lookupSchema,
  nackSchema,
  paxosErrorSchema,
  prepareAllSchema,
  prepareSchema,
  promiseAllSchema,
  promiseSchema,
  proposeSchema,
  type AcceptMsg,
  type AcceptedMsg,
  type DecidedMsg,
  type LookupMsg,
  type LookupReplyMsg,
  type NackMsg,
  type PrepareAllMsg,
  type PrepareMsg,
  type PromiseAllMsg,
  type PromiseMsg,
  type ProposeMsg,
  type ProposeReply,
} from '../schemas/paxos.ts';
import {
  GiveBack,
  GiveBackReply,
  HumanEscalation,
  WorkItem,
  workReferencedSchemas,
  type GiveBack as GiveBackT,
  type GiveBackReply as GiveBackReplyT,
  type HumanEscalation as HumanEscalationT,
  type WorkItem as WorkItemT,
} from '../schemas/work.ts';
import { registerSchemas } from '../schemas/codec.ts';
import { Subjects, type SubjectTemplate } from './subjects.ts';

registerSchemas(mailReferencedSchemas);
registerSchemas(workReferencedSchemas);
registerSchemas([
  decidedSchema,
  paxosErrorSchema,
  prepareSchema,
  prepareAllSchema,
  promiseSchema,
  promiseAllSchema,
  nackSchema,
  acceptedSchema,
  acceptSchema,
]);

/** Several message schemas on one subject, told apart by their `type`. */
const anyOf = (...schemas: { $id: string }[]) => ({ anyOf: schemas.map((s) => ({ $ref: s.$id })) });

/** What one event-loop turn produced for one destination, in one NATS message (actors/paxos-wire.ts). */
export type Batch<M> = { type: 'batch'; messages: M[] };
export type OneOrBatch<M> = M | Batch<M>;

/** Most messages a batch may carry: 1,024 accepts stay far below NATS's 1 MB payload limit. */
export const maxBatch = 1024;

/** Either one of `schemas`, or a batch of them. */
const oneOrBatch = (...schemas: { $id: string }[]) => ({
  anyOf: [
    ...anyOf(...schemas).anyOf,
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'messages'],
      properties: {
        type: { const: 'batch' },
        messages: { type: 'array', minItems: 1, maxItems: maxBatch, items: anyOf(...schemas) },
      },
    },
  ],
});

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
  // Paxos: any proposer answers a propose request (queue group); acceptors hear every prepare and accept.
  propose: contract<ProposeMsg, ProposeReply>()(
    'paxos-propose',
    Subjects.paxosPropose,
    proposeSchema,
    anyOf(decidedSchema, paxosErrorSchema),
  ),
  prepare: contract<OneOrBatch<PrepareMsg | PrepareAllMsg>>()(
    'paxos-prepare',
    Subjects.paxosPrepare,
    oneOrBatch(prepareSchema, prepareAllSchema),
  ),
  accept: contract<OneOrBatch<AcceptMsg>>()('paxos-accept', Subjects.paxosAccept, oneOrBatch(acceptSchema)),
  toProposer: contract<OneOrBatch<PromiseMsg | PromiseAllMsg | NackMsg | AcceptedMsg | DecidedMsg>>()(
    'paxos-to-proposer',
    Subjects.paxosToProposer,
    oneOrBatch(promiseSchema, promiseAllSchema, nackSchema, acceptedSchema, decidedSchema),
  ),
  toLearners: contract<OneOrBatch<AcceptedMsg | DecidedMsg>>()(
    'paxos-to-learners',
    Subjects.paxosAccepted,
    oneOrBatch(acceptedSchema, decidedSchema),
  ),
  lookup: contract<LookupMsg, LookupReplyMsg>()(
    'paxos-lookup',
    Subjects.paxosLookup,
    lookupSchema,
    lookupReplySchema,
  ),
  decision: contract<DecidedMsg>()('paxos-decision', Subjects.paxosDecided, decidedSchema),
  // Work for one agent (stream WORK) and mail only a person may answer (stream HUMAN).
  agentWork: contract<WorkItemT>()('agent-work', Subjects.agentWork, WorkItem),
  humanQueue: contract<HumanEscalationT>()('human-queue', Subjects.humanQueue, HumanEscalation),
  // A person hands a held thread back to the agents (request/reply, queue group of agents).
  giveBack: contract<GiveBackT, GiveBackReplyT>()('give-back', Subjects.giveBack, GiveBack, GiveBackReply),
};
