// Paxos bench: decisions/s and client-side decision latency through real NATS with 3 acceptors, 1 proposer, 1 learner.
// It starts its own nats-server and node (child process, or in this process), stops all it started, and never touches
// a shared NATS. It measures; it asserts nothing.
//
// Usage: npm run bench:paxos [-- --seconds 5] [--in-flight 1,64] [--mode child|inproc|both] [--cpu-prof DIR]
//        [--nodes 'acceptor:3,proposer,learner'] (node processes separated by ';', e.g. 'acceptor:3,proposer;learner')
//        npm run bench:paxos -- --instances 1000000 [--checkpoint 100000] [--max-seconds 3600]
//        (env BENCH_INSTANCES works too). The scale run adds a `scale` section to bench/results/paxos.json.
// The node's data (acceptor logs) goes under os.tmpdir(): put that on a real disk, on tmpfs fsync is free.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Bus } from '../bus/bus.ts';
import { loadConfig } from '../actors/runtime/config.ts';
import { contracts } from '../bus/contracts.ts';
import { createLogger } from '../telemetry/logger.ts';
import { startLocalNats, type LocalNats } from '../actors/node/nats-server.ts';
import { actorId, parseActorSpec, runNode, type RunningNode } from '../actors/node/host.ts';
import { factories } from '../actors/node/registry.ts';
import { percentile } from './e2e/stats.ts';

/** Which actors each node process runs (`;` between nodes); every layout has 3 acceptors, 1 proposer, 1 learner. */
const DEFAULT_NODES = 'acceptor:3,proposer,learner';
const ACCEPTORS = 3;
const here = fileURLToPath(import.meta.url);
const resultsPath = join(fileURLToPath(new URL('.', import.meta.url)), 'results', 'paxos.json');

interface Run {
  in_flight: number;
  decisions: number;
  errors: number;
  seconds: number;
  decisions_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** What the node process reports about itself (over the fork IPC channel). */
interface NodeStats {
  rss_mb: number;
  heap_used_mb: number;
  heap_total_mb: number;
  external_mb: number;
}

const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Set by SIGINT/SIGTERM: every run ends early but normally, so what it started is stopped and results are written. */
let interrupted = false;

// ---------------------------------------------------------------------------------------------------------------
// The node side: `--serve` runs the actors in this process and answers stats requests from the parent.

async function serve(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { nodeId: config.nodeId });
  const node = await runNode({
    config,
    specs: parseActorSpec(process.env['BENCH_ACTORS']!),
    logger,
    factories,
  });
  const send = (m: unknown) => process.send?.(m);
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'stats') send({ stats: memoryStats() });
    if (m.cmd === 'stop')
      void node.stop(5_000).then(() => {
        send({ stopped: true });
        process.exit(0);
      });
  });
  // Ctrl-C reaches the whole process group: the parent decides when this node stops.
  process.on('SIGINT', () => undefined);
  // The parent died without asking: do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
}

function memoryStats(): NodeStats {
  const m = process.memoryUsage();
  return {
    rss_mb: mb(m.rss),
    heap_used_mb: mb(m.heapUsed),
    heap_total_mb: mb(m.heapTotal),
    external_mb: mb(m.external),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The bench side.

interface NodeHandle {
  nodeId: string;
  stats(): Promise<NodeStats>;
  pid: number;
  stop(): Promise<void>;
}

/** One environment per node of the layout; every node is told the cluster's acceptor ids. */
function nodeEnvs(layout: string, nats: LocalNats, dataDir: string): Record<string, string>[] {
  const nodes = layout.split(';').map((actors, i) => ({ nodeId: i === 0 ? 'bench' : `bench${i}`, actors }));
  const acceptorIds = nodes.flatMap(({ nodeId, actors }) => {
    const n = parseActorSpec(actors).find((a) => a.kind === 'acceptor')?.count ?? 0;
    return Array.from({ length: n }, (_, k) => actorId(nodeId, 'acceptor', k));
  });
  if (acceptorIds.length !== ACCEPTORS)
    throw new Error(`--nodes ${layout}: the layout must run ${ACCEPTORS} acceptors`);
  return nodes.map(({ nodeId, actors }) => ({
    NODE_ID: nodeId,
    BENCH_ACTORS: actors,
    PAXOS_ACCEPTORS: acceptorIds.join(','),
    NATS_URL: nats.servers.join(','),
    DATA_DIR: dataDir,
    PAXOS_TIMEOUT: '10',
    LOG_LEVEL: 'warn',
    STATE_REPLICATION_FACTOR: '1',
    METRICS_PORT: '0',
    GATEWAY_HOST: '127.0.0.1',
  }));
}

async function startChild(env: Record<string, string>, cpuProfDir: string | undefined): Promise<NodeHandle> {
  const execArgv = ['--import', 'tsx'];
  if (cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
  const child: ChildProcess = fork(here, ['--serve'], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Never leave the node behind, whatever happens to this process.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let statsWaiter: ((s: NodeStats) => void) | undefined;
  let stoppedWaiter: (() => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; stats?: NodeStats; stopped?: boolean }) => {
      if (m.ready) resolve();
      if (m.stats) statsWaiter?.(m.stats);
      if (m.stopped) stoppedWaiter?.();
    });
    void exited.then(() => reject(new Error(`bench node exited with ${child.exitCode} before it was ready`)));
  });
  return {
    nodeId: env['NODE_ID']!,
    pid: child.pid!,
    stats: () =>
      new Promise((r) => {
        statsWaiter = r;
        child.send({ cmd: 'stats' });
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const stopped = new Promise<void>((r) => (stoppedWaiter = r));
        child.send({ cmd: 'stop' });
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await Promise.race([stopped.then(() => exited), exited]);
        clearTimeout(t);
      }
      process.off('exit', killOnExit);
    },
  };
}

async function startInProcess(env: Record<string, string>): Promise<NodeHandle> {
  const config = loadConfig({ ...process.env, ...env });
  const logger = createLogger(config.logLevel, { nodeId: config.nodeId });
  const node: RunningNode = await runNode({
    config,
    specs: parseActorSpec(env['BENCH_ACTORS']!),
    logger,
    factories,
  });
  return {
    nodeId: env['NODE_ID']!,
    pid: process.pid,
    stats: async () => memoryStats(),
    stop: () => node.stop(5_000),
  };
}

/** Keeps `inFlight` proposals outstanding, each for a fresh instance, until `until()` says stop. */
async function drive(
  bus: Bus,
  prefix: string,
  inFlight: number,
  until: (decided: number) => boolean,
  onDecided: (latencyMs: number) => void,
): Promise<{ decisions: number; errors: number; seconds: number }> {
  let next = 0;
  let decisions = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (!interrupted && !until(decisions)) {
        const instance = `conv/${prefix}-${next++}/0`;
        const t0 = performance.now();
        try {
          const r = await bus.request(
            contracts.propose,
            {},
            { type: 'propose', instance, candidate: { agentId: `agent-${next % 7}`, epoch: 0 } },
            15_000,
          );
          if (r.type === 'decided') {
            decisions++;
            onDecided(performance.now() - t0);
          } else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { decisions, errors, seconds: (performance.now() - started) / 1000 };
}

async function measure(bus: Bus, tag: string, inFlight: number, seconds: number): Promise<Run> {
  // Warm-up: JIT, the leader ballot, connection buffers. Not measured.
  const warmEnd = performance.now() + 1_000;
  await drive(
    bus,
    `${tag}-warm-${inFlight}`,
    inFlight,
    () => performance.now() > warmEnd,
    () => undefined,
  );
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const r = await drive(
    bus,
    `${tag}-run-${inFlight}`,
    inFlight,
    () => performance.now() > end,
    (ms) => latencies.push(ms),
  );
  return {
    in_flight: inFlight,
    decisions: r.decisions,
    errors: r.errors,
    seconds: round2(r.seconds),
    decisions_per_s: Math.round(r.decisions / r.seconds),
    p50_ms: round2(percentile(latencies, 50) ?? 0),
    p99_ms: round2(percentile(latencies, 99) ?? 0),
    max_ms: round2(percentile(latencies, 100) ?? 0),
  };
}

function logBytes(dataDir: string): { total: number; per_acceptor: Record<string, number> } {
  const dir = join(dataDir, 'acceptors');
  const per: Record<string, number> = {};
  if (existsSync(dir)) {
    for (const id of readdirSync(dir)) {
      let bytes = 0;
      for (const f of readdirSync(join(dir, id))) bytes += statSync(join(dir, id, f)).size;
      per[id] = bytes;
    }
  }
  return { total: Object.values(per).reduce((a, b) => a + b, 0), per_acceptor: per };
}

function processRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

function dirBytes(dir: string): number {
  let total = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

function table(runs: Array<Run & { mode?: string }>): string {
  const lines = [
    '| mode | in flight | decisions | decisions/s | p50 ms | p99 ms | max ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of runs)
    lines.push(
      `| ${r.mode ?? ''} | ${r.in_flight} | ${r.decisions} | ${r.decisions_per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.errors} |`,
    );
  return lines.join('\n');
}

async function readResults(): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(readFileSync(resultsPath, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

interface Options {
  seconds: number;
  inFlight: number[];
  modes: Array<'child' | 'inproc'>;
  cpuProf: string | undefined;
  instances: number | undefined;
  checkpoint: number;
  maxSeconds: number;
  /** The layout: actors per node process, nodes separated by `;`. */
  nodes: string;
}

/** Memory of every node of the layout, by node id. */
async function nodeStats(nodes: NodeHandle[]): Promise<Record<string, NodeStats>> {
  const stats = await Promise.all(nodes.map(async (n) => [n.nodeId, await n.stats()] as const));
  return Object.fromEntries(stats);
}

async function withCluster<T>(
  mode: 'child' | 'inproc',
  o: Pick<Options, 'cpuProf' | 'nodes'>,
  fn: (bus: Bus, nodes: NodeHandle[], dataDir: string, nats: LocalNats) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-paxos-bench-'));
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const nats = await startLocalNats({ dir: join(dir, 'nats') });
  const nodes: NodeHandle[] = [];
  let bus: Bus | undefined;
  try {
    for (const env of nodeEnvs(o.nodes, nats, dataDir))
      nodes.push(mode === 'child' ? await startChild(env, o.cpuProf) : await startInProcess(env));
    bus = await Bus.connect({
      servers: nats.servers,
      name: 'bench-client',
      logger: createLogger('warn', {}),
    });
    return await fn(bus, nodes, dataDir, nats);
  } finally {
    await bus?.drain();
    for (const node of nodes.reverse()) await node.stop();
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The targets for a 2-core machine, judged on the runs that measured them (absent runs are not judged). */
function targets(runs: Run[]): Record<string, boolean> {
  const at = (n: number) => runs.find((r) => r.in_flight === n);
  const one = at(1);
  const many = at(64);
  return {
    ...(one ? { p99_ms_at_1_in_flight_at_most_5: one.p99_ms <= 5 && one.errors === 0 } : {}),
    ...(many
      ? { decisions_per_s_at_64_in_flight_at_least_3000: many.decisions_per_s >= 3_000 && many.errors === 0 }
      : {}),
  };
}

async function standard(o: Options): Promise<void> {
  const all: Array<Run & { mode: string }> = [];
  const byMode: Record<string, Run[]> = {};
  for (const mode of o.modes) {
    await withCluster(mode, o, async (bus) => {
      for (const n of o.inFlight) {
        const r = await measure(bus, mode, n, o.seconds);
        all.push({ mode, ...r });
        (byMode[mode] ??= []).push(r);
        console.error(`${mode} in_flight=${n}: ${r.decisions_per_s}/s p50 ${r.p50_ms} ms p99 ${r.p99_ms} ms`);
      }
    });
  }
  // The node in its own process, the client in another, is how proposers are called in production.
  const main = byMode['child'] ?? byMode['inproc'] ?? [];
  const previous = await readResults();
  const result = {
    cores: availableParallelism(),
    acceptors: ACCEPTORS,
    node: byMode['child'] ? 'child process' : 'in process',
    nodes: o.nodes,
    runs: main,
    ...(byMode['child'] && byMode['inproc'] ? { in_process_runs: byMode['inproc'] } : {}),
    targets: targets(main),
    load_average_at_start: loadavg().map(round2),
    measured_at: new Date().toISOString(),
    ...(previous['scale'] ? { scale: previous['scale'] } : {}),
  };
  await writeFile(resultsPath, `${JSON.stringify(result, null, 2)}\n`);
  console.log(table(all));
  for (const [name, met] of Object.entries(result.targets))
    console.log(`${name}: ${met ? 'met' : 'NOT met'}`);
}

/** Decides `instances` instances with 64 in flight, reporting growth at every checkpoint. */
async function scale(o: Options): Promise<void> {
  const total = o.instances!;
  const inFlight = 64;
  const checkpoints: unknown[] = [];
  const deadline = performance.now() + o.maxSeconds * 1000;
  const summary = await withCluster('child', o, async (bus, nodes, dataDir, nats) => {
    const started = performance.now();
    let window: number[] = [];
    let windowStart = started;
    let decided = 0;
    const pending: Promise<void>[] = [];
    // The window is cut synchronously; the node's memory is fetched after, so drivers never wait on it.
    const checkpoint = (at: number) => {
      const now = performance.now();
      const w = window;
      const seconds = (now - windowStart) / 1000;
      window = [];
      windowStart = now;
      pending.push(
        nodeStats(nodes).then((stats) => {
          const cp = {
            decided: at,
            elapsed_s: Math.round((now - started) / 1000),
            window_decisions_per_s: Math.round(w.length / seconds),
            p50_ms: round2(percentile(w, 50) ?? 0),
            p99_ms: round2(percentile(w, 99) ?? 0),
            max_ms: round2(percentile(w, 100) ?? 0),
            acceptor_log_bytes: logBytes(dataDir),
            nodes: stats,
            nats_rss_mb: processRssMb(nats.nodes[0]?.proc?.pid),
            nats_store_mb: mb(dirBytes(nats.nodes[0]!.dir)),
          };
          checkpoints.push(cp);
          console.error(JSON.stringify(cp));
        }),
      );
    };
    const r = await drive(
      bus,
      'scale',
      inFlight,
      (n) => n >= total || performance.now() > deadline,
      (ms) => {
        window.push(ms);
        decided++;
        if (decided % o.checkpoint === 0) checkpoint(decided);
      },
    );
    if (decided % o.checkpoint !== 0) checkpoint(decided);
    await Promise.all(pending);
    return {
      instances_asked: total,
      decided: r.decisions,
      errors: r.errors,
      seconds: Math.round(r.seconds),
      decisions_per_s: Math.round(r.decisions / r.seconds),
      stopped_early: r.decisions < total ? (interrupted ? 'signal' : 'time bound') : false,
    };
  });
  const previous = await readResults();
  const result = {
    ...previous,
    scale: {
      in_flight: inFlight,
      node: 'child process',
      nodes: o.nodes,
      ...summary,
      checkpoints,
      measured_at: new Date().toISOString(),
    },
  };
  await writeFile(resultsPath, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result.scale, null, 2));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean' },
      seconds: { type: 'string' },
      'in-flight': { type: 'string' },
      mode: { type: 'string' },
      'cpu-prof': { type: 'string' },
      instances: { type: 'string' },
      checkpoint: { type: 'string' },
      'max-seconds': { type: 'string' },
      nodes: { type: 'string' },
    },
    strict: true,
  });
  if (values.serve) return serve();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      interrupted = true;
      console.error(`${signal}: finishing the current run, then stopping everything this bench started`);
    });
  const instancesText = values.instances ?? process.env['BENCH_INSTANCES'];
  const mode = values.mode ?? 'both';
  const o: Options = {
    seconds: Number(values.seconds ?? 5),
    inFlight: (values['in-flight'] ?? '1,64').split(',').map(Number),
    modes: mode === 'both' ? ['child', 'inproc'] : [mode as 'child' | 'inproc'],
    cpuProf: values['cpu-prof'],
    instances: instancesText ? Number(instancesText) : undefined,
    checkpoint: Number(values.checkpoint ?? 100_000),
    maxSeconds: Number(values['max-seconds'] ?? 3_600),
    nodes: values.nodes ?? DEFAULT_NODES,
  };
  if (o.instances !== undefined) await scale(o);
  else await standard(o);
}

await main();
