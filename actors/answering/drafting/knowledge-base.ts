// The knowledge base: Markdown split into passages by heading (per language: `<dir>/<lang>/` folders), and a BM25
// index over them; only loadKnowledgeBase touches the disk.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KnowledgeBaseError } from './reply-errors.ts';
import { terms } from './text-analysis.ts';

/** One searchable unit: a section of a Markdown document, under its heading. */
export interface Passage {
  /** `<docId>#<section-slug>`, stable across loads of the same files. */
  readonly id: string;
  readonly docId: string;
  /** The document's `#` title. */
  readonly title: string;
  /** The section's `##` heading (the title for the text before the first section). */
  readonly heading: string;
  /** The section's Markdown text, without its heading line. */
  readonly text: string;
  /** ISO 639-1 language of the article: its `<lang>/` folder, else the knowledge base's default. */
  readonly language: string;
  /** The section says its topic is handled by a person: a reply must escalate, never quote the rule. */
  readonly personOnly: boolean;
}

export interface SearchHit {
  readonly passage: Passage;
  readonly score: number;
  /** The score in units of this knowledge base's rarest word, so one threshold fits small and large ones. */
  readonly strength: number;
  readonly matchedTerms: readonly string[];
}

export interface KnowledgeBase {
  readonly passages: readonly Passage[];
  /**
   * Best `k` passages for the query, highest score first; passages that match nothing are never returned.
   * With `language`, only that language's articles are searched. Words of `emphasis` (an email's subject: the
   * customer's own summary) count twice.
   */
  search(query: string, k: number, language?: string, emphasis?: string): SearchHit[];
  /** Languages that have at least one article. */
  readonly languages: ReadonlySet<string>;
  /** Inverse document frequency of an already analysed term (0 for unknown terms). */
  idf(term: string): number;
  /** Email addresses the knowledge base itself publishes (company addresses a reply may cite). */
  readonly addresses: ReadonlySet<string>;
}

export interface Bm25Params {
  readonly k1: number;
  readonly b: number;
  /** How many times a section heading counts, so a passage titled "Refund policy" ranks for "refund". */
  readonly headingWeight: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75, headingWeight: 2 };

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '') || 'section'
  );
}

// How help articles say that a person, not an automatic answer, handles a topic, in the languages we answer in.
const PERSON_ONLY =
  /handled (?:only )?by (?:a person|a human|a member of (?:our|the) (?:support )?team|our (?:support )?team)|(?:never|not) answered automatically|automatic (?:replies|answers) never|von einer? (?:Person|Mitarbeiter(?:in)?) bearbeitet|nicht automatisch beantwortet|trait[ée]e?s? par une personne|jamais de r[ée]ponse automatique|gestionad[oa]s? por una persona|gestit[oa] da una persona|tratad[oa]s? por uma pessoa|door een (?:persoon|medewerker) (?:behandeld|afgehandeld)|担当者が(?:対応|確認)|自動(?:返信|応答)では(?:対応|回答)/i;

/** Whether a section says its topic is handled by a person (the knowledge base's own policy). */
export function saysPersonOnly(heading: string, text: string): boolean {
  return PERSON_ONLY.test(`${heading}\n${text}`);
}

/**
 * Splits one Markdown document into passages, one per `##`/`###` section (the lead under `#` only if there are
 * none). A section that says its topic is handled by a person is marked so.
 */
export function parseMarkdown(docId: string, markdown: string, language = DEFAULT_KB_LANGUAGE): Passage[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  let title = docId;
  const sections: { heading: string; body: string[] }[] = [];
  let current: { heading: string; body: string[] } | undefined;
  for (const line of lines) {
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h && h[1] === '#' && sections.length === 0 && current === undefined) {
      title = h[2] ?? docId;
      current = { heading: title, body: [] };
      continue;
    }
    if (h) {
      if (current) sections.push(current);
      current = { heading: h[2] ?? '', body: [] };
      continue;
    }
    if (!current) current = { heading: title, body: [] };
    current.body.push(line);
  }
  if (current) sections.push(current);
  // The lead paragraph under the title only summarizes its sections; indexing it would let that summary
  // outrank the section that actually answers. It stands alone only when the document has no sections.
  const lead = sections[0];
  if (
    sections.length > 1 &&
    lead !== undefined &&
    lead.heading === title &&
    !/^#{2,}/m.test(lead.body.join('\n'))
  ) {
    sections.shift();
  }
  const seen = new Map<string, number>();
  const out: Passage[] = [];
  for (const section of sections) {
    const text = section.body.join('\n').trim();
    if (text === '') continue;
    let id = `${docId}#${slug(section.heading)}`;
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    if (n > 0) id = `${id}-${n + 1}`;
    const personOnly = saysPersonOnly(section.heading, text);
    out.push({ id, docId, title, heading: section.heading, text, language, personOnly });
  }
  return out;
}

interface IndexedPassage {
  readonly passage: Passage;
  readonly tf: ReadonlyMap<string, number>;
  readonly length: number;
}

/** How much more a word of the subject counts than one of the body (measured on eval/sets/tune.jsonl). */
const SUBJECT_BOOST = 2;

/**
 * Builds an in-memory BM25 index (Robertson/Sparck Jones idf with the +1 that keeps it positive) over every
 * language at once: a word's rarity is measured over the whole knowledge base, so a language with a single
 * article is ranked as sharply as one with many.
 */
export function buildKnowledgeBase(
  passages: readonly Passage[],
  params: Bm25Params = DEFAULT_BM25,
): KnowledgeBase {
  const indexed: IndexedPassage[] = passages.map((passage) => {
    const tokens = [
      ...terms(passage.title),
      ...Array.from({ length: params.headingWeight }, () => terms(passage.heading)).flat(),
      ...terms(passage.text),
    ];
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    return { passage, tf, length: tokens.length };
  });
  const df = new Map<string, number>();
  for (const p of indexed) for (const t of p.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = indexed.length;
  const avgLength = n === 0 ? 0 : indexed.reduce((sum, p) => sum + p.length, 0) / n;
  const idf = (term: string): number => {
    const d = df.get(term);
    return d === undefined ? 0 : Math.log(1 + (n - d + 0.5) / (d + 0.5));
  };
  // A query word the corpus never uses weighs as much as the rarest possible word: "pizza" in
  // "order a pizza" means the one matching word "order" covers little of what was asked. It is also the
  // scale of this corpus's scores, which grow with its size.
  const unknownWeight = Math.log(1 + (n + 0.5) / 0.5);
  const addresses = new Set<string>();
  for (const p of passages) {
    for (const a of p.text.match(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g) ?? []) addresses.add(a.toLowerCase());
  }

  const search = (query: string, k: number, language?: string, emphasis = ''): SearchHit[] => {
    const queryTerms = [...new Set(terms(query))];
    const emphasised = new Set(terms(emphasis));
    const boost = (t: string) => (emphasised.has(t) ? SUBJECT_BOOST : 1);
    if (queryTerms.length === 0 || k <= 0) return [];
    const hits: SearchHit[] = [];
    for (const p of indexed) {
      if (language !== undefined && p.passage.language !== language) continue;
      let score = 0;
      const matched: string[] = [];
      for (const t of queryTerms) {
        const f = p.tf.get(t);
        if (f === undefined) continue;
        const w = boost(t) * idf(t);
        score +=
          (w * f * (params.k1 + 1)) / (f + params.k1 * (1 - params.b + (params.b * p.length) / avgLength));
        matched.push(t);
      }
      if (score > 0)
        hits.push({
          passage: p.passage,
          score,
          strength: score / unknownWeight,
          matchedTerms: matched,
        });
    }
    // Ties break on passage id so equal scores always come back in the same order.
    hits.sort((x, y) => y.score - x.score || (x.passage.id < y.passage.id ? -1 : 1));
    return hits.slice(0, k);
  };

  return { passages, search, idf, addresses, languages: new Set(passages.map((p) => p.language)) };
}

/** Articles directly in the folder are in this language; `<folder>/<lang>/` holds the others. */
export const DEFAULT_KB_LANGUAGE = 'en';
const LANGUAGE_FOLDER = /^[a-z]{2}$/;

/**
 * Reads every `*.md` file of a folder and of its two-letter language folders (sorted by name; docId = the path
 * without `.md`, e.g. `refunds` or `de/rechnungen`) and indexes them.
 */
export async function loadKnowledgeBase(
  folder: string,
  params: Bm25Params = DEFAULT_BM25,
): Promise<KnowledgeBase> {
  const files: { docId: string; path: string; language: string }[] = [];
  try {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.md')) {
        const docId = entry.name.slice(0, -'.md'.length);
        files.push({ docId, path: join(folder, entry.name), language: DEFAULT_KB_LANGUAGE });
      } else if (entry.isDirectory() && LANGUAGE_FOLDER.test(entry.name)) {
        for (const name of await readdir(join(folder, entry.name))) {
          if (!name.endsWith('.md')) continue;
          const docId = `${entry.name}/${name.slice(0, -'.md'.length)}`;
          files.push({ docId, path: join(folder, entry.name, name), language: entry.name });
        }
      }
    }
  } catch (cause) {
    throw new KnowledgeBaseError('KB_UNREADABLE', `cannot read knowledge base folder ${folder}`, { cause });
  }
  files.sort((a, b) => (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
  const docs = await Promise.all(
    files.map(async (f) => parseMarkdown(f.docId, await readFile(f.path, 'utf8'), f.language)),
  );
  const passages = docs.flat();
  if (passages.length === 0) {
    throw new KnowledgeBaseError('KB_EMPTY', `knowledge base folder ${folder} holds no Markdown passages`);
  }
  return buildKnowledgeBase(passages, params);
}
