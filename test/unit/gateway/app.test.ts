// Tests for the gateway HTTP app through app.inject() and a real loopback socket, with an in-memory sink.
import { expect } from 'chai';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Rates } from '../../../gateway/status-page.ts';
import { buildGatewayApp, WEBHOOK_PATH, type GatewayDeps, type WebhookSink } from '../../../gateway/app.ts';
import {
  SinkUnavailableError,
  GatewayErrorCode,
  gatewayErrorStatus,
  WebhookSecretError,
  type GatewayErrorBody,
} from '../../../gateway/errors.ts';
import type { VerifiedWebhook } from '../../../gateway/webhook.ts';
import { randomWebhookSecret, signWebhook, type SignedWebhook } from '../../../scripts/sign-webhook.ts';
import { webhookFixture as fixture } from '../../support/webhook-fixtures.ts';

interface Published {
  event: VerifiedWebhook;
  msgId: string;
}

class RecordingSink implements WebhookSink {
  readonly published: Published[] = [];
  failWith: Error | undefined = undefined;
  async publish(event: VerifiedWebhook, msgId: string): Promise<void> {
    if (this.failWith !== undefined) throw this.failWith;
    this.published.push({ event, msgId });
  }
}

interface LogLine {
  level: string;
  msg: string;
  meta: unknown;
}

const adminToken = 'test-admin-token-0123456789';
const asAdmin = { authorization: `Bearer ${adminToken}` };

function harness(overrides: Partial<GatewayDeps> = {}) {
  const secret = randomWebhookSecret();
  const sink = new RecordingSink();
  const registry = new Registry();
  const logs: LogLine[] = [];
  const logger = {
    debug: (msg: string, meta?: unknown) => logs.push({ level: 'debug', msg, meta }),
    info: (msg: string, meta?: unknown) => logs.push({ level: 'info', msg, meta }),
    warn: (msg: string, meta?: unknown) => logs.push({ level: 'warn', msg, meta }),
    error: (msg: string, meta?: unknown) => logs.push({ level: 'error', msg, meta }),
  };
  const app = buildGatewayApp({
    sink,
    secret,
    nodeId: 'node-1',
    readiness: async () => ({ ok: true, checks: { nats: { ok: true } } }),
    status: () => ({ node_id: 'node-1', actors: 3 }),
    adminToken,
    registry,
    logger,
    ...overrides,
  });
  return { app, secret, sink, registry, logs };
}

function post(app: FastifyInstance, signed: SignedWebhook, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: WEBHOOK_PATH,
    headers: { ...signed.headers, ...headers },
    payload: signed.body,
  });
}

async function counterValue(registry: Registry, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric('webhook_requests_total');
  if (!metric) return 0;
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value ?? 0;
}

describe('app', () => {
  let apps: FastifyInstance[] = [];
  function track<T extends { app: FastifyInstance }>(h: T): T {
    apps.push(h.app);
    return h;
  }
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps = [];
  });

  describe('POST /webhook/agentmail', () => {
    it('publishes a verified message.received once, with the svix-id as msgId, and answers 200', async () => {
      const { app, secret, sink } = track(harness());
      const signed = signWebhook(secret, fixture('message-received'), { msgId: 'msg_one' });
      const res = await post(app, signed);
      expect(res.statusCode).to.equal(200);
      expect(res.json()).to.deep.equal({ status: 'accepted', event_id: 'evt_123abc', kind: 'received' });
      expect(sink.published).to.have.length(1);
      const [first] = sink.published;
      expect(first!.msgId).to.equal('msg_one');
      expect(first!.event).to.include({ kind: 'received', eventType: 'message.received', svixId: 'msg_one' });
    });

    it('answers only after the sink has resolved', async () => {
      let release!: () => void;
      let called!: () => void;
      const sinkCalled = new Promise<void>((resolve) => (called = resolve));
      const sink: WebhookSink = {
        publish: () =>
          new Promise<void>((resolve) => {
            release = resolve;
            called();
          }),
      };
      const { app, secret } = track(harness({ sink }));
      let answered = false;
      const response = post(app, signWebhook(secret, fixture('message-received'))).then((res) => {
        answered = true;
        return res;
      });
      await sinkCalled;
      // Give a wrong implementation every chance to answer early; a right one cannot.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(answered).to.equal(false);
      release();
      expect((await response).statusCode).to.equal(200);
    });

    it('accepts application/json with a charset parameter', async () => {
      const { app, secret, sink } = track(harness());
      const res = await post(app, signWebhook(secret, fixture('message-sent')), {
        'content-type': 'application/json; charset=utf-8',
      });
      expect(res.statusCode).to.equal(200);
      expect(sink.published[0]!.event.kind).to.equal('other');
    });

    it('accepts an unknown event type, hands it on flagged unknown, and answers 200', async () => {
      const { app, secret, sink } = track(harness());
      const res = await post(app, signWebhook(secret, fixture('unknown-event')));
      expect(res.statusCode).to.equal(200);
      expect(res.json()).to.include({ kind: 'unknown' });
      expect(sink.published[0]!.event).to.include({ kind: 'unknown', eventType: 'inbox.created' });
    });

    it('tolerates from_ and gives the sink a normalised from', async () => {
      const { app, secret, sink } = track(harness());
      const res = await post(app, signWebhook(secret, fixture('message-received-from-underscore')));
      expect(res.statusCode).to.equal(200);
      const { event } = sink.published[0]!;
      if (event.kind !== 'received') throw new Error('expected a received event');
      expect(event.payload.message.from).to.equal('jane@example.com');
      expect(event.payload.message).not.to.have.property('from_');
    });

    const rejections: Array<{
      name: string;
      make: (secret: string) => { signed: SignedWebhook; headers?: Record<string, string> };
      status: number;
      body: GatewayErrorBody;
    }> = [
      {
        name: 'no svix headers',
        make: (secret) => {
          const signed = signWebhook(secret, fixture('message-received'));
          return { signed: { body: signed.body, headers: { 'content-type': 'application/json' } as never } };
        },
        status: 401,
        body: { error: 'invalid_signature', reason: 'missing_headers' },
      },
      {
        name: 'a wrong secret',
        make: () => ({ signed: signWebhook(randomWebhookSecret(), fixture('message-received')) }),
        status: 401,
        body: { error: 'invalid_signature', reason: 'no_matching_signature' },
      },
      {
        name: 'a tampered body',
        make: (secret) => {
          const signed = signWebhook(secret, fixture('message-received'));
          return { signed: { ...signed, body: signed.body.replace('Jane', 'Joan') } };
        },
        status: 401,
        body: { error: 'invalid_signature', reason: 'no_matching_signature' },
      },
      {
        name: 'a replayed old timestamp',
        make: (secret) => ({
          signed: signWebhook(secret, fixture('message-received'), {
            date: new Date(Date.now() - 10 * 60_000),
          }),
        }),
        status: 401,
        body: { error: 'invalid_signature', reason: 'timestamp_too_old' },
      },
      {
        name: 'a future timestamp',
        make: (secret) => ({
          signed: signWebhook(secret, fixture('message-received'), {
            date: new Date(Date.now() + 10 * 60_000),
          }),
        }),
        status: 401,
        body: { error: 'invalid_signature', reason: 'timestamp_too_new' },
      },
      {
        name: 'a signed body that is not JSON',
        make: (secret) => ({ signed: signWebhook(secret, 'not json at all') }),
        status: 400,
        body: { error: 'invalid_json', reason: 'body is not valid JSON' },
      },
      {
        name: 'a schema error',
        make: (secret) => {
          const payload = fixture('message-received');
          (payload['message'] as Record<string, unknown>)['thread_id'] = 7;
          return { signed: signWebhook(secret, payload) };
        },
        status: 400,
        body: { error: 'invalid_payload', field: '/message/thread_id', reason: 'must be string' },
      },
      {
        name: 'a text/plain content type',
        make: (secret) => ({
          signed: signWebhook(secret, fixture('message-received')),
          headers: { 'content-type': 'text/plain' },
        }),
        status: 415,
        body: { error: 'unsupported_media_type' },
      },
    ];
    for (const c of rejections) {
      it(`answers ${c.status} ${c.body.error} to ${c.name} and publishes nothing`, async () => {
        const { app, secret, sink } = track(harness());
        const { signed, headers } = c.make(secret);
        const res = await post(app, signed, headers);
        expect(res.statusCode).to.equal(c.status);
        expect(res.json()).to.deep.equal(c.body);
        expect(sink.published).to.have.length(0);
      });
    }

    it('answers 413 to a body over the limit, before reading it all', async () => {
      const { app, secret, sink } = track(harness({ bodyLimitBytes: 4096 }));
      const payload = fixture('message-received');
      (payload['message'] as Record<string, unknown>)['text'] = 'x'.repeat(5000);
      const res = await post(app, signWebhook(secret, payload));
      expect(res.statusCode).to.equal(413);
      expect(res.json()).to.deep.equal({ error: 'payload_too_large' });
      expect(sink.published).to.have.length(0);
    });

    it('accepts a 1 MB AgentMail payload with the default limit', async () => {
      const { app, secret } = track(harness());
      const payload = fixture('message-received');
      (payload['message'] as Record<string, unknown>)['html'] = 'x'.repeat(1024 * 1024 - 4096);
      expect((await post(app, signWebhook(secret, payload))).statusCode).to.equal(200);
    });

    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'] as const) {
      it(`answers ${method} with 405 and Allow: POST`, async () => {
        const { app } = track(harness());
        const res = await app.inject({
          method,
          url: WEBHOOK_PATH,
          headers: { 'content-type': 'text/plain' },
          payload: method === 'GET' ? undefined : 'hello',
        });
        expect(res.statusCode).to.equal(405);
        expect(res.headers['allow']).to.equal('POST');
        expect(res.json()).to.deep.equal({ error: 'method_not_allowed' });
      });
    }

    it('answers 503 with Retry-After when the sink says the bus is unavailable', async () => {
      const { app, secret, sink } = track(harness({ retryAfterSeconds: 7 }));
      sink.failWith = new SinkUnavailableError('no JetStream ack');
      const res = await post(app, signWebhook(secret, fixture('message-received')));
      expect(res.statusCode).to.equal(503);
      expect(res.headers['retry-after']).to.equal('7');
      expect(res.json()).to.deep.equal({ error: 'bus_unavailable' });
    });

    it('treats any error marked retryable as the bus being unavailable', async () => {
      const { app, secret, sink } = track(harness());
      sink.failWith = Object.assign(new Error('timeout'), { retryable: true });
      expect((await post(app, signWebhook(secret, fixture('message-received')))).statusCode).to.equal(503);
    });

    it('answers 503 when the sink does not settle within the publish timeout', async () => {
      const sink: WebhookSink = { publish: () => new Promise<void>(() => undefined) };
      const { app, secret } = track(harness({ sink, publishTimeoutMs: 20 }));
      const res = await post(app, signWebhook(secret, fixture('message-received')));
      expect(res.statusCode).to.equal(503);
      expect(res.headers['retry-after']).to.be.a('string');
    });

    it('answers 500 when the sink fails with an error that is not retryable', async () => {
      const { app, secret, sink } = track(harness());
      sink.failWith = new Error('schema mismatch on the bus');
      const res = await post(app, signWebhook(secret, fixture('message-received')));
      expect(res.statusCode).to.equal(500);
      expect(res.json()).to.deep.equal({ error: 'internal_error' });
    });

    it('accepts the same delivery again on a retry after a 503', async () => {
      const { app, secret, sink } = track(harness());
      const signed = signWebhook(secret, fixture('message-received'), { msgId: 'msg_retry' });
      sink.failWith = new SinkUnavailableError();
      expect((await post(app, signed)).statusCode).to.equal(503);
      sink.failWith = undefined;
      expect((await post(app, signed)).statusCode).to.equal(200);
      expect(sink.published.map((p) => p.msgId)).to.deep.equal(['msg_retry']);
    });
  });

  describe('metrics and logs', () => {
    it('counts every outcome by event type and status', async () => {
      const { app, secret, sink, registry } = track(harness());
      await post(app, signWebhook(secret, fixture('message-received')));
      await post(app, signWebhook(secret, fixture('message-received')));
      await post(app, signWebhook(secret, fixture('message-sent')));
      await post(app, signWebhook(randomWebhookSecret(), fixture('message-received')));
      const broken = fixture('message-received');
      delete broken['thread'];
      await post(app, signWebhook(secret, broken));
      await app.inject({ method: 'GET', url: WEBHOOK_PATH });
      sink.failWith = new SinkUnavailableError();
      await post(app, signWebhook(secret, fixture('message-received')));

      expect(await counterValue(registry, { event_type: 'message.received', status: '200' })).to.equal(2);
      expect(await counterValue(registry, { event_type: 'message.sent', status: '200' })).to.equal(1);
      expect(await counterValue(registry, { event_type: 'unknown', status: '401' })).to.equal(1);
      expect(await counterValue(registry, { event_type: 'message.received', status: '400' })).to.equal(1);
      expect(await counterValue(registry, { event_type: 'unknown', status: '405' })).to.equal(1);
      expect(await counterValue(registry, { event_type: 'message.received', status: '503' })).to.equal(1);

      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).to.include('webhook_requests_total{event_type="message.received",status="200"} 2');
      expect(text).to.match(
        /webhook_processing_duration_seconds_count\{event_type="message.received",status="200"\} 2/,
      );
    });

    it('labels unknown event types as unknown so senders cannot create new series', async () => {
      const { app, secret, registry } = track(harness());
      await post(app, signWebhook(secret, { ...fixture('unknown-event'), event_type: 'made.up.1' }));
      await post(app, signWebhook(secret, { ...fixture('unknown-event'), event_type: 'made.up.2' }));
      expect(await counterValue(registry, { event_type: 'unknown', status: '200' })).to.equal(2);
    });

    it('can be built twice on one registry', () => {
      const registry = new Registry();
      track(harness({ registry }));
      expect(() => track(harness({ registry }))).not.to.throw();
    });

    it('logs svix-id, event type, status and reason, and no addresses, subjects or text', async () => {
      const { app, secret, sink, logs } = track(harness());
      await post(app, signWebhook(secret, fixture('message-received'), { msgId: 'msg_logged' }));
      const broken = fixture('message-received');
      (broken['message'] as Record<string, unknown>)['labels'] = 'Jane Doe <jane@example.com>';
      await post(app, signWebhook(secret, broken));
      await post(app, signWebhook(randomWebhookSecret(), fixture('message-received')));
      sink.failWith = new SinkUnavailableError('publish to cs.mail.received.support@agentmail.to failed');
      await post(app, signWebhook(secret, fixture('message-received')));

      expect(logs).to.have.length(4);
      expect(logs[0]).to.deep.include({ level: 'debug' });
      expect(logs[0]!.meta).to.deep.include({
        svix_id: 'msg_logged',
        event_type: 'message.received',
        status: 200,
      });
      expect(logs[1]!.meta).to.deep.include({
        status: 400,
        field: '/message/labels',
        reason: 'must be array',
      });
      expect(logs[2]!.meta).to.deep.include({ status: 401, reason: 'no_matching_signature' });
      expect(logs[3]!.meta).to.deep.include({ status: 503, reason: 'bus_unavailable' });
      const all = JSON.stringify(logs);
      for (const secretWord of [
        'jane',
        'Jane',
        'example.com',
        'agentmail.to',
        'Question about',
        'log in',
        'thd_',
      ]) {
        expect(all).not.to.include(secretWord);
      }
    });
  });

  describe('GET /health, /status, /metrics', () => {
    it('reports healthy with 200 when readiness is ok', async () => {
      const { app } = track(harness({ now: () => Date.UTC(2026, 0, 2, 3, 4, 5) }));
      const res = await app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).to.equal(200);
      expect(res.json()).to.deep.equal({
        status: 'healthy',
        node_id: 'node-1',
        timestamp: '2026-01-02T03:04:05.000Z',
        checks: { nats: { ok: true } },
      });
    });

    it('reports unhealthy with 503 and the failing checks when readiness is not ok', async () => {
      const { app } = track(
        harness({ readiness: async () => ({ ok: false, checks: { nats: { ok: false } } }) }),
      );
      const res = await app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).to.equal(503);
      expect(res.json()).to.deep.include({ status: 'unhealthy', checks: { nats: { ok: false } } });
    });

    it('reports unhealthy with 503 when readiness itself throws', async () => {
      const { app } = track(
        harness({
          readiness: async () => {
            throw new Error('boom');
          },
        }),
      );
      const res = await app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).to.equal(503);
      expect(res.json()).to.include({ status: 'unhealthy' });
    });

    it('serves status() as JSON, sync or async', async () => {
      const sync = track(harness());
      expect(
        (await sync.app.inject({ method: 'GET', url: '/status', headers: asAdmin })).json(),
      ).to.deep.equal({
        node_id: 'node-1',
        actors: 3,
      });
      const async = track(harness({ status: async () => ({ ready: true }) }));
      expect(
        (await async.app.inject({ method: 'GET', url: '/status', headers: asAdmin })).json(),
      ).to.deep.equal({
        ready: true,
      });
    });

    it('serves the registry as Prometheus text', async () => {
      const { app, registry } = track(harness());
      registry.registerMetric(
        new (await import('prom-client')).Gauge({ name: 'some_other_metric', help: 'x', registers: [] }),
      );
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).to.equal(200);
      expect(res.headers['content-type']).to.include('text/plain');
      expect(res.body).to.include('# TYPE webhook_requests_total counter');
      expect(res.body).to.include('some_other_metric');
    });

    it('answers unknown paths with a catalogued 404', async () => {
      const { app } = track(harness());
      const res = await app.inject({ method: 'GET', url: '/nope' });
      expect(res.statusCode).to.equal(404);
      expect(res.json()).to.deep.equal({ error: 'not_found' });
    });
  });

  describe('admin access (ADMIN_TOKEN)', () => {
    it('refuses /status without the bearer token, or with a wrong one, with a catalogued 401', async () => {
      const { app } = track(harness());
      for (const headers of [
        {},
        { authorization: 'Bearer not-the-token-at-all' },
        { authorization: adminToken },
      ]) {
        const res = await app.inject({ method: 'GET', url: '/status', headers });
        expect(res.statusCode).to.equal(401);
        expect(res.json()).to.deep.equal({ error: 'unauthorized' });
        expect(res.headers['www-authenticate']).to.match(/^Bearer /);
        expect(res.body).to.not.include('node-1');
      }
    });

    it('keeps /health open and the webhook Svix-only: a bearer token does not stand in for a signature', async () => {
      const { app, secret, sink } = track(harness());
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).to.equal(200);
      const signed = signWebhook(secret, fixture('message-received'));
      const unsigned = await app.inject({
        method: 'POST',
        url: WEBHOOK_PATH,
        headers: { 'content-type': 'application/json', ...asAdmin },
        payload: signed.body,
      });
      expect(unsigned.statusCode).to.equal(401);
      expect(unsigned.json()).to.include({ error: 'invalid_signature' });
      expect((await post(app, signed)).statusCode).to.equal(200);
      expect(sink.published).to.have.length(1);
    });

    it('shows a sign-in form instead of the status page, and a wrong token gets the form again', async () => {
      const { app } = track(harness());
      const page = await app.inject({ method: 'GET', url: '/status/page' });
      expect(page.statusCode).to.equal(401);
      expect(page.headers['content-type']).to.include('text/html');
      expect(page.body).to.include('name="token"').and.not.include('/status/live');
      const wrong = await app.inject({
        method: 'POST',
        url: '/status/page',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'token=guess-guess-guess-guess',
      });
      expect(wrong.statusCode).to.equal(401);
      expect(wrong.headers['set-cookie']).to.equal(undefined);
      expect(wrong.body).to.include('not the admin token');
    });

    it('signs a browser in with the token (an HttpOnly cookie, never the token in a URL) and serves the page', async () => {
      const { app } = track(harness());
      const login = await app.inject({
        method: 'POST',
        url: '/status/page',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `token=${encodeURIComponent(adminToken)}`,
      });
      expect(login.statusCode).to.equal(303);
      expect(login.headers.location).to.equal('/status/page');
      const cookie = String(login.headers['set-cookie']);
      expect(cookie).to.include('HttpOnly').and.include('SameSite=Strict').and.include('Path=/status');
      const cookieHeader = cookie.split(';')[0]!;
      const page = await app.inject({
        method: 'GET',
        url: '/status/page',
        headers: { cookie: cookieHeader },
      });
      expect(page.statusCode).to.equal(200);
      expect(page.body).to.include('/status/live');
      expect(page.headers['content-security-policy']).to.include("connect-src 'self'");
      const status = await app.inject({ method: 'GET', url: '/status', headers: { cookie: cookieHeader } });
      expect(status.statusCode).to.equal(200);
      const other = await app.inject({
        method: 'GET',
        url: '/status',
        headers: { cookie: 'cs_admin=nope-nope-nope' },
      });
      expect(other.statusCode).to.equal(401);
    });

    it('feeds /status/live with the events and the webhook rate and latency since the previous poll', async () => {
      let clock = Date.UTC(2026, 0, 1);
      const event = {
        type: 'event' as const,
        event: 'reply.sent' as const,
        kind: 'agent' as const,
        actorId: 'n1-agent-0',
        nodeId: 'n1',
        at: new Date(clock).toISOString(),
        data: {},
      };
      const { app, secret } = track(
        harness({
          now: () => clock,
          live: () => ({ events: [event], conversations_per_agent: { 'n1-agent-0': 2 } }),
        }),
      );
      expect((await app.inject({ method: 'GET', url: '/status/live' })).statusCode).to.equal(401);
      const first = (
        await app.inject({ method: 'GET', url: '/status/live', headers: asAdmin })
      ).json<object>();
      expect(first).to.deep.include({
        rates: null,
        events: [event],
        conversations_per_agent: { 'n1-agent-0': 2 },
      });
      for (let i = 0; i < 4; i++) await post(app, signWebhook(secret, fixture('message-received')));
      clock += 2_000;
      const second = (await app.inject({ method: 'GET', url: '/status/live', headers: asAdmin })).json<{
        rates: Rates;
      }>();
      expect(second.rates).to.include({ window_seconds: 2, webhooks_per_second: 2, accepted_per_second: 2 });
      expect(second.rates.latency_mean_seconds).to.be.a('number').above(0);
      expect(second.rates.latency_p95_seconds).to.be.a('number').above(0);
    });
  });

  describe('construction', () => {
    it('refuses a malformed secret with WebhookSecretError', () => {
      expect(() => harness({ secret: 'whsec_***' })).to.throw(WebhookSecretError);
    });

    it('keeps one status per error code in the catalogue', () => {
      for (const code of Object.values(GatewayErrorCode)) {
        expect(gatewayErrorStatus[code]).to.be.within(400, 599);
      }
    });
  });

  describe('over a real socket', () => {
    it('accepts a signed webhook and rejects an oversized one on 127.0.0.1', async () => {
      const { app, secret, sink } = track(harness({ bodyLimitBytes: 8192 }));
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      const signed = signWebhook(secret, fixture('message-received'));
      const ok = await fetch(`${address}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
      });
      expect(ok.status).to.equal(200);
      expect(sink.published).to.have.length(1);

      const big = signWebhook(secret, { ...fixture('message-received'), padding: 'x'.repeat(20_000) });
      const tooBig = await fetch(`${address}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: big.headers,
        body: big.body,
      });
      expect(tooBig.status).to.equal(413);
      expect(await tooBig.json()).to.deep.equal({ error: 'payload_too_large' });
      expect(sink.published).to.have.length(1);
    });

    it('serves /health over the socket', async () => {
      const { app } = track(harness());
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      const res = await fetch(`${address}/health`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.include({ status: 'healthy', node_id: 'node-1' });
    });
  });

  describe('property: hostile input', () => {
    it('never answers 5xx except 503 when the sink fails, never throws, and every error is catalogued', async () => {
      const { app, secret, sink } = track(harness({ bodyLimitBytes: 2048 }));
      const validPayloads = [
        'message-received-minimal',
        'message-sent',
        'unknown-event',
        'domain-verified',
      ].map(fixture);
      // Weighted so that every outcome, 200 and 503 included, turns up in a run.
      const body = fc.oneof(
        { arbitrary: fc.string({ maxLength: 300 }), weight: 1 },
        { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'), weight: 1 },
        { arbitrary: fc.constantFrom(...validPayloads).map((v) => JSON.stringify(v)), weight: 3 },
        { arbitrary: fc.string({ minLength: 2100, maxLength: 2500 }), weight: 1 },
      );
      const contentType = fc.oneof(
        fc.constant('application/json'),
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'APPLICATION/JSON',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
          '',
        ),
        fc.string({ unit: fc.constantFrom(...'abcxyz/;=+- jsonJSON'.split('')), maxLength: 40 }),
        fc.constant(undefined),
      );
      const headerText = fc.string({
        unit: fc.constantFrom(...'v1,= abcXYZ019+/_msg'.split('')),
        maxLength: 60,
      });
      const signing = fc.constantFrom(
        'good',
        'good',
        'good',
        'wrong-secret',
        'random-headers',
        'none',
        'stale',
      );
      const method = fc.oneof(
        { arbitrary: fc.constant('POST'), weight: 6 },
        { arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), weight: 1 },
      );
      const seen = new Set<number>();
      const sinkFails = fc.boolean();

      await fc.assert(
        fc.asyncProperty(
          body,
          contentType,
          signing,
          headerText,
          headerText,
          headerText,
          method,
          sinkFails,
          async (payload, type, sign, id, ts, sig, verb, fails) => {
            sink.failWith = fails ? new SinkUnavailableError() : undefined;
            let headers: Record<string, string> = {};
            if (sign === 'good') headers = signWebhook(secret, payload).headers;
            if (sign === 'wrong-secret') headers = signWebhook(randomWebhookSecret(), payload).headers;
            if (sign === 'stale') headers = signWebhook(secret, payload, { date: new Date(0) }).headers;
            if (sign === 'random-headers')
              headers = { 'svix-id': id, 'svix-timestamp': ts, 'svix-signature': sig };
            delete headers['content-type'];
            if (type !== undefined) headers['content-type'] = type;
            const res = await app.inject({
              method: verb,
              url: WEBHOOK_PATH,
              headers,
              payload: verb === 'GET' || verb === 'HEAD' ? undefined : payload,
            });
            seen.add(res.statusCode);
            if (res.statusCode >= 500) {
              expect(res.statusCode, res.body).to.equal(503);
              expect(fails).to.equal(true);
            }
            if (res.statusCode >= 400 && verb !== 'HEAD') {
              const errorBody = res.json<GatewayErrorBody>();
              expect(Object.values(GatewayErrorCode)).to.include(errorBody.error);
              expect(gatewayErrorStatus[errorBody.error]).to.equal(res.statusCode);
            }
          },
        ),
        { numRuns: 400 },
      );
      // The property is only as good as the cases it reached.
      for (const status of [200, 400, 401, 405, 413, 415, 503]) expect([...seen]).to.include(status);
    });
  });
});
