// The gateway actor end to end: signed webhooks over real HTTP on 127.0.0.1 into a real nats-server's MAIL stream.
// It starts its own nats-server (so it may kill it) and stops every node and server it started.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus } from '../../../bus/bus.ts';
import { loadConfig } from '../../../bus/config.ts';
import type { Logger } from '../../../bus/logger.ts';
import { freePort } from '../../../bus/nats-server.ts';
import { Streams } from '../../../bus/provision.ts';
import { token } from '../../../bus/subjects.ts';
import { runNode, type RunningNode } from '../../../actors/host.ts';
import { factories } from '../../../actors/registry.ts';
import type { GatewayActor } from '../../../actors/gateway.ts';
import { WEBHOOK_PATH } from '../../../gateway/app.ts';
import { testNats, type TestNats } from '../../support/nats.ts';
import { randomWebhookSecret, signWebhook, type SignedWebhook } from '../../support/sign-webhook.ts';

// Silent: the 503s this suite provokes on purpose would otherwise print as errors.
const logger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => logger,
};

function fixture(name: string): Record<string, unknown> {
  const url = new URL(`../../fixtures/webhooks/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

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
});
