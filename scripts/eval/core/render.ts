// The evaluation report as plain text for a terminal: figures, confusion tables, targets and worst misses; pure.
import { percent, type Confusion, type Ratio, type Report } from './score.ts';

const pct = (r: Ratio): string => `${percent(r).toFixed(1)}% (${r.hits}/${r.total})`;

function table(title: string, c: Confusion): string[] {
  const rows = Object.keys(c).sort();
  const cols = [...new Set(rows.flatMap((r) => Object.keys(c[r] ?? {})))].sort();
  const width = Math.max(8, ...rows.map((r) => r.length), ...cols.map((x) => x.length)) + 1;
  const cell = (s: string) => s.padStart(width);
  return [
    `${title} (rows: expected, columns: got)`,
    `${''.padEnd(width)}${cols.map(cell).join('')}`,
    ...rows.map((r) => `${r.padEnd(width)}${cols.map((x) => cell(String(c[r]?.[x] ?? '.'))).join('')}`),
  ];
}

const counts = (m: Record<string, number>): string =>
  Object.entries(m)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

export function renderReport(name: string, r: Report): string {
  return [
    `== ${name}: ${r.count} emails (${counts(r.byKind)})`,
    `   languages: ${counts(r.byLanguage)}`,
    '',
    'Accuracy',
    `  kind (outcome)            ${pct(r.accuracy.kind)}`,
    `  specialization            ${pct(r.accuracy.specialization)}`,
    `  language (classifier)     ${pct(r.accuracy.language)}`,
    `  reply language            ${pct(r.accuracy.replyLanguage)}`,
    `  answered from the article ${pct(r.accuracy.article)}`,
    '',
    ...table('kind', r.confusion.kind),
    '',
    ...table('specialization', r.confusion.specialization),
    '',
    ...table('language', r.confusion.language),
    '',
    'Targets (issue #13)',
    ...r.targets.map(
      (t) =>
        `  [${t.met ? 'ok  ' : 'MISS'}] ${t.name.padEnd(32)} ${t.unit === '%' ? `${t.value.toFixed(1)}%` : String(t.value)} (${t.atMost ? '<=' : '>='} ${t.bound}${t.unit === '%' ? '%' : ''}; ${t.detail})`,
    ),
    '',
    `Worst misses (${r.misses.length} shown)`,
    ...r.misses.map((m) => `  ${m.id}  ${m.what}\n      expected: ${m.expected}\n      got:      ${m.got}`),
    '',
  ].join('\n');
}
