// Subject names, defined once: nothing else in the tree spells a subject. Ids never go raw into a token.

/** Encodes an id (thread id, message id, inbox address) as one subject token: base64url, so `.`, `*`, `>` and spaces cannot leak. */
export function token(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function untoken(tok: string): string {
  return Buffer.from(tok, 'base64url').toString('utf8');
}

/**
 * Subject templates. `{name}` is one token filled by `subjectOf` (encoded unless the caller passes an
 * already-safe actor id); a template with no placeholder is a fixed subject.
 */
export const Subjects = {
  // Durable mail from the gateway (stream MAIL).
  mailReceived: 'cs.mail.received.{inbox}',
  mailOther: 'cs.mail.event.{eventType}',
  mailUnknown: 'cs.mail.unknown',
  // Durable work for one agent (stream WORK), the human queue (stream HUMAN), dead letters (stream DEADLETTER).
  agentWork: 'cs.agent.{agentId}.work',
  humanQueue: 'cs.human.queue.{inbox}',
  deadLetter: 'cs.dlq.{source}',
  // Paxos over core NATS.
  paxosPropose: 'cs.paxos.propose',
  paxosPrepare: 'cs.paxos.prepare',
  paxosAccept: 'cs.paxos.accept',
  paxosToProposer: 'cs.paxos.proposer.{proposerId}',
  paxosAccepted: 'cs.paxos.accepted',
  paxosLookup: 'cs.paxos.lookup',
  // Durable decisions (stream DECISIONS), one subject per instance.
  paxosDecided: 'cs.paxos.decided.{instance}',
  // Ops.
  heartbeat: 'cs.heartbeat.{kind}.{actorId}',
  control: 'cs.control.{actorId}',
  // Four tokens, so no actor's control subject (three) can be it; one agent of the queue group answers.
  giveBack: 'cs.control.thread.give-back',
  events: 'cs.events.{kind}',
  invalid: 'cs.events.invalid',
} as const;

export type SubjectTemplate = (typeof Subjects)[keyof typeof Subjects];

type ParamNames<T extends string> = T extends `${string}{${infer P}}${infer Rest}`
  ? P | ParamNames<Rest>
  : never;
export type SubjectParams<T extends string> = [ParamNames<T>] extends [never]
  ? Record<string, never>
  : Record<ParamNames<T>, string>;

/** Parameters that carry outside ids (addresses, thread ids, instance ids): always encoded, so two ids never share a token. */
const encodedParams = new Set(['inbox', 'instance']);
/** Every other parameter is one of our own ids (actor ids, kinds, event types) and must already be subject-safe. */
const safeToken = /^[A-Za-z0-9_-]+$/;

export function subjectOf<T extends string>(template: T, params: SubjectParams<T>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = (params as Record<string, string>)[name];
    if (v === undefined) throw new Error(`subject ${template}: missing ${name}`);
    if (v === '*' || v === '>') return v;
    if (encodedParams.has(name)) return token(v);
    if (!safeToken.test(v))
      throw new Error(`subject ${template}: ${name} ${JSON.stringify(v)} is not a subject-safe id`);
    return v;
  });
}

/** The wildcard that matches every subject of a template. */
export function patternOf(template: string): string {
  return template.replace(/\{\w+\}/g, '*');
}
