// Scoring of an evaluation run: accuracy per label, confusion tables, the worst misses and the issue #13 targets; pure, no I/O.
import { TEMPLATE_LANGUAGES } from '../../../actors/answering/drafting/reply-templates.ts';

export const KINDS = ['answerable', 'unclear', 'needs_person', 'machine'] as const;
export type Kind = (typeof KINDS)[number];
/** The languages mail is labelled in: those the responder has templates for, so a new one is labelled at once. */
export const SUPPORTED_LANGUAGES = TEMPLATE_LANGUAGES;
export const NEEDS_PERSON_REASONS = [
  'chargeback',
  'legal',
  'human_requested',
  'partnership',
  'cancellation',
  'refund_over_limit',
  'outage',
  'anger',
  'policy',
] as const;
export const MACHINE_KINDS = [
  'calendar',
  'read_receipt',
  'ticket_ack',
  'newsletter',
  'auto_reply',
  'bounce',
  'notification',
] as const;

/** What happened to one email: a reply went out, it was held for a person, or a filter refused it. */
export const Outcome = { answered: 'answered', held: 'held', filtered: 'filtered' } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export interface Expected {
  readonly kind: Kind;
  readonly specialization?: string | undefined;
  readonly language: string;
  readonly needs_person_reason?: string | undefined;
  readonly machine_kind?: string | undefined;
  readonly expected_topic?: string | undefined;
}

export interface ObservedReply {
  /** The language the reply text is written in (reply-language.ts), not what the draft claims. */
  readonly language: string;
  readonly grounded: boolean;
  readonly asksQuestion: boolean;
  /** Knowledge-base article of the best passage the reply used. */
  readonly topDoc?: string | undefined;
  /** Names of other companies the reply text contains. */
  readonly foreignNames: readonly string[];
}

export interface Observed {
  readonly outcome: Outcome;
  /** Why it was held or filtered (a needs-human reason, the responder's escalation reason, a filter reason). */
  readonly why?: string | undefined;
  readonly specialization: string;
  readonly language: string;
  readonly reply?: ObservedReply | undefined;
}

export interface EvalResult {
  readonly id: string;
  readonly business: string;
  readonly expected: Expected;
  readonly observed: Observed;
}

/**
 * A reply that asks the customer something without answering from the knowledge base: it cites no passage. (The
 * responder marks such a reply grounded, since it states no facts; an ungrounded draft is never sent.)
 */
export function isClarifyingQuestion(o: Observed): boolean {
  return (
    o.outcome === Outcome.answered &&
    o.reply !== undefined &&
    o.reply.topDoc === undefined &&
    o.reply.asksQuestion
  );
}

/** What the run's outcome says the mail was: a clarifying question is "unclear". */
export function predictedKind(o: Observed): Kind {
  switch (o.outcome) {
    case Outcome.filtered:
      return 'machine';
    case Outcome.held:
      return 'needs_person';
    case Outcome.answered:
      return isClarifyingQuestion(o) ? 'unclear' : 'answerable';
    default: {
      const never: never = o.outcome;
      throw new Error(`unknown outcome ${String(never)}`);
    }
  }
}

export interface Ratio {
  readonly hits: number;
  readonly total: number;
}

export const ratio = (hits: number, total: number): Ratio => ({ hits, total });
export const percent = (r: Ratio): number => (r.total === 0 ? 100 : (100 * r.hits) / r.total);

/** expected -> got -> count. */
export type Confusion = Record<string, Record<string, number>>;

export function confusion(pairs: readonly (readonly [expected: string, got: string])[]): Confusion {
  const table: Confusion = {};
  for (const [e, g] of pairs) {
    const row = (table[e] ??= {});
    row[g] = (row[g] ?? 0) + 1;
  }
  return table;
}

function agreement(pairs: readonly (readonly [string, string])[]): Ratio {
  return ratio(pairs.filter(([e, g]) => e === g).length, pairs.length);
}

/** A target of issue #13: the measured value, the bound and whether it holds. */
export interface Target {
  readonly name: string;
  readonly value: number;
  readonly unit: '%' | 'count';
  readonly bound: number;
  readonly atMost: boolean;
  readonly met: boolean;
  readonly detail: string;
}

function target(
  name: string,
  value: number,
  unit: Target['unit'],
  bound: number,
  atMost: boolean,
  detail: string,
): Target {
  return { name, value, unit, bound, atMost, met: atMost ? value <= bound : value >= bound, detail };
}

export interface Miss {
  readonly id: string;
  readonly severity: number;
  readonly what: string;
  readonly expected: string;
  readonly got: string;
}

const describeExpected = (e: Expected): string =>
  [e.kind, e.needs_person_reason ?? e.machine_kind, e.specialization, e.language, e.expected_topic]
    .filter((x) => x !== undefined)
    .join(' ');

const describeObserved = (o: Observed): string =>
  [
    o.outcome,
    o.why,
    o.specialization,
    o.language,
    o.reply ? `reply:${o.reply.language}` : undefined,
    o.reply?.topDoc,
    o.reply && o.reply.foreignNames.length > 0 ? `names:${o.reply.foreignNames.join('+')}` : undefined,
  ]
    .filter((x) => x !== undefined)
    .join(' ');

/** Every way one result falls short, most serious first (a wrong specialization on top of a wrong outcome is listed once more). */
export function missesOf(r: EvalResult): Miss[] {
  const { expected: e, observed: o } = r;
  const out: [number, string][] = [];
  const answered = o.outcome === Outcome.answered;
  if (e.kind === 'machine' && answered) out.push([6, 'answered machine mail']);
  if (e.kind === 'needs_person' && answered) out.push([6, 'answered mail that needs a person']);
  if (e.kind === 'needs_person' && o.outcome === Outcome.filtered)
    out.push([5, 'filtered mail that needs a person']);
  if (answered && o.reply && o.reply.foreignNames.length > 0) out.push([4, 'named another company']);
  if (answered && o.reply && o.reply.language !== e.language) out.push([4, 'reply in the wrong language']);
  if (e.kind === 'answerable' && !answered) out.push([3, `answerable mail ${o.outcome}`]);
  if (e.kind === 'unclear' && !isClarifyingQuestion(o))
    out.push([2, 'unclear mail got no clarifying question']);
  if (e.kind === 'machine' && o.outcome === Outcome.held) out.push([1, 'machine mail held for a person']);
  if (e.specialization !== undefined && o.specialization !== e.specialization)
    out.push([1, 'wrong specialization']);
  if (
    e.kind === 'answerable' &&
    answered &&
    e.expected_topic !== undefined &&
    o.reply?.topDoc !== e.expected_topic
  )
    out.push([1, 'answered from another article']);
  return out.map(([severity, what]) => ({
    id: r.id,
    severity,
    what,
    expected: describeExpected(e),
    got: describeObserved(o),
  }));
}

export interface Report {
  readonly count: number;
  readonly byKind: Record<string, number>;
  readonly byLanguage: Record<string, number>;
  readonly accuracy: {
    readonly kind: Ratio;
    readonly specialization: Ratio;
    readonly language: Ratio;
    readonly replyLanguage: Ratio;
    readonly article: Ratio;
  };
  readonly confusion: {
    readonly kind: Confusion;
    readonly specialization: Confusion;
    readonly language: Confusion;
  };
  readonly targets: readonly Target[];
  readonly misses: readonly Miss[];
}

const countBy = (values: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};

export function score(results: readonly EvalResult[], worst = 25): Report {
  const kindPairs = results.map((r) => [r.expected.kind, predictedKind(r.observed)] as const);
  const specPairs = results.flatMap((r) =>
    r.expected.specialization === undefined
      ? []
      : [[r.expected.specialization, r.observed.specialization] as const],
  );
  const langPairs = results.map((r) => [r.expected.language, r.observed.language] as const);
  const replies = results.flatMap((r) => (r.observed.reply ? [{ r, reply: r.observed.reply }] : []));
  const of = (kind: Kind) => results.filter((r) => r.expected.kind === kind);
  const answered = (r: EvalResult) => r.observed.outcome === Outcome.answered;

  const machine = of('machine');
  const needsPerson = of('needs_person');
  const answerable = of('answerable');
  const unclear = of('unclear');
  const machineAnswered = machine.filter(answered).length;
  const held = needsPerson.filter((r) => r.observed.outcome === Outcome.held);
  const servedAnswerable = answerable.filter(answered).length;
  const clarified = unclear.filter((r) => isClarifyingQuestion(r.observed)).length;
  const served = ratio(servedAnswerable + clarified, answerable.length + unclear.length);
  const specialization = agreement(specPairs);
  const replyLanguage = ratio(
    replies.filter(({ r, reply }) => reply.language === r.expected.language).length,
    replies.length,
  );
  const named = replies.filter(({ reply }) => reply.foreignNames.length > 0).length;
  const withTopic = answerable.filter((r) => r.expected.expected_topic !== undefined && answered(r));

  const targets: Target[] = [
    target(
      'machine mail answered',
      machineAnswered,
      'count',
      0,
      true,
      `${machineAnswered} of ${machine.length}`,
    ),
    target(
      'needs-a-person mail held',
      percent(ratio(held.length, needsPerson.length)),
      '%',
      95,
      false,
      `${held.length} of ${needsPerson.length}; ${held.filter((r) => r.observed.why?.startsWith('needs-human')).length} by the needs-a-person check`,
    ),
    target(
      'answerable mail answered',
      percent(served),
      '%',
      90,
      false,
      `${servedAnswerable} of ${answerable.length} answerable, ${clarified} of ${unclear.length} unclear with a question`,
    ),
    target(
      'specialization right',
      percent(specialization),
      '%',
      90,
      false,
      `${specialization.hits} of ${specialization.total}`,
    ),
    target(
      'reply in the customer language',
      percent(replyLanguage),
      '%',
      100,
      false,
      `${replyLanguage.hits} of ${replyLanguage.total} replies`,
    ),
    target(
      'replies naming another company',
      named,
      'count',
      0,
      true,
      `${named} of ${replies.length} replies`,
    ),
  ];

  return {
    count: results.length,
    byKind: countBy(results.map((r) => r.expected.kind)),
    byLanguage: countBy(results.map((r) => r.expected.language)),
    accuracy: {
      kind: agreement(kindPairs),
      specialization,
      language: agreement(langPairs),
      replyLanguage,
      article: ratio(
        withTopic.filter((r) => r.observed.reply?.topDoc === r.expected.expected_topic).length,
        withTopic.length,
      ),
    },
    confusion: {
      kind: confusion(kindPairs),
      specialization: confusion(specPairs),
      language: confusion(langPairs),
    },
    targets,
    misses: results
      .flatMap(missesOf)
      .sort((a, b) => b.severity - a.severity || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, worst),
  };
}
