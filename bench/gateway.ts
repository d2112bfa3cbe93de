// Gateway bench: signed AgentMail webhooks over HTTP into a gateway node, each answered only after the JetStream ack.
// It starts its own nats-server and gateway process on 127.0.0.1, stops both, and must never touch a shared NATS.
// Usage: npm run bench:gateway   (env: BENCH_MAX_REQUESTS=30000 BENCH_MAX_CONNECTIONS=64 BENCH_RATE=1000
//        BENCH_RATE_SECONDS=10 BENCH_LOG_LEVEL=info BENCH_CPU_PROF=<dir> to profile the gateway process)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { randomWebhookSecret, signWebhook } from '../scripts/sign-webhook.ts';
import { freePort, startLocalNats, type LocalNats } from '../actors/node/nats-server.ts';
import { Streams } from '../bus/provision.ts';
import { WEBHOOK_PATH } from '../gateway/app.ts';
import { webhookFixture } from '../test/support/webhook-fixtures.ts';
import { cpuSeconds } from './proc.ts';

// autocannon ships CommonJS without types: the few fields used here are typed below.
interface AutocannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { total: number; average: number };
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  amount: number;
  overallRate?: number;
  timeout?: number;
  requests: AutocannonRequest[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = fileURLToPath(new URL('..', import.meta.url));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const maxRequests = env('BENCH_MAX_REQUESTS', 30_000);
const maxConnections = env('BENCH_MAX_CONNECTIONS', 64);
const rate = env('BENCH_RATE', 1_000);
const rateSeconds = env('BENCH_RATE_SECONDS', 10);
const rateConnections = env('BENCH_RATE_CONNECTIONS', 32);
const warmupRequests = env('BENCH_WARMUP_REQUESTS', 3_000);
const logLevel = process.env['BENCH_LOG_LEVEL'] ?? 'info';
const cpuProfDir = process.env['BENCH_CPU_PROF'];
const secret = randomWebhookSecret();

const template = webhookFixture('message-received') as {
  event_id: string;
  message: Record<string, unknown>;
  thread: Record<string, unknown>;
};

interface Signed {
  svixId: string;
  eventId: string;
  body: string;
  headers: Record<string, string>;
}

/** A realistic message.received (about 2.5 kB) with its own ids, signed now: Svix signatures are good for 5 minutes. */
function signBatch(run: string, n: number): Signed[] {
  const now = new Date();
  const out: Signed[] = [];
  for (let i = 0; i < n; i++) {
    const svixId = `msg_bench_${run}_${i}`;
    const eventId = `evt_${run}_${i}`;
    const thread = `thd_${run}_${i % 997}`;
    const payload = {
      ...template,
      event_id: eventId,
      message: { ...template.message, thread_id: thread, message_id: `<${run}.${i}@mail.example.com>` },
      thread: { ...template.thread, thread_id: thread },
    };
    const signed = signWebhook(secret, payload, { msgId: svixId, date: now });
    out.push({ svixId, eventId, body: signed.body, headers: signed.headers });
  }
  return out;
}

interface RunResult {
  connections: number;
  requests: number;
  accepted: number;
  webhooks_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  /** Gateway CPU per accepted webhook: unlike webhooks/s it hardly moves with other load on the machine. */
  gateway_cpu_us_per_webhook: number | null;
}

/** Fires each webhook once (a shared cursor rotates the bodies across connections); accepted = 2xx by event id. */
async function fire(
  url: string,
  webhooks: Signed[],
  amount: number,
  connections: number,
  accepted: Set<string>,
  overallRate?: number,
): Promise<RunResult> {
  let cursor = 0;
  const svixIdOf = new Map(webhooks.map((w) => [w.eventId, w.svixId]));
  let acceptedHere = 0;
  const cpuBefore = cpuSeconds(gateway?.pid);
  const result = await autocannon({
    url,
    connections,
    amount,
    timeout: 20,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: WEBHOOK_PATH,
        setupRequest: (req) => {
          // More builds than sends happen (one per connection at setup): wrap around, the stream dedupes repeats.
          const w = webhooks[cursor++ % webhooks.length]!;
          return { ...req, headers: w.headers, body: w.body };
        },
        onResponse: (status, body) => {
          if (status < 200 || status > 299) return;
          const id = svixIdOf.get((JSON.parse(body) as { event_id: string }).event_id);
          if (id && !accepted.has(id)) {
            accepted.add(id);
            acceptedHere++;
          }
        },
      },
    ],
  });
  return {
    connections,
    requests: result.requests.total,
    accepted: acceptedHere,
    webhooks_per_s: Math.round(result['2xx'] / result.duration),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    gateway_cpu_us_per_webhook:
      cpuBefore === undefined
        ? null
        : Math.round(((cpuSeconds(gateway?.pid)! - cpuBefore) * 1e6) / Math.max(1, result['2xx'])),
  };
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('gateway not healthy in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const hard = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(hard);
}

let nats: LocalNats | undefined;
let gateway: ChildProcess | undefined;
const dir = await mkdtemp(join(tmpdir(), 'cs-gateway-bench-'));
async function cleanup() {
  await stopChild(gateway);
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
}
// Bounded: whatever hangs, everything started here is stopped after 5 minutes.
const watchdog = setTimeout(() => {
  process.stderr.write('bench: watchdog fired, stopping\n');
  void cleanup().finally(() => process.exit(1));
}, 300_000);
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

try {
  nats = await startLocalNats({ dir: join(dir, 'nats') });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  gateway = spawn(process.execPath, [...nodeArgs, join(root, 'bin/agentmail-cs.js'), '--actors', 'gateway'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ID: 'bench-gw',
      NATS_URL: nats.servers[0],
      CLUSTER_NODES: '',
      FLASK_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      METRICS_PORT: String(await freePort()),
      DATA_DIR: join(dir, 'data'),
      AGENTMAIL_WEBHOOK_SECRET: secret,
      STATE_REPLICATION_FACTOR: '1',
      LOG_LEVEL: logLevel,
    },
    // Logs go nowhere, but the gateway still formats and writes every line, as in production.
    stdio: 'ignore',
  });
  await waitHealthy(url, gateway, 30_000);
  // Other work on the machine takes cores from all three processes: recorded so a low number can be read right.
  const loadBefore = loadavg()[0]!;

  const accepted = new Set<string>();
  // Warm-up: lets V8 optimise the hot path before anything is measured; its deliveries count for the stream check.
  await fire(url, signBatch('warm', warmupRequests), warmupRequests, maxConnections, accepted);

  const maxRun = await fire(
    url,
    signBatch('max', maxRequests + 2 * maxConnections),
    maxRequests,
    maxConnections,
    accepted,
  );
  const rateRequests = rate * rateSeconds;
  const rateRun = await fire(
    url,
    signBatch('rate', rateRequests + 2 * rateConnections),
    rateRequests,
    rateConnections,
    accepted,
    rate,
  );

  // Every accepted delivery is on the stream exactly once, and nothing else is: the ack meant durable.
  const nc = await connect({ servers: nats.servers });
  const info = await (await jetstreamManager(nc)).streams.info(Streams.mail);
  await nc.close();
  const stream = { accepted_distinct: accepted.size, stored: info.state.messages };

  const result = {
    cores: availableParallelism(),
    rate,
    requests: rateRun.requests,
    webhooks_per_s: rateRun.webhooks_per_s,
    p50_ms: rateRun.p50_ms,
    p99_ms: rateRun.p99_ms,
    errors: rateRun.errors,
    gateway_cpu_us_per_webhook: rateRun.gateway_cpu_us_per_webhook,
    max: maxRun,
    stream: { ...stream, exact: stream.stored === stream.accepted_distinct },
    setup: {
      node: process.version,
      log_level: logLevel,
      load_avg_1m: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) },
      rate_connections: rateConnections,
      body_bytes: Buffer.byteLength(signBatch('size', 1)[0]!.body),
      nats: 'nats-server on 127.0.0.1, one server, MAIL stream R1 file storage',
    },
    targets: {
      max_webhooks_per_s_at_least_3000: maxRun.webhooks_per_s >= 3_000,
      p99_ms_at_1000_per_s_at_most_20: rateRun.p99_ms <= 20,
    },
  };
  await mkdir(join(root, 'bench/results'), { recursive: true });
  await writeFile(join(root, 'bench/results/gateway.json'), JSON.stringify(result, null, 2) + '\n');

  const row = (name: string, r: RunResult, target: string) =>
    `| ${name} | ${r.connections} | ${r.requests} | ${r.webhooks_per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.errors} | ${r.gateway_cpu_us_per_webhook ?? '-'} | ${target} |`;
  console.log(
    [
      `Gateway bench (${result.cores} cores, LOG_LEVEL=${logLevel}, nats-server on the same machine, load average ${result.setup.load_avg_1m.before} -> ${result.setup.load_avg_1m.after})`,
      '',
      '| run | connections | requests | webhooks/s | p50 ms | p99 ms | errors | gateway CPU us/webhook | target |',
      '|---|---|---|---|---|---|---|---|---|',
      row(
        'max rate',
        maxRun,
        `>= 3000/s: ${result.targets.max_webhooks_per_s_at_least_3000 ? 'met' : 'MISSED'}`,
      ),
      row(
        `fixed ${rate}/s`,
        rateRun,
        `p99 <= 20 ms: ${result.targets.p99_ms_at_1000_per_s_at_most_20 ? 'met' : 'MISSED'}`,
      ),
      '',
      `stream MAIL: ${stream.stored} stored for ${stream.accepted_distinct} distinct accepted webhooks (${result.stream.exact ? 'exact' : 'MISMATCH'})`,
    ].join('\n'),
  );
  if (!result.stream.exact) process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
