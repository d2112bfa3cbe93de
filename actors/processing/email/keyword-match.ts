// Accent- and case-insensitive whole-word phrase counting for the keyword classifiers; no lexicons, no policy here.

/** Lower-case, strip diacritics, unify apostrophes: "Rückerstattung" and "ruckerstattung" match alike. */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’‘`´]/g, "'");
}

/** A phrase with weight; a trailing '*' in the phrase matches any word ending ("refund*" -> refunds, refunded). */
export type Weighted = readonly [phrase: string, weight: number];

export interface CompiledPhrase {
  readonly phrase: string;
  readonly weight: number;
  readonly re: RegExp;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compilePhrase(phrase: string, weight: number): CompiledPhrase {
  const prefix = phrase.endsWith('*');
  const body = normalize(prefix ? phrase.slice(0, -1) : phrase)
    .trim()
    .split(/\s+/)
    .map(escape)
    .join('\\s+');
  const tail = prefix ? '[\\p{L}\\p{N}]*' : '';
  return { phrase, weight, re: new RegExp(`(?<![\\p{L}\\p{N}])${body}${tail}(?![\\p{L}\\p{N}])`, 'gu') };
}

export function compileAll(list: readonly Weighted[]): CompiledPhrase[] {
  return list.map(([p, w]) => compilePhrase(p, w));
}

export interface PhraseHit {
  phrase: string;
  count: number;
  weight: number;
}

// Repeating a word five times should not outvote a different word said once: counts are capped.
const MAX_COUNT_PER_PHRASE = 2;

/** Sum of weight x (capped) occurrences over already-normalized text, and which phrases hit. */
export function scorePhrases(
  normalized: string,
  phrases: readonly CompiledPhrase[],
): { score: number; hits: PhraseHit[] } {
  let score = 0;
  const hits: PhraseHit[] = [];
  for (const p of phrases) {
    p.re.lastIndex = 0;
    let count = 0;
    while (count < MAX_COUNT_PER_PHRASE && p.re.exec(normalized) !== null) count++;
    if (count > 0) {
      score += count * p.weight;
      hits.push({ phrase: p.phrase, count, weight: p.weight });
    }
  }
  return { score, hits };
}

export function anyPhrase(normalized: string, phrases: readonly CompiledPhrase[]): string | undefined {
  for (const p of phrases) {
    p.re.lastIndex = 0;
    if (p.re.test(normalized)) return p.phrase;
  }
  return undefined;
}
