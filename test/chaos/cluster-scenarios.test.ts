// The short version of every chaos scenario (scripts/chaos/scenarios.ts) on one launcher cluster: 3 NATS servers, 3
// nodes, each actor its own process; every run's history must show nothing lost, nothing sent twice, one owner per
// epoch and learners that agree. The long version is `npm run chaos -- --runs N --emails N`. CHAOS_SCENARIOS
// (comma-separated names) and CHAOS_CI_EMAILS make it narrower or longer; 127.0.0.1 only, and it stops all it started.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenarios } from '../../scripts/chaos/runner.ts';
import { scenarios } from '../../scripts/chaos/scenarios.ts';

const only = process.env['CHAOS_SCENARIOS']?.split(',').map((s) => s.trim());
const chosen = only ? scenarios.filter((s) => only.includes(s.name)) : scenarios;
const emails = Number(process.env['CHAOS_CI_EMAILS'] ?? 8);

describe('chaos: every scenario on a local cluster (short)', function () {
  this.timeout(900_000);
  let historyDir: string;
  before(async () => {
    historyDir = await mkdtemp(join(tmpdir(), 'cs-chaos-ci-'));
  });
  after(async () => {
    await rm(historyDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged email answered once through ${chosen.map((s) => s.name).join(', ')}`, async () => {
    const seed = Number(process.env['CHAOS_SEED'] ?? Date.now() % 1_000_000);
    const lines: string[] = [];
    const out = await runScenarios(
      chosen,
      {
        emails,
        runs: 1,
        seed,
        actors: 'gateway,processor,proposer,acceptor,learner,agent',
        nodes: 3,
        historyDir,
        healthCheckIntervalS: 1,
        paxosTimeoutS: 2,
        replyDelayMs: 400,
        gapMs: 120,
        keep: false,
        log: (l) => {
          lines.push(l);
          if (process.env['CHAOS_VERBOSE']) process.stdout.write(`      ${l}\n`);
        },
      },
      true,
    );
    for (const { scenario, results } of out) {
      for (const r of results) {
        const v = r.verdict;
        process.stdout.write(
          `      ${scenario.name}: acked ${v.acked}, replied ${v.replied}, escalated ${v.escalated}, ` +
            `recovery ${v.recoveryS ?? '-'} s, longest pause ${v.maxGapS} s\n`,
        );
        expect(
          v.violations,
          `${scenario.name} (replay: npm run chaos -- --scenario ${scenario.name} --seed ${r.seed})\n${lines.join('\n')}`,
        ).to.deep.equal([]);
        expect(v.acked, `${scenario.name}: emails acknowledged`).to.equal(emails);
      }
    }
    expect(out.map((x) => x.scenario.name)).to.deep.equal(chosen.map((s) => s.name));
  });
});
