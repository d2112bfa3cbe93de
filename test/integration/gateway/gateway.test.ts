// The gateway actor end to end: signed webhooks over real HTTP on 127.0.0.1 into a real nats-server's MAIL stream.
// It starts its own nats-server (so it may kill it) and stops every node and server it started.
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus } from '../../../bus/bus.ts';
import { loadConfig } from '../../../actors/runtime/config.ts';
import type { Logger } from '../../../telemetry/logger.ts';
import { freePort } from '../../../actors/node/nats-server.ts';
import { Streams } from '../../../bus/provision.ts';
import { token } from '../../../bus/subjects.ts';
import { contracts } from '../../../bus/contracts.ts';
import type { ActorEvent } from '../../../schemas/bus.ts';
import { runNode, type RunningNode } from '../../../actors/node/host.ts';
import { factories } from '../../../actors/node/registry.ts';
import type { GatewayActor } from '../../../gateway/server.ts';
import { WEBHOOK_PATH } from '../../../gateway/app.ts';
import { GatewayErrorCode, gatewayErrorStatus } from '../../../gateway/errors.ts';
import { testNats, type TestNats } from '../../support/nats.ts';
import { randomWebhookSecret, signWebhook, type SignedWebhook } from '../../../scripts/sign-webhook.ts';
import { webhookFixture as fixture } from '../../support/webhook-fixtures.ts';

// Silent: the 503s this suite provokes on purpose would otherwise print as errors.
const logger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => logger,
};

interface StoredMail {
  seq: number;
  subject: string;
  msgId: string | undefined;
  body: Record<string, unknown>;
}

/** Every message on the MAIL stream, read one by one: small streams only, and the whole history is checked. */
async function mailStream(bus: Bus): Promise<StoredMail[]> {
  const jsm = await bus.jsm();
  const { state } = await jsm.streams.info(Streams.mail);
  const out: StoredMail[] = [];
  if (state.messages === 0) return out;
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(Streams.mail, { seq }).catch(() => null);
    if (!m) continue;
    out.push({
      seq,
      subject: m.subject,
      msgId: m.header?.get('Nats-Msg-Id') || undefined,
      body: m.json<Record<string, unknown>>(),
    });
  }
  return out;
}

async function stored(bus: Bus, svixId: string): Promise<StoredMail[]> {
  return (await mailStream(bus)).filter((m) => m.msgId === svixId);
}

function post(url: string, signed: SignedWebhook): Promise<Response> {
  return fetch(`${url}${WEBHOOK_PATH}`, { method: 'POST', headers: signed.headers, body: signed.body });
}

/** Polls until `check` holds: waits on a state change, never asserts on elapsed time. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `webhook_requests_total` series from a Prometheus text page, keyed `event_type|status`. */
function webhookCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^webhook_requests_total\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!] as const),
    );
    counts.set(`${labels['event_type']}|${labels['status']}`, Number(m[2]));
  }
  return counts;
}

async function metricsAt(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status, url).to.equal(200);
  return webhookCounts(await res.text());
}

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 request as raw bytes over a fresh TCP connection, so methods, header names and bodies reach the
 * server exactly as generated (fetch would refuse or rewrite some); the answer is read until the server closes.
 */
function rawRequest(port: number, head: string, body: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = tcpConnect({ host: '127.0.0.1', port });
    // A safety net against a hung server, not a latency assertion: a healthy answer takes milliseconds.
    socket.setTimeout(15_000, () => socket.destroy(new Error('no answer from the gateway')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m) return reject(new Error(`no HTTP status line in ${JSON.stringify(text.slice(0, 200))}`));
      const split = text.indexOf('\r\n\r\n');
      const headers = new Map<string, string>();
      for (const line of text.slice(0, split).split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
      }
      resolve({ status: Number(m[1]), headers, body: text.slice(split + 4) });
    });
    // write, not end: Node's HTTP server treats a client's half-close as an abort of the request in flight.
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  });
}

/** JSON body of a (possibly chunked) response, or undefined. */
function jsonOf(answer: RawAnswer): unknown {
  let text = answer.body;
  if (answer.headers.get('transfer-encoding') === 'chunked') {
    let out = '';
    for (let at = 0; ;) {
      const eol = text.indexOf('\r\n', at);
      const size = parseInt(text.slice(at, eol), 16);
      if (!size) break;
      out += text.slice(eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
    text = out;
  }
  try {
    return JSON.parse(Buffer.from(text, 'latin1').toString('utf8'));
  } catch {
    return undefined;
  }
}

interface GatewayNode {
  node: RunningNode;
  gateway: GatewayActor;
  url: string;
  metricsUrl: string;
}

async function startGatewayNode(opts: {
  nodeId: string;
  servers: string[];
  secret: string;
  dataDir: string;
}): Promise<GatewayNode> {
  const metricsPort = await freePort();
  const config = loadConfig({
    NODE_ID: opts.nodeId,
    NATS_URL: opts.servers.join(','),
    FLASK_PORT: '0',
    GATEWAY_HOST: '127.0.0.1',
    METRICS_PORT: String(metricsPort),
    DATA_DIR: join(opts.dataDir, opts.nodeId),
    AGENTMAIL_WEBHOOK_SECRET: opts.secret,
    STATE_REPLICATION_FACTOR: '1',
    LOG_LEVEL: 'error',
  });
  const node = await runNode({ config, specs: [{ kind: 'gateway', count: 1 }], logger, factories });
  const gateway = node.actors.find((a) => a.kind === 'gateway') as GatewayActor;
  return { node, gateway, url: gateway.url, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

describe('gateway', function () {
  this.timeout(60_000);
  let nats: TestNats;
  let dataDir: string;
  let gw: GatewayNode;
  let bus: Bus;
  const secret = randomWebhookSecret();

  before(async () => {
    nats = await testNats({ own: true });
    dataDir = await mkdtemp(join(tmpdir(), 'cs-gateway-it-'));
    gw = await startGatewayNode({ nodeId: 'gw-a', servers: nats.servers, secret, dataDir });
    // The checking side has its own connection, as an email processor would.
    bus = await Bus.connect({ servers: nats.servers, name: 'gateway-test-reader', logger });
  });

  after(async () => {
    await gw?.node.stop(2_000);
    await bus?.drain();
    await nats?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('puts a signed message.received on the MAIL stream exactly once, on its inbox subject, with the payload', async () => {
    const payload = fixture('message-received');
    const signed = signWebhook(secret, payload);
    const res = await post(gw.url, signed);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ status: 'accepted', event_id: 'evt_123abc', kind: 'received' });

    const mine = await stored(bus, signed.headers['svix-id']);
    expect(mine).to.have.length(1);
    const [m] = mine;
    expect(m!.subject).to.equal(`cs.mail.received.${token('support@agentmail.to')}`);
    expect(m!.body).to.include({
      type: 'mail-received',
      svixId: signed.headers['svix-id'],
      eventId: 'evt_123abc',
      eventType: 'message.received',
    });
    const stored_payload = m!.body['payload'] as { message: Record<string, unknown> };
    expect(stored_payload.message).to.include({
      inbox_id: 'support@agentmail.to',
      thread_id: 'thd_789ghi',
      subject: 'Question about my account',
      extracted_text: "Hi,\nI can't log in.",
    });
  });

  it('answers 2xx to both copies of one delivery (same svix-id) and stores it once', async () => {
    const signed = signWebhook(secret, fixture('message-received-minimal'));
    const first = await post(gw.url, signed);
    const second = await post(gw.url, signed);
    expect([first.status, second.status]).to.deep.equal([200, 200]);
    expect(await stored(bus, signed.headers['svix-id'])).to.have.length(1);
  });

  it('puts other event types on cs.mail.event.<type> and unknown types on cs.mail.unknown', async () => {
    const cases: [string, string, string][] = [
      ['message-delivered', 'cs.mail.event.message_delivered', 'other'],
      ['message-bounced', 'cs.mail.event.message_bounced', 'other'],
      ['message-sent', 'cs.mail.event.message_sent', 'other'],
      // Flagged by AgentMail as spam: kept for ops on its own subject, never on the inbox subject processors answer from.
      ['message-received-spam', 'cs.mail.event.message_received_spam', 'received'],
      ['domain-verified', 'cs.mail.event.domain_verified', 'other'],
      ['unknown-event', 'cs.mail.unknown', 'unknown'],
    ];
    for (const [name, subject, kind] of cases) {
      const payload = fixture(name);
      const signed = signWebhook(secret, payload);
      const res = await post(gw.url, signed);
      expect(res.status, name).to.equal(200);
      const mine = await stored(bus, signed.headers['svix-id']);
      expect(mine, name).to.have.length(1);
      expect(mine[0]!.subject, name).to.equal(subject);
      expect(mine[0]!.body, name).to.include({ type: 'mail-event', kind, eventType: payload['event_type'] });
      expect(mine[0]!.body['payload'], name).to.deep.equal(payload);
    }
  });

  it("tells webhook.accepted once a delivery is stored, with the email's ids for received mail, and nothing for a forged one", async () => {
    const accepted: ActorEvent[] = [];
    const sub = bus.handle(contracts.events, { kind: 'gateway' }, (e) => {
      if (e.event === 'webhook.accepted') accepted.push(e);
    });
    await bus.nc.flush();
    try {
      const forged = signWebhook(randomWebhookSecret(), fixture('message-received'));
      expect((await post(gw.url, forged)).status).to.equal(401);
      const received = signWebhook(secret, fixture('message-received'));
      const delivered = signWebhook(secret, fixture('message-delivered'));
      for (const signed of [received, delivered]) expect((await post(gw.url, signed)).status).to.equal(200);
      const svixIdOf = (e: ActorEvent) => e.data?.['svixId'];
      await until('both accepted', async () => accepted.filter((e) => svixIdOf(e) !== undefined).length >= 2);
      const mail = accepted.find((e) => svixIdOf(e) === received.headers['svix-id']);
      expect(mail).to.deep.include({
        kind: 'gateway',
        messageId: '<CAF=abc123@mail.gmail.com>',
        threadId: 'thd_789ghi',
      });
      expect(mail!.data).to.include({
        eventType: 'message.received',
        eventId: 'evt_123abc',
        inboxId: 'support@agentmail.to',
      });
      const other = accepted.find((e) => svixIdOf(e) === delivered.headers['svix-id']);
      expect(other?.data).to.include({ eventType: 'message.delivered' });
      expect(other?.messageId, 'not an email to answer: no ids').to.equal(undefined);
      expect(accepted.filter((e) => svixIdOf(e) === forged.headers['svix-id'])).to.deep.equal([]);
    } finally {
      sub.unsubscribe();
    }
  });

  it('stores nothing for a webhook with a bad signature', async () => {
    const before = (await mailStream(bus)).length;
    const forged = signWebhook(randomWebhookSecret(), fixture('message-received'));
    const res = await post(gw.url, forged);
    expect(res.status).to.equal(401);
    expect(await stored(bus, forged.headers['svix-id'])).to.have.length(0);
    expect((await mailStream(bus)).length).to.equal(before);
  });

  it('reports healthy on /health while NATS is up', async () => {
    const res = await fetch(`${gw.url}/health`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { status: string; node_id: string; checks: Record<string, unknown> };
    expect(body).to.include({ status: 'healthy', node_id: 'gw-a' });
    expect(body.checks).to.deep.equal({ nats: 'connected', streams: 'present' });
  });

  it('while NATS is down: /health is 503, a webhook gets 503 with Retry-After; after restart the retry is stored once', async () => {
    const local = nats.local!;
    const signed = signWebhook(secret, fixture('message-received'));
    const before503 = (await metricsAt(`${gw.url}/metrics`)).get('message.received|503') ?? 0;
    await local.kill(0);
    try {
      await until('/health says unhealthy', async () => (await fetch(`${gw.url}/health`)).status === 503);
      const health = (await (await fetch(`${gw.url}/health`)).json()) as Record<string, unknown>;
      expect(health).to.include({ status: 'unhealthy' });

      // The gateway retries the publish until its deadline, then refuses: AgentMail keeps the delivery.
      const refused = await post(gw.url, signed);
      expect(refused.status).to.equal(503);
      expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
      expect(await refused.json()).to.deep.equal({ error: 'bus_unavailable' });
      expect((await metricsAt(`${gw.url}/metrics`)).get('message.received|503')).to.equal(before503 + 1);
    } finally {
      await local.restart(0);
    }
    await until('/health says healthy again', async () => (await fetch(`${gw.url}/health`)).status === 200);
    // This suite's own connection reconnects on its own schedule: reading the stream before it is back would
    // only time out.
    await until('the test connection is back', async () => bus.connected);

    // Svix retries the same delivery: accepted now, and stored exactly once whatever the first attempt left behind.
    const retried = await post(gw.url, signed);
    expect(retried.status).to.equal(200);
    const mine = await stored(bus, signed.headers['svix-id']);
    expect(mine).to.have.length(1);
    expect(mine[0]!.body).to.include({ svixId: signed.headers['svix-id'], eventType: 'message.received' });
  });

  it('runs as two gateways on one NATS: both accept, and a delivery sent to both is stored once', async () => {
    const other = await startGatewayNode({ nodeId: 'gw-b', servers: nats.servers, secret, dataDir });
    try {
      expect(other.url).to.not.equal(gw.url);
      const toA = signWebhook(secret, fixture('message-received'));
      const toB = signWebhook(secret, fixture('message-received'));
      expect((await post(gw.url, toA)).status).to.equal(200);
      expect((await post(other.url, toB)).status).to.equal(200);
      expect(await stored(bus, toA.headers['svix-id'])).to.have.length(1);
      expect(await stored(bus, toB.headers['svix-id'])).to.have.length(1);

      // AgentMail behind a load balancer may deliver one event to both: sent at the same time, stored once.
      const both = signWebhook(secret, fixture('message-received'));
      const answers = await Promise.all([post(gw.url, both), post(other.url, both)]);
      expect(answers.map((r) => r.status)).to.deep.equal([200, 200]);
      expect(await stored(bus, both.headers['svix-id'])).to.have.length(1);
    } finally {
      await other.node.stop(2_000);
    }
  });

  it('counts webhook_requests_total by status on /metrics of the gateway port and of METRICS_PORT', async () => {
    const pages = [`${gw.url}/metrics`, gw.metricsUrl];
    const before = await Promise.all(pages.map(metricsAt));
    expect((await post(gw.url, signWebhook(secret, fixture('message-delivered')))).status).to.equal(200);
    expect((await post(gw.url, signWebhook(secret, fixture('message-delivered')))).status).to.equal(200);
    const forged = signWebhook(randomWebhookSecret(), fixture('message-delivered'));
    expect((await post(gw.url, forged)).status).to.equal(401);
    const after = await Promise.all(pages.map(metricsAt));
    for (const [i, page] of pages.entries()) {
      const was = (key: string) => before[i]!.get(key) ?? 0;
      expect(after[i]!.get('message.delivered|200'), page).to.equal(was('message.delivered|200') + 2);
      // A forged request's type is unverified, so it is counted under 'unknown', never under a name it claims.
      expect(after[i]!.get('unknown|401'), page).to.equal(was('unknown|401') + 1);
    }
  });

  describe('property: hostile input over a real socket', () => {
    it('never answers 5xx except 503 with Retry-After, stores exactly the accepted deliveries, and keeps serving', async () => {
      const port = Number(new URL(gw.url).port);
      const validPayloads = [
        'message-received',
        'message-received-minimal',
        'message-sent',
        'unknown-event',
      ].map(fixture);
      const printable = fc.string({
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        maxLength: 80,
      });
      const headerName = fc.string({
        unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_!#$%&*+.^`|~'.split('')),
        minLength: 1,
        maxLength: 20,
      });
      const body = fc.oneof(
        { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 2 },
        { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'), weight: 2 },
        { arbitrary: fc.constantFrom(...validPayloads).map((v) => JSON.stringify(v)), weight: 6 },
        {
          arbitrary: fc
            .constantFrom(...validPayloads)
            .map((v) => JSON.stringify({ ...v, event_id: 42 }).slice(0, -7)),
          weight: 1,
        },
      );
      const contentType = fc.oneof(
        { arbitrary: fc.constant('application/json'), weight: 6 },
        {
          arbitrary: fc.constantFrom(
            'application/json; charset=utf-8',
            'APPLICATION/JSON',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            '',
          ),
          weight: 2,
        },
        { arbitrary: printable, weight: 1 },
        { arbitrary: fc.constant(undefined), weight: 1 },
      );
      const signing = fc.constantFrom(
        'good',
        'good',
        'good',
        'good',
        'wrong-secret',
        'random',
        'none',
        'stale',
      );
      const method = fc.oneof(
        { arbitrary: fc.constant('POST'), weight: 8 },
        { arbitrary: fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), weight: 2 },
        {
          arbitrary: fc.string({ unit: fc.constantFrom(...'ABCXYZ'.split('')), minLength: 1, maxLength: 8 }),
          weight: 1,
        },
      );
      const path = fc.oneof(
        { arbitrary: fc.constant(WEBHOOK_PATH), weight: 10 },
        {
          arbitrary: fc.constantFrom(
            '/health',
            '/metrics',
            '/',
            '/webhook',
            `${WEBHOOK_PATH}/x`,
            `${WEBHOOK_PATH}?a=1`,
          ),
          weight: 2,
        },
        { arbitrary: printable.map((p) => '/' + p.replace(/[ ]/g, '%20')), weight: 1 },
      );
      const extraHeaders = fc.array(fc.tuple(headerName, printable), { maxLength: 4 });
      const chunked = fc.boolean();

      const seen = new Map<number, number>();
      const accepted = new Set<string>();
      const sentIds = new Set<string>();
      await fc.assert(
        fc.asyncProperty(
          fc.record({ body, contentType, signing, method, path, extraHeaders, chunked, junk: printable }),
          async (c) => {
            const headers: [string, string][] = [];
            let svixId: string | undefined;
            if (c.signing === 'random') {
              headers.push(
                ['svix-id', c.junk],
                ['svix-timestamp', c.junk.slice(0, 12)],
                ['svix-signature', 'v1,' + c.junk],
              );
            } else if (c.signing !== 'none') {
              const key = c.signing === 'wrong-secret' ? randomWebhookSecret() : secret;
              const date = c.signing === 'stale' ? new Date(Date.now() - 3_600_000) : undefined;
              const signed = signWebhook(key, c.body, date ? { date } : {});
              svixId = signed.headers['svix-id'];
              for (const name of ['svix-id', 'svix-timestamp', 'svix-signature'] as const)
                headers.push([name, signed.headers[name]]);
            }
            if (svixId !== undefined) sentIds.add(svixId);
            if (c.contentType !== undefined) headers.push(['content-type', c.contentType]);
            const bytes = Buffer.from(c.body, 'utf8');
            // An empty chunked body is the last-chunk alone: a zero-size data chunk would end the message early.
            const payload = !c.chunked
              ? bytes
              : bytes.length === 0
                ? Buffer.from('0\r\n\r\n')
                : Buffer.concat([
                    Buffer.from(`${bytes.length.toString(16)}\r\n`),
                    bytes,
                    Buffer.from('\r\n0\r\n\r\n'),
                  ]);
            headers.push(
              c.chunked ? ['transfer-encoding', 'chunked'] : ['content-length', String(bytes.length)],
            );
            for (const [name, value] of c.extraHeaders) {
              // Framing headers are ours to set; a random one would make a different (pipelined) request.
              if (!/^(content-length|transfer-encoding|host|connection|expect|upgrade)$/i.test(name))
                headers.push([name, value]);
            }
            const head =
              `${c.method} ${c.path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n` +
              headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') +
              '\r\n';
            const answer = await rawRequest(port, head, payload);
            seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
            if (answer.status >= 500) {
              expect(answer.status, answer.body).to.equal(503);
              expect(answer.headers.get('retry-after'), 'a 503 says when to retry').to.match(/^\d+$/);
            }
            const onWebhookRoute =
              c.path === WEBHOOK_PATH && /^(POST|GET|PUT|DELETE|PATCH|OPTIONS)$/.test(c.method);
            if (onWebhookRoute && answer.status >= 400) {
              const error = (jsonOf(answer) as { error?: GatewayErrorCode } | undefined)?.error;
              expect(Object.values(GatewayErrorCode), answer.body).to.include(error);
              expect(gatewayErrorStatus[error!]).to.equal(answer.status);
            }
            if (answer.status === 200 && c.method === 'POST' && c.path.startsWith(WEBHOOK_PATH)) {
              expect(svixId, 'only a signed delivery is accepted').to.be.a('string');
              accepted.add(svixId!);
            }
          },
        ),
        // FC_SEED=<seed printed by a failure> replays it.
        { numRuns: 100, ...(process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {}) },
      );
      // The property is only as good as the cases it reached.
      for (const status of [200, 400, 401, 405])
        expect([...seen.keys()], JSON.stringify([...seen])).to.include(status);

      // Nothing acknowledged is lost and nothing refused is stored: the stream holds exactly the accepted ids, once each.
      const mine = (await mailStream(bus)).filter((m) => m.msgId !== undefined && sentIds.has(m.msgId));
      expect(mine.map((m) => m.msgId).sort()).to.deep.equal([...accepted].sort());

      // And it still serves a valid signed webhook afterwards.
      const after = signWebhook(secret, fixture('message-received'));
      expect((await post(gw.url, after)).status).to.equal(200);
      expect(await stored(bus, after.headers['svix-id'])).to.have.length(1);
    });
  });
});
