// The live status page on the gateway: one HTML file (no build step, no CDN) that polls /status and /status/live,
// and the /status/live feed it reads (recent events, throughput, latency, conversations per agent). Admin only.
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Counter, Histogram } from 'prom-client';
import type { ActorEvent } from '../schemas/bus.ts';
import { adminCookie, isAdmin, tokenMatches } from './admin-auth.ts';

export const STATUS_PAGE_PATH = '/status/page';
const STATUS_LIVE_PATH = '/status/live';

/** What the gateway actor knows beyond /status: the latest events of every kind and who owns what. */
export interface LiveFeed {
  events: ActorEvent[];
  /** Active conversations per owning agent; null until the gateway has read the whole bucket. */
  conversations_per_agent: Record<string, number> | null;
}

export interface StatusPageDeps {
  adminToken: string;
  live(): LiveFeed | Promise<LiveFeed>;
  /** The webhook counter and latency histogram the app records (whatever their names). */
  requests: Counter<string>;
  latency: Histogram<string>;
  now: () => number;
  /** The app's admin check (an onRequest hook answering its catalogued 401). */
  admin: onRequestAsyncHookHandler;
}

/** Counter and histogram totals at one moment; rates are differences between two of them. */
export interface RateSample {
  at: number;
  requests: number;
  accepted: number;
  latencySum: number;
  latencyCount: number;
  /** Cumulative bucket counts by upper bound (`le`), summed over every label set. */
  buckets: Map<number, number>;
}

export interface Rates {
  window_seconds: number;
  webhooks_per_second: number;
  accepted_per_second: number;
  /** Mean and 95th percentile (bucket upper bound) of webhook handling time in the window; null without traffic. */
  latency_mean_seconds: number | null;
  latency_p95_seconds: number | null;
}

async function sampleRates(requests: Counter<string>, latency: Histogram<string>, at: number) {
  const sample: RateSample = {
    at,
    requests: 0,
    accepted: 0,
    latencySum: 0,
    latencyCount: 0,
    buckets: new Map(),
  };
  for (const v of (await requests.get()).values) {
    sample.requests += v.value;
    if (/^2\d\d$/.test(String(v.labels['status']))) sample.accepted += v.value;
  }
  for (const v of (await latency.get()).values) {
    const name = v.metricName ?? '';
    if (name.endsWith('_sum')) sample.latencySum += v.value;
    else if (name.endsWith('_count')) sample.latencyCount += v.value;
    else if (name.endsWith('_bucket')) {
      const le = v.labels['le'] === '+Inf' ? Infinity : Number(v.labels['le']);
      sample.buckets.set(le, (sample.buckets.get(le) ?? 0) + v.value);
    }
  }
  return sample;
}

/** Rates between two samples (pure); a percentile is the upper bound of the bucket it falls in, as Prometheus does. */
function ratesBetween(older: RateSample, newer: RateSample): Rates {
  const seconds = Math.max((newer.at - older.at) / 1000, 0.001);
  const count = newer.latencyCount - older.latencyCount;
  let p95: number | null = null;
  if (count > 0) {
    const bounds = [...newer.buckets.keys()].sort((a, b) => a - b);
    const rank = 0.95 * count;
    const bound = bounds.find((le) => (newer.buckets.get(le) ?? 0) - (older.buckets.get(le) ?? 0) >= rank);
    p95 = bound === undefined || bound === Infinity ? (bounds.filter(Number.isFinite).pop() ?? null) : bound;
  }
  return {
    window_seconds: Math.round(seconds * 10) / 10,
    webhooks_per_second: (newer.requests - older.requests) / seconds,
    accepted_per_second: (newer.accepted - older.accepted) / seconds,
    latency_mean_seconds: count > 0 ? (newer.latencySum - older.latencySum) / count : null,
    latency_p95_seconds: p95,
  };
}

/** Rates over about the last ten seconds, from samples taken when the page asks (nothing runs while nobody looks). */
class RateWindow {
  private samples: RateSample[] = [];

  add(sample: RateSample): Rates | null {
    this.samples = this.samples.filter((s) => sample.at - s.at <= 60_000);
    // The newest sample at least 10 s old, else the oldest: a window of about 10 s once the page has run that long.
    const older = this.samples.filter((s) => sample.at - s.at >= 10_000).pop() ?? this.samples[0];
    this.samples.push(sample);
    return older && sample.at > older.at ? ratesBetween(older, sample) : null;
  }
}

const page = readFileSync(new URL('./status-page.html', import.meta.url), 'utf8');

// Inline script and style only (the page is one file); it may talk to this origin and nothing else.
const pagePolicy =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; " +
  "img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function loginPage(wrong: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>agentmail-cs status: sign in</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}input,button{font:inherit;padding:.4rem}</style></head>
<body><h1>agentmail-cs status</h1>${wrong ? '<p role="alert">That token is not the admin token.</p>' : ''}
<p>Enter the admin token (ADMIN_TOKEN, or the file <code>admin-token</code> in the data folder that the gateway named at start).</p>
<form method="post" action="${STATUS_PAGE_PATH}"><input type="password" name="token" autocomplete="current-password" required autofocus aria-label="admin token">
<button type="submit">Sign in</button></form></body></html>`;
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .header('content-security-policy', pagePolicy)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .type('text/html; charset=utf-8')
    .send(html);
}

export function registerStatusPage(app: FastifyInstance, deps: StatusPageDeps): void {
  const window = new RateWindow();

  app.register(async (scope) => {
    // The sign-in form posts `token=...`; nothing else on the gateway takes a form.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_req, body, done) => done(null, new URLSearchParams(String(body))),
    );

    scope.get(STATUS_PAGE_PATH, async (request: FastifyRequest, reply) =>
      isAdmin(request, deps.adminToken) ? sendPage(reply, 200, page) : sendPage(reply, 401, loginPage(false)),
    );

    scope.post(STATUS_PAGE_PATH, async (request, reply) => {
      const token = request.body instanceof URLSearchParams ? request.body.get('token') : null;
      if (!tokenMatches(deps.adminToken, token ?? undefined)) return sendPage(reply, 401, loginPage(true));
      // Post/redirect/get: the token leaves the form for an HttpOnly cookie and never sits in a URL.
      return reply.header('set-cookie', adminCookie(deps.adminToken)).redirect(STATUS_PAGE_PATH, 303);
    });

    scope.get(STATUS_LIVE_PATH, { onRequest: deps.admin }, async (_request, reply) => {
      const [feed, sample] = await Promise.all([
        deps.live(),
        sampleRates(deps.requests, deps.latency, deps.now()),
      ]);
      reply.header('cache-control', 'no-store');
      return reply.send({ timestamp: new Date(sample.at).toISOString(), rates: window.add(sample), ...feed });
    });
  });
}
