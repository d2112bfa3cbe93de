// The built-in responder: a polite reply composed from the best-matching knowledge-base sentences; pure and deterministic, never invents.
import type { ReplyDraft, ReplyPassage, ReplyRequest } from '../../../schemas/reply.ts';
import type { KnowledgeBase, SearchHit } from './knowledge-base.ts';
import { noticeText, templateLanguage, templatesFor, toHtml } from './reply-templates.ts';
import { terms } from './text-analysis.ts';

/** Bump when the wording or the selection rules change, so audit records say which rules wrote a draft. */
export const BUILTIN_RESPONDER_VERSION = 'builtin-1';

export const EscalationReason = {
  noKbMatch: 'no-kb-match',
  needsHuman: 'classified-needs-human',
} as const;

export interface BuiltinOptions {
  /** Shown in the greeting line and the sign-off. */
  readonly brand: string;
  /** Below this BM25 score the best passage is not trusted. */
  readonly minScore: number;
  /** Share of the query's weight the best passage must match (see SearchHit.coverage). */
  readonly minCoverage: number;
  /** Long emails dilute coverage: a passage matching this many distinct terms with at least strongScore is trusted anyway. */
  readonly manyTerms: number;
  readonly strongScore: number;
  readonly maxPassages: number;
  readonly maxSentences: number;
}

export const DEFAULT_BUILTIN_OPTIONS: BuiltinOptions = {
  brand: 'Acme Cloud',
  minScore: 2.5,
  minCoverage: 0.5,
  // Two distinctive terms at a strong score already pin the article ("download" + "invoice"); words the
  // knowledge base never uses ("accountant", "copy") only dilute coverage.
  manyTerms: 2,
  strongScore: 8,
  maxPassages: 3,
  maxSentences: 3,
};

/** Whether the best hit is strong enough to answer from; below it we escalate instead of guessing. */
export function isConfident(
  hit: SearchHit | undefined,
  options: BuiltinOptions = DEFAULT_BUILTIN_OPTIONS,
): boolean {
  if (!hit || hit.score < options.minScore) return false;
  if (hit.coverage >= options.minCoverage) return true;
  return hit.matchedTerms.length >= options.manyTerms && hit.score >= options.strongScore;
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
 * Retrieval for a request: the email alone first. A follow-up like "it still does not work" matches
 * nothing by itself, so then the thread's earlier messages are tried, newest first, each on its own
 * (mixed into one query their words would dilute each other's coverage).
 */
export function retrieve(kb: KnowledgeBase, request: ReplyRequest, options: BuiltinOptions): SearchHit[] {
  const k = Math.max(options.maxPassages, 5);
  const hits = kb.search(queryOf(request), k);
  if (isConfident(hits[0], options)) return hits;
  for (const message of [...request.history].reverse()) {
    const earlier = kb.search(`${cleanSubject(request.email.subject)}\n${message.text}`, k);
    if (isConfident(earlier[0], options)) return earlier;
  }
  return hits;
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

/**
 * The sentences that answer: the best section whole when it is short (a section is one coherent answer,
 * and its key fact may sit in a sentence that shares no word with the question), else its best-matching
 * sentences in their original order; then the best sentence of up to two close runner-up sections: of a
 * near tie always, of a lesser one only if it covers a question word the best section did not.
 */
export function selectSentences(
  kb: KnowledgeBase,
  query: string,
  hits: readonly SearchHit[],
  max: number,
): string[] {
  const [best, ...others] = hits;
  if (!best) return [];
  const queryTerms = new Set(terms(query));
  const own = scoreSentences(kb, queryTerms, best);
  const chosen =
    own.length <= max + 1
      ? own
      : [...own]
          .sort((a, b) => b.weight - a.weight || a.position - b.position)
          .slice(0, max)
          .sort((a, b) => a.position - b.position);
  const covered = new Set(chosen.flatMap((c) => [...c.matched]));
  const extra: string[] = [];
  for (const hit of others) {
    if (hit.score < best.score * 0.75 || extra.length >= 2) continue;
    // A near tie is a second answer in its own right; a mere runner-up must add a question word.
    const nearTie = hit.score >= best.score * 0.9;
    const pick = scoreSentences(kb, queryTerms, hit)
      .filter((c) => c.weight > 0 && (nearTie || [...c.matched].some((t) => !covered.has(t))))
      .sort((a, b) => b.weight - a.weight || a.position - b.position)[0];
    if (!pick) continue;
    for (const t of pick.matched) covered.add(t);
    extra.push(pick.text);
  }
  return [...chosen.map((c) => c.text), ...extra];
}

/** Writes the draft for one request. Same knowledge base, request and options: same draft, byte for byte. */
export function builtinReply(
  kb: KnowledgeBase,
  request: ReplyRequest,
  options: BuiltinOptions = DEFAULT_BUILTIN_OPTIONS,
): ReplyDraft {
  const language = templateLanguage(request.email.language);
  const t = templatesFor(language);
  const hits = retrieve(kb, request, options);
  const confident = isConfident(hits[0], options);
  const subject = cleanSubject(request.email.subject);
  const greeting = t.greeting(greetingName(request.email.senderName));
  const thanks = t.thanks(subject || undefined);

  if (!confident) {
    const text = noticeText(
      language,
      'noAnswer',
      greetingName(request.email.senderName),
      subject || undefined,
      options.brand,
    );
    return {
      text,
      html: toHtml(text),
      language,
      grounded: false,
      escalate: true,
      escalateReason: EscalationReason.noKbMatch,
      passages: toPassages(hits.slice(0, options.maxPassages)),
      responder: { kind: 'builtin', version: BUILTIN_RESPONDER_VERSION },
    };
  }

  const top = hits[0]?.score ?? 0;
  const used = hits.filter((h) => h.score >= top / 2).slice(0, options.maxPassages);
  const answer = selectSentences(kb, queryOf(request), used, options.maxSentences);
  const articles = [...new Set(used.filter((h) => h.score >= top * 0.75).map((h) => h.passage.title))];
  const body = [
    t.englishNote ?? t.answerLead,
    '',
    answer.join(' '),
    '',
    `${t.moreDetails(articles)} ${t.replyIfUnsolved}`,
  ];
  if (request.classification.needsHuman) body.push('', t.needsHuman);
  const text = [greeting, '', thanks, '', ...body, '', t.signoff(options.brand)].join('\n');
  return {
    text,
    html: toHtml(text),
    language,
    grounded: true,
    escalate: request.classification.needsHuman,
    ...(request.classification.needsHuman ? { escalateReason: EscalationReason.needsHuman } : {}),
    passages: toPassages(used),
    responder: { kind: 'builtin', version: BUILTIN_RESPONDER_VERSION },
  };
}
