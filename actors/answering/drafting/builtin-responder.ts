// The built-in responder: answers with the few knowledge-base sentences that answer the question, in the customer's
// language, asks one question when the mail says too little, escalates otherwise; pure and deterministic, never invents.
import type { ReplyDraft, ReplyPassage, ReplyRequest } from '../../../schemas/reply.ts';
import type { KnowledgeBase, SearchHit } from './knowledge-base.ts';
import {
  noticeText,
  signoffOf,
  templateLanguage,
  templatesFor,
  toHtml,
  type Signing,
  type TemplateLanguage,
} from './reply-templates.ts';
import { terms } from './text-analysis.ts';

/** Bump when the wording or the selection rules change, so audit records say which rules wrote a draft. */
export const BUILTIN_RESPONDER_VERSION = 'builtin-2';

export const EscalationReason = {
  noKbMatch: 'no-kb-match',
  needsHuman: 'classified-needs-human',
  /** The knowledge base says a person handles this topic. */
  kbPolicy: 'kb-policy',
  /** The answer exists only in another language than the customer's; `draft.language` records theirs. */
  noKbInLanguage: 'no-kb-in-language',
} as const;

export interface BuiltinOptions {
  /** Who signs (COMPANY_NAME, REPLY_SIGNATURE). */
  readonly signing: Signing;
  /**
   * The best passage is trusted when it matches at least `minTerms` distinct question words with at least this
   * strength (BM25 score in units of the knowledge base's rarest word, see SearchHit.strength), so one threshold
   * fits a 15-article knowledge base and a 500-article one.
   */
  readonly minStrength: number;
  readonly minTerms: number;
  readonly maxPassages: number;
  readonly maxSentences: number;
  /**
   * Mail the knowledge base cannot place, with at most this many words besides the sender's name, none or one of
   * them matching an article, and no specific question, gets a clarifying question.
   */
  readonly unclearTerms: number;
}

export const DEFAULT_BUILTIN_OPTIONS: BuiltinOptions = {
  signing: {},
  // Measured on the evaluation's tune split (eval/sets/tune.jsonl): answerable mail's best passage scores 1.1 and
  // up with two or more words; unclear mail's stays under 0.8 with one.
  minStrength: 1,
  minTerms: 2,
  maxPassages: 3,
  maxSentences: 3,
  unclearTerms: 6,
};

/** Whether the best hit is strong enough to answer from; below it we escalate instead of guessing. */
export function isConfident(
  hit: SearchHit | undefined,
  options: BuiltinOptions = DEFAULT_BUILTIN_OPTIONS,
): boolean {
  return (
    hit !== undefined && hit.strength >= options.minStrength && hit.matchedTerms.length >= options.minTerms
  );
}

/** Markdown of a passage as plain sentences: links keep their URL, code and emphasis marks go. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__|\*|_)(\S[^*_]*?\S|\S)\1/g, '$2')
    .replace(/^\s*(?:[-*+]|\d+\.)\s+/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Sentence split that keeps "99.9%", "v2.1" and URLs whole: a break needs whitespace and a capital or digit after it. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=["“(]?[\p{Lu}\d])/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function excerptOf(hit: SearchHit, max = 280): string {
  const text = plainText(hit.passage.text);
  return text.length <= max ? text : `${text.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
}

export function toPassages(hits: readonly SearchHit[]): ReplyPassage[] {
  return hits.map((h) => ({
    docId: h.passage.docId,
    title:
      h.passage.title === h.passage.heading ? h.passage.title : `${h.passage.title}: ${h.passage.heading}`,
    score: Math.round(h.score * 1000) / 1000,
    excerpt: excerptOf(h),
  }));
}

/** The retrieval query for a request: subject (without Re:/AW: prefixes) and new text. */
export function queryOf(request: ReplyRequest): string {
  return `${cleanSubject(request.email.subject)}\n${request.email.text}`;
}

export function cleanSubject(subject: string): string {
  return subject.replace(/^\s*((re|fw|fwd|aw|wg|tr|rv|sv)\s*:\s*)+/i, '').trim();
}

/** A display name safe to put in a greeting: letters and a few marks only, never an address or a sentence. */
export function greetingName(name: string | undefined): string | undefined {
  if (!name || name.includes('@')) return undefined;
  const clean = name
    .replace(/<[^>]*>/g, ' ')
    .replace(/[^\p{L}\p{M} .'-]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > 0 && clean.length <= 40 && clean.split(' ').length <= 4 ? clean : undefined;
}

/**
 * Retrieval for a request, in one language's articles (or all of them): the email alone first. A follow-up like
 * "it still does not work" matches nothing by itself, so then the thread's earlier messages are tried, newest
 * first, each on its own (mixed into one query their words would dilute each other's coverage).
 */
export function retrieve(
  kb: KnowledgeBase,
  request: ReplyRequest,
  options: BuiltinOptions,
  language?: string,
): SearchHit[] {
  const k = Math.max(options.maxPassages, 5);
  const subject = cleanSubject(request.email.subject);
  // The subject is usually the customer's own summary and counts twice; when that finds nothing sure (a subject
  // like "Order 0" over a password question), the body decides alone.
  const emphasised = kb.search(queryOf(request), k, language, subject);
  if (isConfident(emphasised[0], options)) return emphasised;
  const hits = kb.search(queryOf(request), k, language);
  if (isConfident(hits[0], options)) return hits;
  for (const message of [...request.history].reverse()) {
    const earlier = kb.search(`${subject}\n${message.text}`, k, language, subject);
    if (isConfident(earlier[0], options)) return earlier;
  }
  return hits;
}

/** What the built-in responder (and the model's grounding) will do with one request. */
export type ReplyPlan =
  | { kind: 'answer'; language: TemplateLanguage; hits: SearchHit[] }
  | { kind: 'clarify'; language: TemplateLanguage; hits: SearchHit[] }
  | { kind: 'escalate'; language: TemplateLanguage; reason: string; hits: SearchHit[] };

/**
 * The knowledge base says a person handles this: its rule is obeyed, never quoted. Either the best hit's article
 * has such a section among the hits, or such a section is itself a strong hit (half the best score, as many question
 * words as an answer needs): a warranty claim worded like a care question still ranks the warranty section close.
 */
function policyHit(hits: readonly SearchHit[], options: BuiltinOptions): boolean {
  const [best] = hits;
  if (!best) return false;
  return hits.some(
    (h) =>
      h.passage.personOnly &&
      h.score >= best.score * 0.5 &&
      (h.passage.docId === best.passage.docId || h.matchedTerms.length >= options.minTerms),
  );
}

/**
 * The plan: answer from the customer's language's articles when they answer; the knowledge base's policy when it
 * says a person handles the topic; escalate (recording the language) when only another language's article
 * answers; a clarifying question when the mail says too little to place; else escalate as unanswerable.
 */
export function planReply(kb: KnowledgeBase, request: ReplyRequest, options: BuiltinOptions): ReplyPlan {
  const language = templateLanguage(request.email.language);
  const own = kb.languages.has(language) ? retrieve(kb, request, options, language) : [];
  const all = isConfident(own[0], options) ? own : retrieve(kb, request, options);
  const hits = all.slice(0, options.maxPassages);
  if (isConfident(all[0], options)) {
    if (policyHit(all, options))
      return { kind: 'escalate', language, reason: EscalationReason.kbPolicy, hits };
    if (all[0]!.passage.language !== language)
      return { kind: 'escalate', language, reason: EscalationReason.noKbInLanguage, hits };
    return { kind: 'answer', language, hits: all };
  }
  const name = new Set(terms(request.email.senderName ?? ''));
  const said = new Set(terms(queryOf(request)).filter((t) => !name.has(t)));
  const placed = all[0]?.matchedTerms.length ?? 0;
  // A short question the knowledge base cannot answer ("Do you deliver pizza to Berlin?") is clear, just not ours
  // to answer: only mail that asks nothing specific gets the clarifying question.
  const asks = /[?？]/.test(queryOf(request)) && said.size > 2;
  if (said.size <= options.unclearTerms && placed <= 1 && !asks && request.history.length === 0)
    return { kind: 'clarify', language, hits };
  return { kind: 'escalate', language, reason: EscalationReason.noKbMatch, hits };
}

interface Scored {
  readonly text: string;
  readonly position: number;
  readonly weight: number;
  readonly matched: ReadonlySet<string>;
}

function scoreSentences(kb: KnowledgeBase, queryTerms: ReadonlySet<string>, hit: SearchHit): Scored[] {
  return sentences(plainText(hit.passage.text)).map((text, position) => {
    const matched = new Set([...new Set(terms(text))].filter((t) => queryTerms.has(t)));
    const weight = [...matched].reduce((sum, t) => sum + kb.idf(t), 0);
    return { text, position, weight, matched };
  });
}

/** The question's parts: its sentences that ask something (a "?" or a new line), at most four. */
export function questionParts(text: string): string[] {
  return text
    .split(/(?<=[?？])|\n+/)
    .map((s) => s.trim())
    .filter((s) => /[?？]/.test(s) && terms(s).length >= 2)
    .slice(0, 4);
}

/**
 * The sentences that answer, from one article: its best section whole when it is short (a section is one
 * coherent answer, and its key fact may sit in a sentence that shares no word with the question), else its
 * best-matching sentences in their order; then, from the same article's other sections and, only when the
 * question has several parts, from another article, the best sentence covering a question word not yet covered.
 */
export function selectSentences(
  kb: KnowledgeBase,
  query: string,
  hits: readonly SearchHit[],
  max: number,
  parts = 1,
): string[] {
  const [best, ...others] = hits;
  if (!best) return [];
  const queryTerms = new Set(terms(query));
  const own = scoreSentences(kb, queryTerms, best);
  const chosen =
    own.length <= max
      ? own
      : [...own]
          .sort((a, b) => b.weight - a.weight || a.position - b.position)
          .slice(0, max)
          .sort((a, b) => a.position - b.position);
  const covered = new Set(chosen.flatMap((c) => [...c.matched]));
  const docs = new Set([best.passage.docId]);
  const extra: string[] = [];
  for (const hit of others) {
    if (extra.length >= Math.max(1, parts) || hit.score < best.score * 0.5 || hit.passage.personOnly)
      continue;
    const sameDoc = docs.has(hit.passage.docId);
    if (!sameDoc && docs.size >= parts) continue;
    // A near tie in the same article is part of the same answer; anything else must add a question word.
    const nearTie = sameDoc && hit.score >= best.score * 0.8;
    const pick = scoreSentences(kb, queryTerms, hit)
      .filter((c) => c.weight > 0 && (nearTie || [...c.matched].some((t) => !covered.has(t))))
      .sort((a, b) => b.weight - a.weight || a.position - b.position)[0];
    if (!pick) continue;
    for (const t of pick.matched) covered.add(t);
    docs.add(hit.passage.docId);
    extra.push(pick.text);
  }
  return [...chosen.map((c) => c.text), ...extra];
}

function draftOf(
  text: string,
  language: TemplateLanguage,
  fields: Pick<ReplyDraft, 'grounded' | 'escalate'> & { escalateReason?: string },
  hits: readonly SearchHit[],
): ReplyDraft {
  return {
    text,
    html: toHtml(text),
    language,
    ...fields,
    passages: toPassages(hits),
    responder: { kind: 'builtin', version: BUILTIN_RESPONDER_VERSION },
  };
}

/** Writes the draft for one request. Same knowledge base, request and options: same draft, byte for byte. */
export function builtinReply(
  kb: KnowledgeBase,
  request: ReplyRequest,
  options: BuiltinOptions = DEFAULT_BUILTIN_OPTIONS,
): ReplyDraft {
  const plan = planReply(kb, request, options);
  const { language } = plan;
  const name = greetingName(request.email.senderName);
  switch (plan.kind) {
    case 'clarify':
      // States no facts, so it is grounded; it asks, it does not answer.
      return draftOf(
        noticeText(language, 'clarify', name, options.signing),
        language,
        { grounded: true, escalate: false },
        [],
      );
    case 'escalate':
      return draftOf(
        noticeText(language, 'noAnswer', name, options.signing),
        language,
        { grounded: false, escalate: true, escalateReason: plan.reason },
        plan.hits,
      );
    case 'answer': {
      const t = templatesFor(language);
      const top = plan.hits[0]?.score ?? 0;
      const used = plan.hits.filter((h) => h.score >= top / 2).slice(0, options.maxPassages);
      const parts = questionParts(request.email.text).length;
      const answer = selectSentences(kb, queryOf(request), used, options.maxSentences, parts);
      const needsHuman = request.classification.needsHuman;
      const body = [answer.join(' '), '', needsHuman ? t.needsHuman : t.replyIfUnsolved];
      const text = [t.greeting(name), '', ...body, '', signoffOf(language, options.signing)].join('\n');
      return draftOf(
        text,
        language,
        {
          grounded: true,
          escalate: needsHuman,
          ...(needsHuman ? { escalateReason: EscalationReason.needsHuman } : {}),
        },
        used,
      );
    }
    default: {
      const never: never = plan;
      return never;
    }
  }
}
