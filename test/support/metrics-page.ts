// Test helper: reads a Prometheus text page (exposition format 0.0.4) into families and samples; never used by production code.
// It keeps what a scraper would choke on or merge wrongly (a family declared twice, one series listed twice) instead of hiding it.

/** The seed's six names (its README's Monitoring section): asserted by name, whatever the registry holds. */
export const seedMetricNames = [
  'webhook_requests_total',
  'webhook_processing_duration_seconds',
  'active_conversations_total',
  'agent_assignments_total',
  'consensus_operations_total',
  'system_health_status',
] as const;

export interface Sample {
  /** The sample's own name: `x_bucket`, `x_sum`, `x_count` for a histogram `x`. */
  name: string;
  /** The family the sample belongs to (its `# TYPE` name). */
  family: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricsPage {
  /** Family name to its declared type, from `# TYPE` lines. */
  types: Map<string, string>;
  /** Family names with more than one `# TYPE` line. */
  declaredTwice: string[];
  /** Series (name and labels) listed more than once. */
  seriesTwice: string[];
  samples: Sample[];
}

/** The suffixes a histogram's or a summary's samples carry after the family name. */
const suffixes = ['_bucket', '_sum', '_count'];

function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  const suffix = suffixes.find((s) => name.endsWith(s) && types.has(name.slice(0, -s.length)));
  return suffix ? name.slice(0, -suffix.length) : name;
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of (text ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
    labels[m[1]!] = m[2]!;
  return labels;
}

export function parseMetricsPage(text: string): MetricsPage {
  const types = new Map<string, string>();
  const declaredTwice = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      if (types.has(type[1]!)) declaredTwice.add(type[1]!);
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    samples.push({ name: m[1]!, family: '', labels: parseLabels(m[2]), value: Number(m[3]) });
  }
  const seen = new Set<string>();
  const seriesTwice = new Set<string>();
  for (const s of samples) {
    s.family = familyOf(s.name, types);
    const key = `${s.name}{${Object.entries(s.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`;
    if (seen.has(key)) seriesTwice.add(key);
    seen.add(key);
  }
  return { types, declaredTwice: [...declaredTwice], seriesTwice: [...seriesTwice], samples };
}

/** The sum of the samples named `name` whose labels include `labels`. */
export function sampleSum(page: MetricsPage, name: string, labels: Record<string, string> = {}): number {
  return page.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** GETs a metrics page and parses it; fails on anything but a 200. */
export async function scrape(url: string): Promise<MetricsPage> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return parseMetricsPage(await res.text());
}
