// The Prometheus alert rules and the Grafana dashboard under deploy/ parse, hold the seed's alerts, and use only
// metrics the code's one registry really has (promtool-free: the PromQL is read here, names checked against it); the
// operations guide's metrics table names them all.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { registry } from '../../../telemetry/metrics.ts';
import { buildGatewayApp } from '../../../gateway/app.ts';
import { randomWebhookSecret } from '../../../scripts/sign-webhook.ts';
import { seedMetricNames } from '../../support/metrics-page.ts';
// Every actor kind's module, so every metric a process can register is on the registry.
import '../../../actors/node/registry.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
/** Label lists after these are label names, not metrics. */
const labelListWords = /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;

/** The metric names a PromQL expression reads (series selectors), without its functions, labels and literals. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(labelListWords, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)) {
    if (m[1] === '(' || keywords.has(m[0].toLowerCase())) continue; // a function call or an operator
    names.add(m[0]);
  }
  return [...names];
}

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

describe('alert rules and dashboard', () => {
  /** Series names the registry exposes; a histogram exposes _bucket, _sum and _count. */
  let series: Set<string>;

  before(async () => {
    // The webhook metrics are made by the gateway's app on the registry it is given: build one on the real one.
    const app = buildGatewayApp({
      sink: { publish: async () => undefined },
      secret: randomWebhookSecret(),
      nodeId: 'n1',
      readiness: async () => ({ ok: true, checks: {} }),
      status: () => ({}),
      adminToken: 'observability-test-token',
      registry,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    await app.close();
    series = new Set();
    for (const m of await registry.getMetricsAsJSON()) {
      series.add(m.name);
      if (String(m.type) === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) series.add(m.name + s);
    }
  });

  it('reads metric names out of PromQL, not functions, labels or durations', () => {
    expect(
      metricsOf(
        'histogram_quantile(0.95, sum by (le) (rate(a_seconds_bucket{x="y"}[5m]))) / on (instance) b_total > bool 1',
      ).sort(),
    ).to.deep.equal(['a_seconds_bucket', 'b_total']);
  });

  it("holds the seed's alerts, each with a severity and a summary", () => {
    const file = parse(read('deploy/prometheus/alerts.yml')) as { groups: { name: string; rules: Rule[] }[] };
    const rules = file.groups.flatMap((g) => g.rules);
    const byName = new Map(rules.map((r) => [r.alert, r]));
    expect(byName.get('WebhookErrorRateHigh')?.expr)
      .to.match(/webhook_requests_total\{status=~"5\.\."\}\[5m\]/)
      .and.match(/> 0\.05\s*$/);
    expect(byName.get('ConsensusFailureRateHigh')?.expr)
      .to.match(/consensus_operations_total\{[^}]*\}\[10m\]/)
      .and.match(/> 0\.10\s*$/);
    expect(byName.get('NoHealthyAgents')?.expr).to.include('system_health_status');
    expect(byName.get('ResponseTimeHigh')?.expr)
      .to.include('webhook_processing_duration_seconds_sum')
      .and.match(/> 10\s*$/);
    for (const r of rules) {
      expect(r.labels?.['severity'], r.alert).to.be.oneOf(['critical', 'warning']);
      expect(r.annotations?.['summary'], r.alert).to.be.a('string');
    }
  });

  it('uses in its rules only metrics the registry has', () => {
    const file = parse(read('deploy/prometheus/alerts.yml')) as { groups: { rules: Rule[] }[] };
    for (const rule of file.groups.flatMap((g) => g.rules)) {
      const used = metricsOf(rule.expr);
      expect(used, rule.alert).to.not.be.empty;
      for (const name of used) expect(series, `${rule.alert}: ${name}`).to.include(name);
    }
  });

  it('has a dashboard whose every panel queries metrics the registry has, including the six seed names', () => {
    const dashboard = JSON.parse(read('deploy/grafana/agentmail-cs.json')) as {
      uid: string;
      panels: { id: number; title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.uid).to.be.a('string');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).to.equal(dashboard.panels.length);
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.title).to.be.a('string').and.not.equal('');
      expect(panel.targets, panel.title).to.not.be.empty;
      for (const t of panel.targets)
        for (const name of metricsOf(t.expr)) {
          expect(series, `${panel.title}: ${name}`).to.include(name);
          used.add(name.replace(/_(bucket|sum|count)$/, ''));
        }
    }
    expect([...used]).to.include.members([...seedMetricNames]);
  });

  it("names every metric of the registry (but prom-client's own) in OPERATIONS.md's table, and no other", () => {
    const guide = read('docs/OPERATIONS.md');
    const section = guide.slice(guide.indexOf('## Metrics'), guide.indexOf('## Alerts and dashboard'));
    const documented = [...section.matchAll(/^\| `([a-z_:]+)` \|/gm)].map((m) => m[1]!);
    expect(documented).to.have.members(
      registry
        .getMetricsAsArray()
        .map((m) => m.name)
        .filter((name) => !/^(process|nodejs)_/.test(name)),
    );
  });

  it('gives Prometheus the rule file beside it', () => {
    const config = parse(read('deploy/prometheus/prometheus.yml')) as { rule_files: string[] };
    expect(config.rule_files).to.deep.equal(['alerts.yml']);
  });
});
