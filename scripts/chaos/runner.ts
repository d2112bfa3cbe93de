// Runs chaos scenarios on a fresh local cluster each: a bounded load against a fake AgentMail that holds sends, the
// scenario's faults meanwhile, then waits for every acknowledged email to end, records the history and checks it.
// 127.0.0.1 only; every process it starts is stopped when it returns or throws.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAgentMail, type FakeAgentMail } from '../fake-agentmail.ts';
import { startCluster, type LocalCluster } from '../cluster/launcher.ts';
import { checkHistory, type RunVerdict } from './core/check.ts';
import { seededRng } from './core/rng.ts';
import { deliver, loadMail } from './load.ts';
import { Recorder } from './recorder.ts';
import type { ChaosContext, Scenario } from './scenarios.ts';

export interface ChaosOptions {
  emails: number;
  runs: number;
  seed: number;
  /** Actors of each node (each its own process). */
  actors: string;
  nodes: number;
  /** Where histories go (one JSON-lines file per run). */
  historyDir: string;
  healthCheckIntervalS: number;
  paxosTimeoutS: number;
  /** How long the fake AgentMail holds every send. */
  replyDelayMs: number;
  /** Time between two emails of the load. */
  gapMs: number;
  /** Keep cluster data folders (always kept for a failed run). */
  keep: boolean;
  log: (line: string) => void;
}

export interface RunResult {
  scenario: string;
  seed: number;
  verdict: RunVerdict;
  historyPath: string;
}

const agentKeyPrefix = 'am_chaos_';
const agentOfKey = (key: string): string | null =>
  key.startsWith(agentKeyPrefix) ? key.slice(agentKeyPrefix.length) : null;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Every run of every scenario given; each scenario on a fresh cluster, or (`shared`, the short CI version) all on
 * one. Each run starts with every process running.
 */
export async function runScenarios(
  list: readonly Scenario[],
  o: ChaosOptions,
  shared = false,
): Promise<{ scenario: Scenario; results: RunResult[] }[]> {
  const out: { scenario: Scenario; results: RunResult[] }[] = [];
  if (shared) {
    await withCluster('shared', o, async (cluster, agentMail) => {
      for (const s of list) out.push({ scenario: s, results: await runs(s, cluster, agentMail, o) });
      return out.flatMap((x) => x.results);
    });
  } else {
    for (const s of list) {
      const results: RunResult[] = [];
      await withCluster(s.name, o, async (cluster, agentMail) => {
        results.push(...(await runs(s, cluster, agentMail, o)));
        return results;
      });
      out.push({ scenario: s, results });
    }
  }
  return out;
}

async function withCluster(
  name: string,
  o: ChaosOptions,
  fn: (cluster: LocalCluster, agentMail: FakeAgentMail) => Promise<RunResult[]>,
): Promise<void> {
  const agentMail = await startFakeAgentMail({
    replyDelayMs: o.replyDelayMs,
    acceptsKey: (k) => agentOfKey(k) !== null,
  });
  const dir = await mkdtemp(join(tmpdir(), `cs-chaos-${name}-`));
  let cluster: LocalCluster | undefined;
  let results: RunResult[] = [];
  try {
    o.log(`${name}: starting a cluster in ${dir}`);
    const t0 = Date.now();
    cluster = await startCluster({
      nodes: o.nodes,
      split: true,
      dir,
      actors: o.actors,
      natsSize: 3,
      env: {
        HEALTH_CHECK_INTERVAL: String(o.healthCheckIntervalS),
        PAXOS_TIMEOUT: String(o.paxosTimeoutS),
        AGENTMAIL_BASE_URL: agentMail.url,
        AGENTMAIL_API_KEY: agentMail.apiKey,
        SENDER_RATE_LIMIT: '1000/m',
        OPENAI_API_KEY: '',
      },
      // Each agent process its own key, so the fake's request log says which agent sent what.
      envFor: ({ actorIds }): Record<string, string> =>
        actorIds.length === 1 && actorIds[0]!.includes('-agent-')
          ? { AGENTMAIL_API_KEY: `${agentKeyPrefix}${actorIds[0]}` }
          : {},
    });
    o.log(
      `${name}: cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${cluster.processes.length} processes)`,
    );
    results = await fn(cluster, agentMail);
  } finally {
    await cluster?.stop(5_000);
    await agentMail.stop();
    if (!o.keep && cluster && results.every((r) => r.verdict.violations.length === 0))
      await rm(dir, { recursive: true, force: true });
    else o.log(`${name}: cluster data kept in ${dir}`);
  }
}

async function runs(
  scenario: Scenario,
  cluster: LocalCluster,
  agentMail: FakeAgentMail,
  o: ChaosOptions,
): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (let r = 0; r < o.runs; r++) {
    const seed = o.seed + r;
    o.log(`${scenario.name} seed ${seed}: ${scenario.what}`);
    const result = await runOnce(scenario, cluster, agentMail, seed, o);
    results.push(result);
    const v = result.verdict;
    o.log(
      `${scenario.name} seed ${seed}: acked ${v.acked} replied ${v.replied} escalated ${v.escalated} skipped ${v.skipped} ` +
        `lost ${v.lost} dup ${v.duplicated} double ${v.doubleOwners} learners ${v.disagreeingLearners} ` +
        `recovery ${v.recoveryS ?? '-'} s, decisions ${v.decisionRecoveryS ?? '-'} s, reassign ${v.reassignS ?? '-'} s, longest pause ${v.maxGapS} s, stale sends ${v.staleSends}`,
    );
    for (const x of v.violations.slice(0, 20)) o.log(`  VIOLATION ${x.kind}: ${x.detail}`);
  }
  return results;
}

async function runOnce(
  scenario: Scenario,
  cluster: LocalCluster,
  agentMail: FakeAgentMail,
  seed: number,
  o: ChaosOptions,
): Promise<RunResult> {
  // Every process up before the run (a previous run's scenario restarted what it killed; this covers a failed one).
  for (const p of cluster.processes) if (!p.proc.running) await p.proc.start();
  const historyPath = join(o.historyDir, `${scenario.name}-${seed}.jsonl`);
  const rec = await Recorder.open(cluster.nats.servers, historyPath);
  const since = Date.now();
  const rng = seededRng(seed);
  const tag = `s${seed}r${Math.floor(since / 1000) % 100000}`;
  rec.add({ kind: 'run', t: since, phase: 'start', scenario: scenario.name, seed });
  try {
    let started = 0;
    const startWaiters: { share: number; resolve: () => void }[] = [];
    const wake = () => {
      for (const w of startWaiters.splice(0))
        if (started >= w.share * o.emails) w.resolve();
        else startWaiters.push(w);
    };
    const gateways = () => {
      const live = cluster.nodes
        .filter((n) => n.processes.some((p) => p.kinds.includes('gateway') && p.proc.running))
        .map((n) => `http://127.0.0.1:${n.gatewayPort}`);
      // With every gateway down, keep knocking on all of them (AgentMail does not know who is down).
      return live.length > 0 ? live : cluster.nodes.map((n) => `http://127.0.0.1:${n.gatewayPort}`);
    };
    const acked = new Set<string>();
    const load = (async () => {
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < o.emails; i++) {
        const mail = loadMail(tag, i);
        inFlight.push(
          deliver(mail, i, {
            gateways,
            secret: cluster.webhookSecret,
            agentMail,
            record: (a) => rec.add(a),
            deadlineMs: 120_000,
          }).then((ok) => void (ok && acked.add(mail.messageId))),
        );
        started++;
        wake();
        await sleep(o.gapMs);
      }
      await Promise.all(inFlight);
      rec.add({ kind: 'run', t: Date.now(), phase: 'load-done', scenario: scenario.name, seed });
    })();

    const fault = (action: 'kill' | 'restart' | 'pause' | 'resume', target: string, what: string) => {
      rec.add({ kind: 'fault', t: Date.now(), action, target, what });
      o.log(`  ${action} ${target}`);
    };
    const ctx: ChaosContext = {
      cluster,
      agentMail,
      rng,
      healthCheckIntervalMs: o.healthCheckIntervalS * 1000,
      paxosTimeoutMs: o.paxosTimeoutS * 1000,
      running: (kind) =>
        cluster.processes
          .filter((p) => p.kinds.includes(kind) && p.proc.running)
          .sort((a, b) => (a.name < b.name ? -1 : 1)),
      async kill(p) {
        fault('kill', p.name, p.kinds.join(','));
        await p.proc.kill9();
      },
      async restart(p) {
        fault('restart', p.name, p.kinds.join(','));
        await p.proc.start();
        await cluster.writeState();
      },
      pause(p) {
        fault('pause', p.name, p.kinds.join(','));
        p.proc.pause();
      },
      resume(p) {
        fault('resume', p.name, p.kinds.join(','));
        p.proc.resume();
      },
      async killNats(i) {
        fault('kill', cluster.nats.nodes[i]!.name, 'nats-server');
        await cluster.nats.kill(i);
      },
      async restartNats(i) {
        fault('restart', cluster.nats.nodes[i]!.name, 'nats-server');
        await cluster.nats.restart(i);
        await cluster.writeState();
      },
      whenStarted: (share) =>
        new Promise<void>((resolve) => {
          startWaiters.push({ share, resolve });
          wake();
        }),
      async agentHoldingSend(ms) {
        const deadline = Date.now() + ms;
        while (Date.now() < deadline) {
          const held = agentMail.requests.find(
            (r) => r.route === 'reply' && r.status === undefined && r.at >= since,
          );
          const agent = held
            ? agentOfKey((held.headers['authorization'] ?? '').replace(/^Bearer /, ''))
            : null;
          const p = agent
            ? cluster.processes.find((x) => x.actorIds.includes(agent) && x.proc.running)
            : undefined;
          if (p) return p;
          await sleep(25);
        }
        return undefined;
      },
      sleep,
    };
    await Promise.all([load, scenario.run(ctx)]);

    // Every acknowledged email ends (reply, escalation or skip), or the bound passes and the checker says lost.
    const ended = (id: string) =>
      agentMail.sent.some((s) => s.inReplyTo === id) ||
      rec.entries.some(
        (e) =>
          e.kind === 'event' &&
          e.messageId === id &&
          (e.event === 'escalation.queued' || e.event === 'mail.not-answered'),
      );
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && ![...acked].every(ended)) await sleep(250);
    // A late second outcome (a reassignment of work already done) could only come after that: let sweeps run.
    await sleep(3 * o.healthCheckIntervalS * 1000 + 2_000);
    rec.add({ kind: 'run', t: Date.now(), phase: 'end', scenario: scenario.name, seed });
    await rec.finish(agentMail, since, agentOfKey);
    return { scenario: scenario.name, seed, verdict: checkHistory(rec.entries), historyPath };
  } finally {
    await rec.close();
  }
}
