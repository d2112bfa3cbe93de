// `npm run chaos -- [--scenario NAME] [--runs N] [--emails N] [--seed S]`: kills actors and NATS servers of a local
// cluster under load, checks every run's history, writes bench/results/chaos.json; exits 1 with the seed to replay
// when an invariant breaks, 2 on a bad flag. 127.0.0.1 only, bounded, and it stops everything it started.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarize, summaryTable, type ScenarioSummary } from './chaos/core/check.ts';
import { runScenarios, type ChaosOptions, type RunResult } from './chaos/runner.ts';
import { scenarios } from './chaos/scenarios.ts';

const usage = `usage: npm run chaos -- [--scenario ${scenarios.map((s) => s.name).join('|')}] [--runs N] [--emails N] [--seed S] [--out FILE] [--keep] [--one-cluster] [--actors LIST]`;

function positive(name: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max)
    throw new Error(`--${name} must be an integer from 1 to ${max} (got ${JSON.stringify(raw)})`);
  return n;
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', multiple: true },
      runs: { type: 'string', default: '1' },
      emails: { type: 'string', default: '30' },
      seed: { type: 'string' },
      out: { type: 'string', default: 'bench/results/chaos.json' },
      history: { type: 'string', default: '.data/chaos' },
      actors: { type: 'string', default: 'gateway,processor,proposer,acceptor,learner,agent:2' },
      keep: { type: 'boolean', default: false },
      'one-cluster': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const names = values.scenario ?? scenarios.map((s) => s.name);
  const chosen = names.map((n) => {
    const s = scenarios.find((x) => x.name === n);
    if (!s)
      throw new Error(
        `--scenario must be one of ${scenarios.map((x) => x.name).join(', ')} (got ${JSON.stringify(n)})`,
      );
    return s;
  });
  const seed = values.seed === undefined ? Date.now() % 1_000_000 : positive('seed', values.seed, 2 ** 31);
  return {
    chosen,
    out: values.out,
    shared: values['one-cluster'],
    options: {
      runs: positive('runs', values.runs, 1000),
      emails: positive('emails', values.emails, 10_000),
      seed,
      actors: values.actors,
      nodes: 3,
      historyDir: values.history,
      healthCheckIntervalS: 2,
      paxosTimeoutS: 2,
      replyDelayMs: 600,
      gapMs: 150,
      keep: values.keep,
      log: (line: string) => process.stdout.write(`${line}\n`),
    } satisfies ChaosOptions,
  };
}

async function main(argv: string[]): Promise<void> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}; ${usage}\n`);
    process.exit(2);
  }
  const { chosen, options, out } = args;
  options.log(
    `chaos: ${chosen.map((s) => s.name).join(', ')}; ${options.runs} run(s) of ${options.emails} emails each, seed ${options.seed}`,
  );
  const all: RunResult[] = [];
  const summaries: ScenarioSummary[] = [];
  for (const { scenario, results } of await runScenarios(chosen, options, args.shared)) {
    all.push(...results);
    summaries.push(summarize(scenario.name, results));
  }
  process.stdout.write(`\n${summaryTable(summaries)}\n`);
  await mkdir(dirname(out), { recursive: true });
  const loadavg = (await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  await writeFile(
    out,
    `${JSON.stringify({ runs: all.length, emails: options.emails, seed: options.seed, loadavg, scenarios: summaries }, null, 2)}\n`,
  );
  options.log(`results: ${out}, histories: ${join(options.historyDir)}`);
  const failed = all.filter((r) => r.verdict.violations.length > 0);
  for (const r of failed)
    process.stderr.write(
      `invariant broken in ${r.scenario} (history ${r.historyPath}); reproduce: npm run chaos -- --scenario ${r.scenario} --seed ${r.seed} --emails ${options.emails}\n`,
    );
  process.exit(failed.length > 0 ? 1 : 0);
}

await main(process.argv.slice(2));
