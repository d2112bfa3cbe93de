// Keyword classifier: specialization, topic, priority, language, needs-human for one email; pure, used when no model is configured.
import type { ParsedEmail } from './parsed-email.ts';
import { compilePhrase, normalize, scorePhrases } from './keyword-match.ts';
import type { CompiledPhrase } from './keyword-match.ts';
import { contentWords, detectLanguage } from './language.ts';
import { assessNeedsHuman } from './needs-human.ts';
import type { NeedsHumanOptions } from './needs-human.ts';
import { scorePriority } from './priority.ts';
import type { PriorityOptions } from './priority.ts';
import {
  DEFAULT_SPECIALIZATIONS,
  fallbackRoute,
  primaryRoute,
  specializationOf,
} from '../../../schemas/specializations.ts';
import type { SpecializationMap } from '../../../schemas/specializations.ts';
import { TOPIC_LEXICONS } from './topic-lexicons.ts';
import type { Classification, HumanReason } from '../../../schemas/email.ts';

export type { Classification } from '../../../schemas/email.ts';

export interface ClassifyOptions extends PriorityOptions, NeedsHumanOptions {
  specializations?: SpecializationMap;
}

// The subject is the customer's own summary of the problem: it counts more than any body line.
const SUBJECT_WEIGHT = 2.5;
// Below this total a guess is noise: route to the fallback instead.
const MIN_SCORE = 2;
// Weak words alone ("app", "item", "office") only count once they add up to this much.
const MIN_WEAK_ONLY_SCORE = 5;
// Mail with at least this many meaningful words (the sender's name aside) says what it is about, even when no
// lexicon knows its words: it goes to the primary desk, not to the fallback (measured on eval/sets/tune.jsonl).
const SUBSTANTIVE_WORDS = 5;
// Mail that asks for something (a thank-you or a compliment does not), in the languages we answer in.
const REQUEST =
  /(?<![\p{L}])(please|can you|could you|i need|we need|i want|i would like|i'd like|help|bitte|konnen sie|ich mochte|merci de|pourriez|je voudrais|por favor|podrian|quisiera|per favore|potete|vorrei|poderiam|gostaria|graag|kunt u|zou u)(?![\p{L}])|ください|お願いします/u;
// A reason a person must answer also says which desk: a partnership is business development, a chargeback, a
// cancellation or a big refund billing, an outage technical, a legal threat the customer desk (a legal letter
// has few topic words of its own, so without this it went to the fallback desk). Anger and a request for a person
// say nothing of the desk: the mail's own words decide. In this order: the most specific desk first.
const REASON_TOPICS: Readonly<Partial<Record<HumanReason, string>>> = {
  partnership: 'enterprise',
  chargeback: 'billing',
  cancellation: 'billing',
  refund_over_limit: 'billing',
  outage: 'technical',
  legal_threat: 'customer',
};
// Only the first part of a long body is read: the request is near the top, and cost stays bounded.
const MAX_CLASSIFY_CHARS = 20_000;

function compileLexicon(list: readonly (readonly [string, number])[]): CompiledPhrase[] {
  const seen = new Set<string>();
  const out: CompiledPhrase[] = [];
  for (const [phrase, weight] of list) {
    const key = normalize(phrase);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(compilePhrase(phrase, weight));
  }
  return out;
}

const DEFAULT_COMPILED: ReadonlyMap<string, CompiledPhrase[]> = new Map(
  Object.entries(TOPIC_LEXICONS).map(([topic, list]) => [topic, compileLexicon(list)]),
);

// A custom topic with no lexicon is recognised by its own name ("returns" -> "return", "returns", ...).
function lexiconFor(topic: string): CompiledPhrase[] {
  const known = DEFAULT_COMPILED.get(topic);
  if (known !== undefined) return known;
  if (topic === 'fallback') return [];
  const word = topic.replace(/[-_]+/g, ' ').trim();
  const stem = word.length > 4 && word.endsWith('s') ? word.slice(0, -1) : word;
  return [compilePhrase(`${stem}*`, 3)];
}

const compiledByMap = new WeakMap<SpecializationMap, Map<string, CompiledPhrase[]>>();
function compiledTopics(map: SpecializationMap): Map<string, CompiledPhrase[]> {
  let c = compiledByMap.get(map);
  if (c === undefined) {
    c = new Map();
    for (const topics of Object.values(map)) for (const t of topics) c.set(t, lexiconFor(t));
    compiledByMap.set(map, c);
  }
  return c;
}

export function stripSubjectPrefixes(subject: string): string {
  return subject.replace(/^\s*((re|aw|fw|fwd|wg|tr|rv|sv)\s*(\[\d+\])?\s*:\s*)+/i, '').trim();
}

export interface TopicScores {
  topics: Record<string, number>;
  specializations: Record<string, number>;
  /** Topics matched by at least one keyword of weight 2 or more. */
  strong: Set<string>;
}

export function scoreTopics(subject: string, body: string, map: SpecializationMap): TopicScores {
  const s = normalize(subject);
  const b = normalize(body.slice(0, MAX_CLASSIFY_CHARS));
  const compiled = compiledTopics(map);
  const topics: Record<string, number> = {};
  const specializations: Record<string, number> = {};
  const strong = new Set<string>();
  for (const [spec, list] of Object.entries(map)) {
    let total = 0;
    for (const topic of list) {
      const lex = compiled.get(topic) ?? [];
      const inSubject = scorePhrases(s, lex);
      const inBody = scorePhrases(b, lex);
      const score = SUBJECT_WEIGHT * inSubject.score + inBody.score;
      if ([...inSubject.hits, ...inBody.hits].some((h) => h.weight >= 2)) strong.add(topic);
      topics[topic] = score;
      total += score;
    }
    specializations[spec] = total;
  }
  return { topics, specializations, strong };
}

function best(scores: Record<string, number>, among?: readonly string[]): [string, number] | undefined {
  let top: [string, number] | undefined;
  for (const [k, v] of Object.entries(scores)) {
    if (among !== undefined && !among.includes(k)) continue;
    if (top === undefined || v > top[1]) top = [k, v];
  }
  return top;
}

function asksSomething(subject: string, body: string): boolean {
  return /[?？]/.test(`${subject}\n${body}`) || REQUEST.test(normalize(body));
}

// Mail of one meaningful word that asks nothing ("order", "ça ne marche pas") names a topic but not what is wanted:
// it goes to the fallback desk, whose answer is the clarifying question. Two words ("Die Rechnung ist falsch") can
// already say what is wrong, so they keep their topic.
const TOO_LITTLE_WORDS = 1;
function saysTooLittle(email: ParsedEmail, subject: string, body: string): boolean {
  if (asksSomething(subject, body)) return false;
  const name = new Set(contentWords(email.sender.name));
  return new Set(contentWords(`${subject}\n${body}`).filter((w) => !name.has(w))).size <= TOO_LITTLE_WORDS;
}

/** Classifies by weighted keywords. Never throws on any input; unknown content goes to the fallback route. */
export function classifyByKeywords(email: ParsedEmail, opts: ClassifyOptions = {}): Classification {
  const map = opts.specializations ?? DEFAULT_SPECIALIZATIONS;
  const subject = stripSubjectPrefixes(email.subject.slice(0, 1000));
  const body = email.text.slice(0, MAX_CLASSIFY_CHARS);

  const { topics, specializations, strong } = scoreTopics(subject, body, map);
  const topSpec = best(specializations);
  const hasStrong = topSpec !== undefined && (map[topSpec[0]] ?? []).some((t) => strong.has(t));
  let specialization: string;
  let topic: string;
  let confidence: number;
  const human = assessNeedsHuman(subject, body, opts);
  const reasonTopic = (Object.keys(REASON_TOPICS) as HumanReason[])
    .filter((r) => human.humanReasons.includes(r))
    .map((r) => REASON_TOPICS[r])
    .find((t) => t !== undefined && specializationOf(map, t) !== undefined);
  if (reasonTopic !== undefined) {
    specialization = specializationOf(map, reasonTopic)!;
    topic = reasonTopic;
    confidence = 0.6;
  } else if (
    topSpec === undefined ||
    topSpec[1] < MIN_SCORE ||
    (!hasStrong && topSpec[1] < MIN_WEAK_ONLY_SCORE) ||
    saysTooLittle(email, subject, body)
  ) {
    const name = new Set(contentWords(email.sender.name));
    const said = new Set(contentWords(`${subject}\n${body}`).filter((w) => !name.has(w)));
    const primary = primaryRoute(map);
    const asks = asksSomething(subject, body) || human.needsHuman;
    ({ specialization, topic } =
      asks && said.size >= SUBSTANTIVE_WORDS && primary !== undefined ? primary : fallbackRoute(map));
    confidence = 0.2;
  } else {
    specialization = topSpec[0];
    const topTopic = best(topics, map[specialization]);
    topic = topTopic?.[0] ?? fallbackRoute(map).topic;
    const total = Object.values(specializations).reduce((a, v) => a + v, 0);
    const share = total > 0 ? topSpec[1] / total : 0;
    const strength = 1 - Math.exp(-topSpec[1] / 6);
    confidence = Math.min(0.99, Math.max(0.05, Math.round((0.5 * share + 0.5 * strength) * 100) / 100));
  }

  return {
    specialization,
    topic,
    priority: scorePriority(subject, body, email.sender.address, opts),
    language: detectLanguage(`${subject}\n${body}`),
    needsHuman: human.needsHuman,
    humanReasons: human.humanReasons,
    confidence,
    method: 'keywords',
  };
}
