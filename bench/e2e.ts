// End-to-end bench: signed webhooks into a running system (1 node, or 3 through the cluster launcher) until the reply
// reaches a local fake AgentMail; reports throughput, latency, loss, duplicates, CPU and memory. 127.0.0.1 only, bounded
// in count and time, and it stops every process it started. Usage: npm run bench:e2e -- --help (see bench/e2e/args.ts)
import { Agent, request } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { startCluster, type LocalCluster } from '../scripts/cluster/launcher.ts';
import { startFakeAgentMail, type FakeAgentMail } from '../scripts/fake-agentmail.ts';
import { messageReceivedEvent } from '../scripts/received-event.ts';
import { signWebhook } from '../scripts/sign-webhook.ts';
import { loadQuestions } from '../scripts/chaos/load.ts';
import { seededRng } from '../scripts/chaos/core/rng.ts';
import { Bus } from '../bus/bus.ts';
import { contracts } from '../bus/contracts.ts';
import { Streams } from '../bus/provision.ts';
import { conversationInstance } from '../actors/consensus/core/instance.ts';
import { processorDurable } from '../actors/processing/processor.ts';
import { WEBHOOK_PATH } from '../gateway/app.ts';
import { createLogger } from '../telemetry/logger.ts';
import { startFakeOpenAI, modelAnswer, type FakeOpenAI } from '../test/support/fake-openai.ts';
import { parseE2eArgs, usage, UsageError, type E2eArgs, type Rate } from './e2e/args.ts';
import { svgLinePlot } from './e2e/plot.ts';
import {
  backlogBounded,
  combineHistograms,
  DeliveryLedger,
  histogramQuantile,
  latencyOverTime,
  ms,
  parseHistogram,
  summarize,
  type Buckets,
} from './e2e/stats.ts';
import { cpuSeconds, peakRssMb } from './proc.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const inbox = 'support@bench.example.com';

let args: E2eArgs;
try {
  args = parseE2eArgs(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`${e.message}\n${usage}\n`);
  process.exit(2);
}

interface Sample {
  t: number;
  accepted: number;
  completed: number;
  backlog: number;
  mailPending: number;
  workPending: number;
}

interface RunResult {
  offered_per_s: Rate;
  duration_s: number;
  sent: number;
  sent_per_s: number;
  accepted_per_s: number;
  rejected: number;
  emails: number;
  emails_per_s: number;
  webhook_p50_ms: number | null;
  webhook_p99_ms: number | null;
  decision_p50_ms: number | null;
  decision_p99_ms: number | null;
  decisions: number;
  reply_p50_ms: number | null;
  reply_p95_ms: number | null;
  reply_p99_ms: number | null;
  replied: number;
  escalated: number;
  lost: number;
  duplicated: number;
  /** Accepted but not answered when the load stopped (end to end), and the system's own queues then. */
  backlog_end: number;
  backlog_end_mail: number;
  backlog_end_work: number;
  backlog_bounded: boolean;
  bench_cpu_s: number;
  /** CPU of the node processes (NATS excluded) per completed email: moves far less with other load than emails/s. */
  node_cpu_ms_per_email: number | null;
  nats_cpu_ms_per_email: number | null;
  samples: Sample[];
  latency_over_time: { t: number; p50: number; p95: number; p99: number }[];
}

const dir = await mkdtemp(join(tmpdir(), 'cs-e2e-bench-'));
let cluster: LocalCluster | undefined;
let fake: FakeAgentMail | undefined;
let model: FakeOpenAI | undefined;
let nc: NatsConnection | undefined;
let bus: Bus | undefined;
async function cleanup(): Promise<void> {
  await bus?.drain().catch(() => undefined);
  await nc?.close().catch(() => undefined);
  await cluster?.stop(10_000).catch(() => undefined);
  await fake?.stop().catch(() => undefined);
  await model?.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
// Bounded whatever hangs: every run's load and drain, the preload and a start-up allowance.
const budgetMs =
  (args.rates.length * (args.seconds + args.drainSeconds + 30) + 240 + Math.ceil(args.preload / 1_000)) *
  1_000;
const watchdog = setTimeout(() => {
  process.stderr.write('bench: watchdog fired, stopping everything\n');
  void cleanup().finally(() => process.exit(1));
}, budgetMs);
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

/** Ledgers by run: message ids carry their run's index, so a late reply is counted where it belongs. */
const ledgers: DeliveryLedger[] = [];
const runOf = (messageId: string) => Number(/^<r(\d+)\./.exec(messageId)?.[1] ?? -1);
const lastMessageOfThread = new Map<string, string>();

try {
  fake = await startFakeAgentMail({
    keepRequests: false,
    replyDelayMs: args.apiLatencyMs,
    onSent: (email) => ledgers[runOf(email.inReplyTo)]?.replied(email.inReplyTo, email.at),
    onRequest: (req) => {
      const labels = (req.body as { add_labels?: unknown } | undefined)?.add_labels;
      if (req.route !== 'update-thread' || !Array.isArray(labels) || !labels.includes('escalated')) return;
      const messageId = lastMessageOfThread.get(req.params.threadId ?? '');
      if (messageId !== undefined) ledgers[runOf(messageId)]?.escalated(messageId, Date.now());
    },
  });
  const env: Record<string, string> = {
    AGENTMAIL_BASE_URL: fake.url,
    AGENTMAIL_API_KEY: fake.apiKey,
  };
  if (args.model) {
    model = await startFakeOpenAI();
    model.script({
      kind: 'answer',
      content: modelAnswer('Thanks for writing. Here is what we found for you.'),
    });
    Object.assign(env, { OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: model.baseURL, OPENAI_MODEL: 'fake' });
  }
  process.stderr.write(`starting ${args.nodes} node${args.nodes > 1 ? 's' : ''} ...\n`);
  cluster = await startCluster({
    nodes: args.nodes,
    split: false,
    natsSize: args.nodes === 1 ? 1 : 3,
    dir: join(dir, 'cluster'),
    env,
    ...(args.cpuProfDir ? { execArgv: ['--cpu-prof', '--cpu-prof-dir', args.cpuProfDir] } : {}),
  });
  const gateways = cluster.state().nodes.map((n) => n.gateway!);
  const metricsUrls = cluster.state().nodes.map((n) => n.metrics!);
  nc = await connect({ servers: cluster.nats.servers });
  const jsm = await jetstreamManager(nc);
  await waitForAgents(jsm, 3 * args.nodes);

  const preloaded = args.preload > 0 ? await preload(args.preload) : [];
  const continuable: string[] = [...preloaded];
  const listed = new Set(continuable);
  const rng = seededRng(args.seed);
  const httpAgent = new Agent({ keepAlive: true, maxSockets: args.concurrency });
  let seq = 0;

  // Warm-up (not reported): V8 optimises the hot paths, the streams and buckets see their first writes.
  await runLoad(Math.min(200, typeof args.rates[0] === 'number' ? args.rates[0] : 200), 3, 'warm-up');
  const runs: RunResult[] = [];
  let saturatedAt: Rate | undefined;
  for (const rate of args.rates) {
    const r = await runLoad(rate, args.seconds, `${rate}/s`);
    runs.push(r);
    // What was not answered within the drain would sit in front of the next rate's load and spoil its figures.
    if (r.lost > 0) {
      saturatedAt = rate;
      const rest = args.rates.slice(args.rates.indexOf(rate) + 1);
      if (rest.length > 0) process.stderr.write(`saturated at ${rate}/s: ${rest.join(', ')} not run\n`);
      break;
    }
  }

  // Processes: every node process and NATS server, and this bench (load generator + fake AgentMail).
  const processes = [
    ...cluster.processes.map((p) => ({ name: p.name, kind: 'node', pid: p.proc.pid })),
    ...cluster.nats.nodes.map((n) => ({ name: n.name, kind: 'nats-server', pid: n.proc?.pid })),
  ].map((p) => ({ ...p, cpu_s: cpuSeconds(p.pid) ?? null, peak_rss_mb: peakRssMb(p.pid) ?? null }));
  const self = process.resourceUsage();
  processes.push({
    name: 'bench (load generator, fake AgentMail)',
    kind: 'bench',
    pid: process.pid,
    cpu_s: round((self.userCPUTime + self.systemCPUTime) / 1e6, 2),
    peak_rss_mb: round(self.maxRSS / 1024),
  });
  await report(runs, processes, preloaded.length, saturatedAt);

  // --- helpers below use the started system ---

  async function waitForAgents(m: JetStreamManager, n: number): Promise<void> {
    // An agent's work durable exists once it started; routing before that would wait on heartbeats.
    for (let i = 0; i < 200; i++) {
      let count = 0;
      for await (const _ of m.consumers.list(Streams.work)) count++;
      if (count >= n) return;
      await sleep(100);
    }
  }

  async function preload(n: number): Promise<string[]> {
    bus = await Bus.connect({
      servers: cluster!.nats.servers,
      name: 'bench-preload',
      logger: createLogger('warn', { nodeId: 'bench', actor: 'preload' }),
    });
    const agents = cluster!.processes.flatMap((p) => p.actorIds.filter((a) => a.includes('-agent-')));
    const threads: string[] = [];
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < n) {
          const i = next++;
          const thread = `thd_pre_${i}`;
          const reply = await bus!.request(
            contracts.propose,
            {},
            {
              type: 'propose',
              instance: conversationInstance(thread, 1),
              candidate: { agentId: agents[i % agents.length]!, epoch: 1, specialization: 'support' },
            },
            10_000,
          );
          if (reply.type === 'decided') threads.push(thread);
          if (i % 5_000 === 0) process.stderr.write(`\rpreload: ${i}/${n} threads owned`);
        }
      }),
    );
    process.stderr.write(
      `\rpreload: ${threads.length}/${n} threads owned in ${round((Date.now() - started) / 1000)} s\n`,
    );
    return threads;
  }

  function systemCpu(): { node: number; nats: number } {
    const sum = (pids: (number | undefined)[]) =>
      pids.reduce<number>((a, pid) => a + (cpuSeconds(pid) ?? 0), 0);
    return {
      node: sum(cluster!.processes.map((p) => p.proc.pid)),
      nats: sum(cluster!.nats.nodes.map((n) => n.proc?.pid)),
    };
  }

  async function systemBacklog(m: JetStreamManager): Promise<{ mail: number; work: number }> {
    try {
      const mail = await m.consumers.info(Streams.mail, processorDurable);
      let work = 0;
      for await (const c of m.consumers.list(Streams.work)) work += c.num_pending + c.num_ack_pending;
      return { mail: mail.num_pending + mail.num_ack_pending, work };
    } catch {
      return { mail: -1, work: -1 };
    }
  }

  async function decisionHistogram(): Promise<Buckets> {
    let sum: Buckets = [];
    for (const url of metricsUrls) {
      const text = await fetch(url).then(
        (r) => r.text(),
        () => '',
      );
      sum = combineHistograms(sum, parseHistogram(text, 'consensus_decision_seconds'));
    }
    return sum;
  }

  function webhookFor(run: number): {
    gateway: string;
    body: string;
    headers: Record<string, string>;
    id: string;
  } {
    const n = seq++;
    const continuing = continuable.length > 0 && rng.next() < args.continuing;
    const thread = continuing ? rng.pick(continuable) : `thd_r${run}_${n}`;
    const [subject, text] = loadQuestions[n % loadQuestions.length]!;
    const messageId = `<r${run}.${n}@bench.example.com>`;
    // One sender per thread keeps every sender far below the per-sender rate limit.
    const from = `Customer ${thread} <c.${thread}@customers.example.com>`;
    fake!.receive({ inboxId: inbox, messageId, threadId: thread, from, subject, text });
    lastMessageOfThread.set(thread, messageId);
    const signed = signWebhook(
      cluster!.webhookSecret,
      messageReceivedEvent({ inboxId: inbox, threadId: thread, messageId, from, subject, text }),
    );
    return {
      gateway: gateways[n % gateways.length]!,
      body: signed.body,
      headers: signed.headers,
      id: messageId,
    };
  }

  function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve) => {
      const req = request(
        `${url}${WEBHOOK_PATH}`,
        {
          method: 'POST',
          agent: httpAgent,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.setTimeout(20_000, () => req.destroy());
      req.on('error', () => resolve(0));
      req.end(body);
    });
  }

  async function runLoad(rate: Rate, seconds: number, name: string): Promise<RunResult> {
    const run = ledgers.length;
    const ledger = new DeliveryLedger();
    ledgers.push(ledger);
    const webhookMs: number[] = [];
    let sent = 0;
    let rejected = 0;
    let inFlight = 0;
    let slot: (() => void) | undefined;
    const histBefore = await decisionHistogram();
    const cpuBefore = process.cpuUsage();
    const nodesCpuBefore = systemCpu();
    const start = Date.now();
    const end = start + seconds * 1000;
    const samples: Sample[] = [];
    const sample = async () => {
      const b = await systemBacklog(jsm);
      const c = ledger.counts();
      samples.push({
        t: round((Date.now() - start) / 1000),
        accepted: c.accepted,
        completed: ledger.completed,
        backlog: c.lost,
        mailPending: b.mail,
        workPending: b.work,
      });
      return samples.at(-1)!;
    };
    let last: Sample | undefined;
    const sampler = setInterval(() => {
      void sample().then((s) => {
        last = s;
        progress(name, s, seconds, rate);
      });
    }, 1_000);
    const fire = () => {
      const w = webhookFor(run);
      const t0 = performance.now();
      const sentAt = Date.now();
      inFlight++;
      sent++;
      void post(w.gateway, w.body, w.headers).then((status) => {
        inFlight--;
        webhookMs.push(performance.now() - t0);
        if (status >= 200 && status < 300) ledger.accepted(w.id, sentAt);
        else rejected++;
        slot?.();
      });
    };
    while (Date.now() < end) {
      const due = rate === 'max' ? Infinity : Math.floor((rate * (Date.now() - start)) / 1000);
      while (sent < due && inFlight < args.concurrency) fire();
      if (rate === 'max' || inFlight >= args.concurrency) await new Promise<void>((r) => (slot = r));
      else await sleep(2);
    }
    const loadEnd = Date.now();
    while (inFlight > 0) await new Promise<void>((r) => (slot = r));
    const atEnd = await sample();
    const drainUntil = Date.now() + args.drainSeconds * 1000;
    while (ledger.backlog > 0 && Date.now() < drainUntil) await sleep(250);
    clearInterval(sampler);
    if (last) progress(name, await sample(), seconds, rate);
    process.stderr.write('\n');
    const cpu = process.cpuUsage(cpuBefore);
    const nodesCpu = systemCpu();
    const hist = combineHistograms(await decisionHistogram(), histBefore, -1);
    const c = ledger.counts();
    const duration = (loadEnd - start) / 1000;
    const emails = ledger.completedBetween(start, loadEnd);
    const replies = summarize(ledger.replyLatencies.map((l) => l.ms));
    const webhook = summarize(webhookMs);
    // This run's new threads may be continued by the next run's webhooks (each listed once).
    for (const t of lastMessageOfThread.keys()) {
      if (continuable.length >= 50_000) break;
      if (!listed.has(t)) {
        listed.add(t);
        continuable.push(t);
      }
    }
    const q = (p: number) => {
      const v = histogramQuantile(hist, p);
      return v === null ? null : ms(v * 1000);
    };
    return {
      offered_per_s: rate,
      duration_s: round(duration),
      sent,
      sent_per_s: Math.round(sent / duration),
      accepted_per_s: Math.round(c.accepted / duration),
      rejected,
      emails,
      emails_per_s: Math.round(emails / duration),
      webhook_p50_ms: webhook.p50,
      webhook_p99_ms: webhook.p99,
      decision_p50_ms: q(0.5),
      decision_p99_ms: q(0.99),
      decisions: hist.at(-1)?.count ?? 0,
      reply_p50_ms: replies.p50,
      reply_p95_ms: replies.p95,
      reply_p99_ms: replies.p99,
      replied: c.replied,
      escalated: c.escalated,
      lost: c.lost,
      duplicated: c.duplicated,
      backlog_end: atEnd.backlog,
      backlog_end_mail: atEnd.mailPending,
      backlog_end_work: atEnd.workPending,
      backlog_bounded: backlogBounded(atEnd.backlog, emails / duration),
      bench_cpu_s: round((cpu.user + cpu.system) / 1e6, 2),
      node_cpu_ms_per_email:
        ledger.completed > 0
          ? round(((nodesCpu.node - nodesCpuBefore.node) * 1000) / ledger.completed, 2)
          : null,
      nats_cpu_ms_per_email:
        ledger.completed > 0
          ? round(((nodesCpu.nats - nodesCpuBefore.nats) * 1000) / ledger.completed, 2)
          : null,
      samples,
      latency_over_time: latencyOverTime(ledger.replyLatencies, start, 1_000),
    };
  }
} finally {
  clearTimeout(watchdog);
  await cleanup();
}

function progress(name: string, s: Sample, seconds: number, rate: Rate): void {
  const done = Math.min(1, s.t / seconds);
  const bar = '#'.repeat(Math.round(done * 30)).padEnd(30, '.');
  // A terminal gets one line redrawn; a log file gets a line every 10 s.
  if (!process.stderr.isTTY && Math.round(s.t) % 10 !== 0) return;
  process.stderr.write(
    `${process.stderr.isTTY ? '\r' : '\n'}${name.padEnd(9)} [${bar}] ${String(Math.round(s.t)).padStart(3)} s  offered ${rate}/s  accepted ${s.accepted}  ` +
      `answered ${s.completed}  behind ${s.backlog} (mail ${s.mailPending}, work ${s.workPending})   `,
  );
}

type ProcessRow = {
  name: string;
  kind: string;
  pid: number | undefined;
  cpu_s: number | null;
  peak_rss_mb: number | null;
};

async function report(
  runs: RunResult[],
  processes: ProcessRow[],
  preloaded: number,
  saturatedAt: Rate | undefined,
): Promise<void> {
  const bounded = runs.filter((r) => r.backlog_bounded && r.lost === 0);
  const headline = [...bounded].sort((a, b) => b.emails_per_s - a.emails_per_s)[0] ?? runs.at(-1)!;
  const at = (rate: number) => runs.find((r) => r.offered_per_s === rate);
  /** A target at `rate`: checked on its run; missed when the sweep saturated below that rate; else not measured. */
  const atRate = (rate: number, ok: (r: RunResult) => boolean): boolean | null => {
    const r = at(rate);
    if (r) return ok(r);
    return typeof saturatedAt === 'number' && saturatedAt < rate ? false : null;
  };
  const nodeRss = processes.filter((p) => p.kind === 'node').map((p) => p.peak_rss_mb ?? 0);
  const sustained = runs.find((r) => r.duration_s >= 59 && r.backlog_bounded && r.emails_per_s >= 1_500);
  const targets = {
    emails_per_s_at_least_1500_for_60s_bounded: args.nodes === 1 ? sustained !== undefined : null,
    reply_p95_at_most_250ms_at_500_per_s: atRate(
      500,
      (r) => r.lost === 0 && (r.reply_p95_ms ?? Infinity) <= 250,
    ),
    webhook_p99_at_most_20ms_at_1000_per_s: at(1_000) ? (at(1_000)!.webhook_p99_ms ?? Infinity) <= 20 : null,
    peak_rss_at_most_300mb_per_node: nodeRss.every((r) => r <= 300),
    no_loss_no_duplicate: runs.every((r) => r.lost === 0 && r.duplicated === 0),
  };
  const { samples: _s, latency_over_time: _l, ...head } = headline;
  const result = {
    cores: availableParallelism(),
    nodes: args.nodes,
    ...head,
    peak_rss_mb: Math.max(...nodeRss),
    preloaded_threads: preloaded,
    saturated_at_per_s: saturatedAt ?? null,
    runs,
    processes,
    targets,
    seed: {
      emails_per_s_one_node: 1000 / 60,
      emails_per_s_three_nodes: 2500 / 60,
      processing_p95_ms: 2000,
      consensus_p95_ms: 500,
    },
    setup: {
      node: process.version,
      load_avg: loadavg().map((l) => round(l, 2)),
      api_latency_ms: args.apiLatencyMs,
      responder: args.model ? 'fake model' : 'built-in',
      continuing: args.continuing,
      concurrency: args.concurrency,
      nats: args.nodes === 1 ? '1 nats-server, R1 file storage' : '3 nats-servers, R3 file storage',
    },
  };
  const name = `e2e${args.nodes === 3 ? '-3nodes' : ''}${preloaded > 0 ? '-preload' : ''}`;
  const out = join(root, 'bench/results');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const mark = (v: boolean | null) => (v === null ? 'not measured' : v ? 'met' : 'NOT MET');
  const md = [
    `End-to-end bench: ${args.nodes} node(s), ${result.cores} cores, ${result.setup.nats}, ${result.setup.responder} responder, ` +
      `API latency ${args.apiLatencyMs} ms, ${Math.round(args.continuing * 100)}% continuing conversations` +
      (preloaded > 0 ? `, ${preloaded} threads already owned` : '') +
      `; load average at the end ${result.setup.load_avg.join(' ')}`,
    '',
    '| offered/s | sent/s | emails/s end to end | webhook p50 / p99 ms | decision p50 / p99 ms | reply p50 / p95 / p99 ms | replied | lost | duplicated | backlog at end (mail, work) | bounded | CPU ms/email node, NATS |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|',
    ...runs.map(
      (r) =>
        `| ${r.offered_per_s} | ${r.sent_per_s} | ${r.emails_per_s} | ${r.webhook_p50_ms} / ${r.webhook_p99_ms} | ` +
        `${r.decision_p50_ms} / ${r.decision_p99_ms} | ${r.reply_p50_ms} / ${r.reply_p95_ms} / ${r.reply_p99_ms} | ` +
        `${r.replied} | ${r.lost} | ${r.duplicated} | ${r.backlog_end} (${r.backlog_end_mail}, ${r.backlog_end_work}) | ${r.backlog_bounded ? 'yes' : 'NO'} | ` +
        `${r.node_cpu_ms_per_email}, ${r.nats_cpu_ms_per_email} |`,
    ),
    '',
    `Seed's figures: ${round(result.seed.emails_per_s_one_node)} emails/s on one node, ${round(result.seed.emails_per_s_three_nodes)} on three, processing p95 < 2 s, consensus p95 < 500 ms.`,
    '',
    '| process | CPU s | peak RSS MB |',
    '|---|---:|---:|',
    ...processes.map((p) => `| ${p.name} | ${p.cpu_s ?? '-'} | ${p.peak_rss_mb ?? '-'} |`),
    '',
    ...(saturatedAt === undefined ? [] : [`Saturated at ${saturatedAt}/s: higher rates were not run.`, '']),
    '| target | result |',
    '|---|---|',
    ...Object.entries(targets).map(([k, v]) => `| ${k} | ${mark(v)} |`),
    '',
  ].join('\n');
  await writeFile(join(out, `${name}.md`), md);
  await writeFile(
    join(out, `${name}.svg`),
    svgLinePlot({
      title: `Webhook to reply sent, by second of the run (offered ${headline.offered_per_s}/s)`,
      xLabel: 'seconds into the run',
      yLabel: 'ms',
      series: (['p50', 'p95', 'p99'] as const).map((p) => ({
        name: `reply ${p}`,
        points: headline.latency_over_time.map((b) => [b.t, b[p]] as const),
      })),
      marks: [{ y: 250, label: 'target p95 250 ms' }],
    }),
  );
  const numeric = runs.filter(
    (r): r is RunResult & { offered_per_s: number } => typeof r.offered_per_s === 'number',
  );
  if (numeric.length > 1) {
    await writeFile(
      join(out, `${name}-load.svg`),
      svgLinePlot({
        title: 'Webhook to reply sent against offered load',
        xLabel: 'offered webhooks/s',
        yLabel: 'ms',
        series: (['reply_p50_ms', 'reply_p95_ms', 'reply_p99_ms'] as const).map((k) => ({
          name: k.replace('_ms', '').replace('_', ' '),
          points: numeric.map((r) => [r.offered_per_s, r[k] ?? 0] as const),
        })),
      }),
    );
  }
  console.log(md);
  if (!targets.no_loss_no_duplicate) process.exitCode = 1;
}
