// How the ops tool shows events: one readable line each, filters, and one email's timeline. Pure.
import { ActorKind, EventNames, type ActorEvent, type InvalidMessage } from '../../schemas/bus.ts';

/** What `watch` was asked to show; an unset field matches everything. */
export interface EventFilter {
  threadId?: string;
  actorId?: string;
  /** An event name (`reply.sent`), its area (`reply`), or an actor kind (`agent`). */
  kind?: string;
}

/** Whether `--kind` names something that can ever match: an event of the catalogue, its area, or an actor kind. */
export function knownKind(kind: string): boolean {
  return (
    (ActorKind as readonly string[]).includes(kind) ||
    EventNames.some((e) => e === kind || e.startsWith(`${kind}.`))
  );
}

export function matchesFilter(e: ActorEvent, f: EventFilter): boolean {
  if (f.threadId !== undefined && e.threadId !== f.threadId) return false;
  if (f.actorId !== undefined && e.actorId !== f.actorId) return false;
  if (f.kind === undefined) return true;
  return e.event === f.kind || e.event.startsWith(`${f.kind}.`) || e.kind === f.kind;
}

const ansi = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90 } as const;
type Colour = keyof typeof ansi;

/** Failures red, answers green, people yellow, consensus cyan, actors' lives magenta, the rest plain. */
function colourOf(event: string): Colour | undefined {
  if (/(failed|violation|invalid|denied|dead-letter|rejected)/.test(event)) return 'red';
  if (/^reply\.(sent|dry-run|already-done)$/.test(event)) return 'green';
  if (/^(escalation|mail\.held|conversation\.given-back)/.test(event)) return 'yellow';
  if (/^(paxos|owner|acceptor)\./.test(event)) return 'cyan';
  if (event.startsWith('actor.') || event === 'conversation.reassigned') return 'magenta';
  return undefined;
}

const paint = (on: boolean, colour: Colour | undefined, text: string) =>
  on && colour ? `\u001b[${ansi[colour]}m${text}\u001b[0m` : text;

/** A value as one short token: plain strings bare, strings with spaces or quotes and everything else as JSON, cut at `max` characters. */
function short(v: unknown, max = 80): string {
  const s = typeof v === 'string' && /^[^\s"]*$/.test(v) ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const clock = (iso: string) => iso.slice(11, 23);

/** `21:44:03.123 agent     agent-2      reply.sent  msg=<…> thread=thd_1 agentId=agent-2 …` */
export function eventLine(e: ActorEvent, colour: boolean): string {
  const ids = [
    e.messageId !== undefined ? `msg=${short(e.messageId)}` : '',
    e.threadId !== undefined ? `thread=${short(e.threadId)}` : '',
  ];
  const data = Object.entries(e.data ?? {})
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${short(v)}`);
  return [
    paint(colour, 'grey', clock(e.at)),
    e.kind.padEnd(9),
    e.actorId.padEnd(14),
    paint(colour, colourOf(e.event), e.event.padEnd(22)),
    ...ids,
    ...data,
  ]
    .filter((s) => s !== '')
    .join(' ');
}

/** A message that failed its schema, in the same layout as an event line. */
export function invalidLine(m: InvalidMessage, colour: boolean): string {
  return [
    paint(colour, 'grey', clock(m.at)),
    'invalid'.padEnd(9),
    m.actorId.padEnd(14),
    paint(colour, 'red', 'message.invalid'.padEnd(22)),
    `subject=${m.subject}`,
    `contract=${m.contract}`,
    `at=${m.instancePath ?? ''}`,
    `reason=${short(m.reason)}`,
  ].join(' ');
}

/** `90s`, `30m`, `2h`, `1d` (or plain seconds) in milliseconds; undefined when it is none of these. */
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's']!;
  const ms = Number(m[1]) * unit;
  return ms > 0 ? ms : undefined;
}

/** One owner of the thread, per epoch, as the assignments record holds it. */
export interface OwnerEntry {
  epoch: number;
  agentId: string | undefined;
  instance: string;
}

/** The durable record of the reply (the `replies` bucket), as far as a trace shows it. */
export interface ReplyFacts {
  status: string;
  agentId: string;
  epoch: number;
  idempotencyKey: string;
  updatedAt: string;
  sentMessageId?: string;
  /** Written to the dry-run outbox, not sent through AgentMail. */
  dryRun?: boolean;
}

export interface TraceInput {
  messageId: string;
  /** Every event of this message, and the thread-level ones (decisions, reassignments) of its thread. */
  events: ActorEvent[];
  owners: OwnerEntry[];
  reply: ReplyFacts | undefined;
}

const ms = (a: string, b: string) => Date.parse(b) - Date.parse(a);

function firstOf(events: ActorEvent[], names: RegExp): ActorEvent | undefined {
  return events.find((e) => names.test(e.event));
}

/** The milestones of one email: when it came in, when its owner was known, when it was answered or handed over. */
export function traceTimings(events: ActorEvent[]): { name: string; ms: number }[] {
  const start = events[0];
  if (!start) return [];
  const out: { name: string; ms: number }[] = [];
  const routed = firstOf(events, /^mail\.(routed|held)$/);
  const done = firstOf(events, /^(reply\.(sent|dry-run)|escalation\.queued|mail\.not-answered)$/);
  if (routed) out.push({ name: `to ${routed.event}`, ms: ms(start.at, routed.at) });
  if (done) out.push({ name: `to ${done.event}`, ms: ms(start.at, done.at) });
  return out;
}

/** One email's whole history as the operator reads it: ids, every event with its offset, owners, the reply record. */
export function renderTrace(t: TraceInput, colour: boolean): string {
  const events = [...t.events].sort((a, b) => a.at.localeCompare(b.at));
  const first = events[0];
  const threadId = events.find((e) => e.threadId !== undefined)?.threadId;
  const lines = [`message ${t.messageId}${threadId !== undefined ? `  thread ${threadId}` : ''}`];
  if (!first) lines.push('  no events found for it (older than --since, or never received)');
  for (const e of events) {
    lines.push(`  ${`+${ms(first!.at, e.at)} ms`.padStart(10)}  ${eventLine(e, colour)}`);
  }
  if (t.owners.length) {
    lines.push('owners:');
    for (const o of t.owners)
      lines.push(`  epoch ${o.epoch}  ${o.agentId ?? '(none decided)'}  ${o.instance}`);
  }
  const r = t.reply;
  lines.push(
    r
      ? `reply record: ${r.status}${r.dryRun ? ' (dry run: to the outbox, not AgentMail)' : ''} by ${r.agentId} (epoch ${r.epoch}) at ${r.updatedAt}, idempotency key ${r.idempotencyKey}` +
          (r.sentMessageId ? `, sent as ${r.sentMessageId}` : '')
      : 'reply record: none',
  );
  const timings = traceTimings(events);
  if (timings.length) lines.push(`timings: ${timings.map((x) => `${x.name} ${x.ms} ms`).join(', ')}`);
  return lines.join('\n');
}
