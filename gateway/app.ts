// Builds the gateway's HTTP app (AgentMail webhook in, /health, /status, /metrics) from injected deps; must not listen, import the bus or log bodies.
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import {
  GatewayErrorCode,
  gatewayErrorStatus,
  isRetryable,
  SinkTimeoutError,
  type GatewayErrorBody,
} from './errors.ts';
import { requireAdmin } from './admin-auth.ts';
import { registerStatusPage, type LiveFeed } from './status-page.ts';
import { classifyEventType, createWebhookVerifier, processWebhook, type VerifiedWebhook } from './webhook.ts';

export const WEBHOOK_PATH = '/webhook/agentmail';
/** AgentMail caps a webhook at 1 MB (larger mail loses text/html; reference §1.2); headroom for JSON escaping. */
export const DEFAULT_WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024 + 64 * 1024;
/** Svix counts a delivery as failed after 15 s (reference §2.2); answer 503 before that so the retry is ours to ask for. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * Where verified webhooks go (the JetStream publisher, written elsewhere). publish() resolves only
 * once the event is durable; it rejects with an error carrying `retryable: true` (e.g.
 * SinkUnavailableError) when NATS/JetStream is down or did not ack in time. msgId is the svix-id,
 * for JetStream's duplicate window.
 */
export interface WebhookSink {
  publish(event: VerifiedWebhook, msgId: string): Promise<void>;
}

export type LogMeta = Record<string, unknown>;
export interface GatewayLogger {
  /** Accepted webhooks log here: one line per email at info would cost more than the rest of the request's logging. */
  debug?(msg: string, meta?: LogMeta): void;
  info(msg: string, meta?: LogMeta): void;
  warn(msg: string, meta?: LogMeta): void;
  error(msg: string, meta?: LogMeta): void;
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, unknown>;
}

export interface GatewayDeps {
  sink: WebhookSink;
  /** Svix signing secret, `whsec_…`; a malformed one makes buildGatewayApp throw WebhookSecretError. */
  secret: string;
  /** Reported by /health so an operator can tell the nodes behind a load balancer apart. */
  nodeId: string;
  bodyLimitBytes?: number;
  readiness(): Promise<Readiness>;
  status(): Promise<object> | object;
  /** Bearer token for /status, the status page and admin endpoints (the webhook stays Svix-only, /health open). */
  adminToken: string;
  /** The status page's feed beyond /status: recent events, conversations per agent. */
  live?: () => Promise<LiveFeed> | LiveFeed;
  registry: Registry;
  logger: GatewayLogger;
  publishTimeoutMs?: number;
  retryAfterSeconds?: number;
  /** Clock for receivedAt and /health timestamps; tests may pin it. Signature freshness uses svix's own clock. */
  now?: () => number;
}

const webhookMethodsNotAllowed = ['GET', 'HEAD', 'TRACE', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

// What one webhook request turned into, for its single log line and its metric labels.
interface RequestNote {
  eventType: string;
  reason?: string;
  field?: string;
  kind?: VerifiedWebhook['kind'];
}

/** The seed's names of the webhook metrics (the app may import nothing outside gateway/ and schemas/). */
const webhookMetricNames = {
  requests: 'webhook_requests_total',
  duration: 'webhook_processing_duration_seconds',
} as const;

/** The seed's two webhook metrics, on the given registry; reused when the app is built twice on one (tests, restarts). */
function webhookMetrics(registry: Registry): {
  requests: Counter<'event_type' | 'status'>;
  duration: Histogram<'event_type' | 'status'>;
} {
  const requests = registry.getSingleMetric(webhookMetricNames.requests);
  const duration = registry.getSingleMetric(webhookMetricNames.duration);
  if (requests instanceof Counter && duration instanceof Histogram) return { requests, duration };
  return {
    requests: new Counter({
      name: webhookMetricNames.requests,
      help: 'AgentMail webhook requests by event type and HTTP status',
      labelNames: ['event_type', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: webhookMetricNames.duration,
      help: 'AgentMail webhook handling time, including the wait for the bus ack',
      labelNames: ['event_type', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers: [registry],
    }),
  };
}

/** Metric label for an event type: known types by name, anything else 'unknown', so a sender cannot grow the series. */
function eventTypeLabel(eventType: string | undefined): string {
  return eventType !== undefined && classifyEventType(eventType) !== 'unknown' ? eventType : 'unknown';
}

function sendError(reply: FastifyReply, body: GatewayErrorBody): FastifyReply {
  return reply.code(gatewayErrorStatus[body.error]).type('application/json').send(body);
}

/** Maps fastify's own errors (body parsing, limits) onto the catalogue; anything unexpected is a 500. */
function errorBodyFor(err: FastifyError): GatewayErrorBody {
  const status = err.statusCode ?? 500;
  if (status === 413) return { error: GatewayErrorCode.PayloadTooLarge };
  if (status === 415) return { error: GatewayErrorCode.UnsupportedMediaType };
  if (status >= 400 && status < 500)
    return { error: GatewayErrorCode.BadRequest, reason: err.code ?? 'bad_request' };
  return { error: GatewayErrorCode.Internal };
}

function withTimeout<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SinkTimeoutError(timeoutMs)), timeoutMs);
    // Handlers stay attached after a timeout, so a late rejection is never unhandled.
    Promise.resolve()
      .then(work)
      .then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
  });
}

/** svix-id as a log field: unverified input, so only a short, printable prefix of it. */
function svixIdForLog(request: FastifyRequest): string | undefined {
  const value = request.headers['svix-id'];
  return typeof value === 'string' ? value.replace(/[^\x21-\x7e]/g, '?').slice(0, 64) : undefined;
}

/** Errors from the sink are logged by code or name only: their messages may carry subjects built from addresses. */
function errorTag(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const { code, name } = err as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'unknown_error';
}

export function buildGatewayApp(deps: GatewayDeps): FastifyInstance {
  const verifier = createWebhookVerifier(deps.secret);
  const bodyLimit = deps.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT_BYTES;
  const publishTimeoutMs = deps.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  const retryAfter = String(deps.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS);
  const now = deps.now ?? Date.now;
  const { requests, duration: latency } = webhookMetrics(deps.registry);
  const notes = new WeakMap<FastifyRequest, RequestNote>();

  // fastify's logger stays off: it would log URLs and headers on its own terms; we log through deps.logger.
  const app = Fastify({ logger: false, bodyLimit, return503OnClosing: true });

  app.setNotFoundHandler((_request, reply) => sendError(reply, { error: GatewayErrorCode.NotFound }));
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const body = errorBodyFor(err);
    const note = notes.get(request) ?? { eventType: 'unknown' };
    note.reason = body.reason ?? body.error;
    notes.set(request, note);
    if (body.error === GatewayErrorCode.Internal) {
      deps.logger.error('gateway request failed', { path: request.routeOptions.url, reason: errorTag(err) });
    }
    return sendError(reply, body);
  });

  app.register(async (webhookScope) => {
    // One place counts and logs every webhook outcome, including those fastify answers itself (413, 415).
    webhookScope.addHook('onResponse', async (request, reply) => {
      const note = notes.get(request) ?? { eventType: 'unknown' };
      const status = reply.statusCode;
      const labels = { event_type: eventTypeLabel(note.eventType), status: String(status) };
      requests.inc(labels);
      latency.observe(labels, reply.elapsedTime / 1000);
      const meta: LogMeta = { svix_id: svixIdForLog(request), event_type: labels.event_type, status };
      if (note.kind !== undefined) meta['kind'] = note.kind;
      if (note.reason !== undefined) meta['reason'] = note.reason;
      if (note.field !== undefined) meta['field'] = note.field;
      if (status >= 500) deps.logger.error('webhook rejected', meta);
      else if (status >= 400) deps.logger.warn('webhook rejected', meta);
      else deps.logger.debug?.('webhook accepted', meta);
    });

    webhookScope.register(async (postScope) => {
      // The raw bytes are what Svix signed: no parser may touch them before verification.
      postScope.removeAllContentTypeParsers();
      postScope.addContentTypeParser(
        'application/json',
        { parseAs: 'buffer', bodyLimit },
        (_req, body, done) => done(null, body),
      );

      postScope.post(WEBHOOK_PATH, async (request, reply) => {
        const note: RequestNote = { eventType: 'unknown' };
        notes.set(request, note);
        if (!Buffer.isBuffer(request.body)) {
          // Only reached without a body and without a content type; anything else went through the parser.
          note.reason = 'missing_content_type';
          return sendError(reply, { error: GatewayErrorCode.UnsupportedMediaType });
        }
        const outcome = processWebhook(verifier, request.body, request.headers, now());
        if (!outcome.ok) {
          const { rejection } = outcome;
          note.reason = rejection.reason;
          if (rejection.code === GatewayErrorCode.InvalidPayload) {
            note.field = rejection.field;
            if (rejection.eventType !== undefined) note.eventType = rejection.eventType;
            return sendError(reply, {
              error: rejection.code,
              field: rejection.field,
              reason: rejection.reason,
            });
          }
          return sendError(reply, { error: rejection.code, reason: rejection.reason });
        }
        const { event } = outcome;
        note.eventType = event.eventType;
        note.kind = event.kind;
        try {
          await withTimeout(() => deps.sink.publish(event, event.svixId), publishTimeoutMs);
        } catch (err) {
          note.reason = errorTag(err);
          if (isRetryable(err)) {
            // Not acknowledged, so AgentMail keeps the delivery and retries it (reference §2.2).
            reply.header('retry-after', retryAfter);
            return sendError(reply, { error: GatewayErrorCode.BusUnavailable });
          }
          return sendError(reply, { error: GatewayErrorCode.Internal });
        }
        // Only now, with the event durable, may AgentMail forget it.
        return reply.code(200).send({ status: 'accepted', event_id: event.eventId, kind: event.kind });
      });
    });

    webhookScope.register(async (otherScope) => {
      // Wrong method wins over wrong body: accept any content type here and leave the body unread.
      otherScope.removeAllContentTypeParsers();
      otherScope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
      otherScope.route({
        method: webhookMethodsNotAllowed,
        url: WEBHOOK_PATH,
        exposeHeadRoute: false,
        handler: async (request, reply) => {
          notes.set(request, { eventType: 'unknown', reason: 'method_not_allowed' });
          reply.header('allow', 'POST');
          return sendError(reply, { error: GatewayErrorCode.MethodNotAllowed });
        },
      });
    });
  });

  app.get('/health', async (_request, reply) => {
    let readiness: Readiness;
    try {
      readiness = await deps.readiness();
    } catch (err) {
      readiness = { ok: false, checks: { readiness: { ok: false, error: errorTag(err) } } };
    }
    reply.header('cache-control', 'no-store');
    return reply.code(readiness.ok ? 200 : 503).send({
      status: readiness.ok ? 'healthy' : 'unhealthy',
      node_id: deps.nodeId,
      timestamp: new Date(now()).toISOString(),
      checks: readiness.checks,
    });
  });

  const admin = requireAdmin(deps.adminToken, (_request, reply) =>
    sendError(reply, { error: GatewayErrorCode.Unauthorized }),
  );
  registerStatusPage(app, {
    adminToken: deps.adminToken,
    live: deps.live ?? (() => ({ events: [], conversations_per_agent: null })),
    requests,
    latency,
    now,
    admin,
  });

  app.get('/status', { onRequest: admin }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return reply.send(await deps.status());
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.type(deps.registry.contentType).send(await deps.registry.metrics());
  });

  return app;
}
