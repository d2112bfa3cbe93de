// The knowledge base: Markdown split into passages by heading, and a BM25 index over them; only loadKnowledgeBase touches the disk.
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
}

export interface SearchHit {
  readonly passage: Passage;
  readonly score: number;
  /** Share of the query's weight (sum of idf) that this passage matched, 0..1; a confidence signal BM25 lacks. */
  readonly coverage: number;
  readonly matchedTerms: readonly string[];
}

export interface KnowledgeBase {
  readonly passages: readonly Passage[];
  /** Best `k` passages for the query, highest score first; passages that match nothing are never returned. */
  search(query: string, k: number): SearchHit[];
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

/** Splits one Markdown document into passages, one per `##`/`###` section (the lead under `#` only if there are none). */
export function parseMarkdown(docId: string, markdown: string): Passage[] {
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
    out.push({ id, docId, title, heading: section.heading, text });
  }
  return out;
}

interface IndexedPassage {
  readonly passage: Passage;
  readonly tf: ReadonlyMap<string, number>;
  readonly length: number;
}

/** Builds an in-memory BM25 index (Robertson/Sparck Jones idf with the +1 that keeps it positive). */
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
  const addresses = new Set<string>();
  for (const p of passages) {
    for (const a of p.text.match(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g) ?? []) addresses.add(a.toLowerCase());
  }

  const search = (query: string, k: number): SearchHit[] => {
    const queryTerms = [...new Set(terms(query))];
    // A query word the corpus never uses weighs as much as the rarest possible word: "pizza" in
    // "order a pizza" means the one matching word "order" covers little of what was asked.
    const unknownWeight = Math.log(1 + (n + 0.5) / 0.5);
    const queryWeight = queryTerms.reduce((sum, t) => sum + (df.has(t) ? idf(t) : unknownWeight), 0);
    if (queryWeight === 0 || k <= 0) return [];
    const hits: SearchHit[] = [];
    for (const p of indexed) {
      let score = 0;
      let matchedWeight = 0;
      const matched: string[] = [];
      for (const t of queryTerms) {
        const f = p.tf.get(t);
        if (f === undefined) continue;
        const w = idf(t);
        score +=
          (w * f * (params.k1 + 1)) / (f + params.k1 * (1 - params.b + (params.b * p.length) / avgLength));
        matchedWeight += w;
        matched.push(t);
      }
      if (score > 0)
        hits.push({
          passage: p.passage,
          score,
          coverage: matchedWeight / queryWeight,
          matchedTerms: matched,
        });
    }
    // Ties break on passage id so equal scores always come back in the same order.
    hits.sort((x, y) => y.score - x.score || (x.passage.id < y.passage.id ? -1 : 1));
    return hits.slice(0, k);
  };

  return { passages, search, idf, addresses };
}

/** Reads every `*.md` file of a folder (sorted by name; docId = file name without `.md`) and indexes it. */
export async function loadKnowledgeBase(
  folder: string,
  params: Bm25Params = DEFAULT_BM25,
): Promise<KnowledgeBase> {
  let names: string[];
  try {
    names = (await readdir(folder)).filter((f) => f.endsWith('.md')).sort();
  } catch (cause) {
    throw new KnowledgeBaseError('KB_UNREADABLE', `cannot read knowledge base folder ${folder}`, { cause });
  }
  const docs = await Promise.all(
    names.map(async (name) =>
      parseMarkdown(name.slice(0, -'.md'.length), await readFile(join(folder, name), 'utf8')),
    ),
  );
  const passages = docs.flat();
  if (passages.length === 0) {
    throw new KnowledgeBaseError('KB_EMPTY', `knowledge base folder ${folder} holds no Markdown passages`);
  }
  return buildKnowledgeBase(passages, params);
}
