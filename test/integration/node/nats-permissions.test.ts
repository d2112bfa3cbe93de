// deploy/nats/auth.conf on a real nats-server: each actor kind runs under its own user and still answers mail, and a
// publish the server refuses is refused, logged, counted and reported on cs.events, never lost in silence.
import { expect } from 'chai';
import { Bus, PermissionDeniedError } from '../../../bus/bus.ts';
import { contracts } from '../../../bus/contracts.ts';
import type { NatsSecurity } from '../../../bus/nats-auth.ts';
import { createLogger } from '../../../telemetry/logger.ts';
import { registry } from '../../../telemetry/metrics.ts';
import type { ActorEvent } from '../../../schemas/bus.ts';
import { messageReceivedEvent } from '../../../scripts/received-event.ts';
import { randomWebhookSecret, signWebhook } from '../../../scripts/sign-webhook.ts';
import { testNats, type TestNats } from '../../support/nats.ts';
import { startTestNode, type TestNode } from '../../support/node-harness.ts';
import { ProcessGroup } from '../../support/processes.ts';
import { newMail, testSender } from '../../support/received-mail.ts';

const users = ['gateway', 'processor', 'proposer', 'acceptor', 'learner', 'agent', 'node', 'ops'] as const;
type User = (typeof users)[number];
const password = (user: User) => `test-password-${user}`;
const serverEnv = Object.fromEntries(users.map((u) => [`NATS_${u.toUpperCase()}_PASSWORD`, password(u)]));
const as = (user: User): NatsSecurity => ({
  auth: { method: 'user', user, pass: password(user) },
  tls: { enabled: false },
});

async function deniedCount(): Promise<number> {
  const metric = registry.getSingleMetric('nats_permission_denied_total');
  const values = metric ? (await metric.get()).values : [];
  return values.filter((v) => v.labels['operation'] === 'publish').reduce((n, v) => n + v.value, 0);
}

describe('NATS users and permissions (deploy/nats/auth.conf)', function () {
  this.timeout(240_000);
  let nats: TestNats;
  let ops: Bus;
  const events: ActorEvent[] = [];
  /** Waits for an event the ops connection heard (it arrives after the process's own copy). */
  async function seen(
    what: string | (() => string),
    pred: (e: ActorEvent) => boolean,
    timeoutMs = 10_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!events.some(pred)) {
      if (Date.now() > deadline)
        throw new Error(`${typeof what === 'string' ? what : what()}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  before(async () => {
    nats = await testNats({ own: true, config: { file: 'deploy/nats/auth.conf', env: serverEnv } });
    ops = await Bus.connect({
      servers: nats.servers,
      name: 'ops',
      logger: createLogger('error', {}),
      security: as('ops'),
    });
    ops.handle(contracts.events, { kind: '*' }, (e) => void events.push(e));
    await ops.nc.flush();
  });

  after(async () => {
    await ops?.drain();
    await nats?.stop();
  });

  it('refuses a connection without a user', async () => {
    const err = await Bus.connect({
      servers: nats.servers,
      name: 'anon',
      logger: createLogger('error', {}),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(err)).to.match(/authorization/i);
  });

  describe('a gateway node under the gateway user', () => {
    let node: TestNode;
    const secret = randomWebhookSecret();

    before(async () => {
      node = await startTestNode({
        servers: nats.servers,
        nodeId: 'gw',
        actors: 'gateway',
        env: {
          NATS_USER: 'gateway',
          NATS_PASSWORD: password('gateway'),
          AGENTMAIL_WEBHOOK_SECRET: secret,
          ADMIN_TOKEN: 'admin-token-for-this-test',
        },
      });
    });

    after(async () => node?.stop());

    it('may put mail on MAIL', async () => {
      const mail = newMail('perm', 'Hello', 'Where is my order?');
      const signed = signWebhook(secret, messageReceivedEvent({ ...mail, from: testSender }));
      const res = await fetch(`${node.gatewayUrl}/webhook/agentmail`, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
      });
      expect(res.status).to.equal(200);
    });

    it('cannot send a control command: refused at once, logged, counted and reported as nats.permission-denied', async () => {
      const before = await deniedCount();
      const started = Date.now();
      const err = await node.node.bus
        .request(contracts.control, { actorId: 'gw-gateway-0' }, { type: 'control', command: 'stop' }, 10_000)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(PermissionDeniedError);
      expect((err as PermissionDeniedError).subject).to.equal('cs.control.gw-gateway-0');
      expect(Date.now() - started, 'refused before the request timeout').to.be.below(5_000);
      expect(await deniedCount()).to.equal(before + 1);
      const reported = await node.waitForEvent((e) => e.event === 'nats.permission-denied', 5_000);
      expect(reported).to.deep.include({ kind: 'gateway', actorId: 'gw-gateway-0', nodeId: 'gw' });
      expect(reported.data).to.deep.equal({ operation: 'publish', subject: 'cs.control.gw-gateway-0' });
      // The ops observer saw it too, and the gateway is still running: the refusal stopped nothing.
      await seen(
        'the ops observer hears the report',
        (e) => e.event === 'nats.permission-denied' && e.nodeId === 'gw',
      );
      expect((await fetch(`${node.gatewayUrl}/health`)).status).to.equal(200);
    });

    it('cannot send Paxos messages', async () => {
      const before = await deniedCount();
      node.node.bus.nc.publish('cs.paxos.prepare', '{}');
      await node.waitForEvent(
        (e) => e.event === 'nats.permission-denied' && e.data?.['subject'] === 'cs.paxos.prepare',
        5_000,
      );
      expect(await deniedCount()).to.equal(before + 1);
    });

    it('cannot write work items: the JetStream write fails with the refusal, not after its retries', async () => {
      const started = Date.now();
      const err = await node.node.bus
        .jsPublishRaw('cs.agent.gw-agent-0.work', '{}', { msgID: 'perm-1', retryForMs: 20_000 })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(PermissionDeniedError);
      expect(Date.now() - started).to.be.below(5_000);
    });

    it('lets the ops user send control commands', async () => {
      const reply = await ops.request(
        contracts.control,
        { actorId: 'gw-gateway-0' },
        { type: 'control', command: 'ping' },
        5_000,
      );
      expect(reply).to.deep.include({ type: 'control-reply', actorId: 'gw-gateway-0', status: 'running' });
    });
  });

  it('answers mail with every actor kind in its own process under its own user, and nothing refused', async () => {
    const group = await ProcessGroup.create('cs-perm-');
    const secret = randomWebhookSecret();
    const acceptors = ['acc-acceptor-0', 'acc-acceptor-1', 'acc-acceptor-2'];
    const env = (user: User) => ({
      NATS_URL: nats.servers.join(','),
      NATS_USER: user,
      NATS_PASSWORD: password(user),
      PAXOS_ACCEPTORS: acceptors.join(','),
      HEALTH_CHECK_INTERVAL: '1',
      PAXOS_TIMEOUT: '2',
      STATE_REPLICATION_FACTOR: '1',
      AGENTMAIL_WEBHOOK_SECRET: secret,
      AGENTMAIL_API_KEY: '',
      ADMIN_TOKEN: 'admin-token-for-this-test',
      FLASK_PORT: '0',
    });
    try {
      // One process per kind (as deploy/k8s runs them), each under the user of its kind.
      const kinds: [string, string, User][] = [
        ['acc', 'acceptor:3', 'acceptor'],
        ['lrn', 'learner', 'learner'],
        ['prp', 'proposer', 'proposer'],
        ['agt', 'agent', 'agent'],
        ['prc', 'processor', 'processor'],
        ['gtw', 'gateway', 'gateway'],
      ];
      for (const [nodeId, actors, user] of kinds) {
        await group.spawn({ nodeId, actors, env: env(user) }).catch(async (e: unknown) => {
          throw new Error(`${user}: ${(e as Error).message}`);
        });
      }
      const gateway = group.nodes.at(-1)!;
      const url = /gateway listening on (http:\/\/[\d.:]+)/.exec(gateway.output())?.[1];
      expect(url, 'the gateway logged its URL').to.be.a('string');
      const mail = newMail('perm-split', 'Password', 'How do I reset my password?');
      const signed = signWebhook(secret, messageReceivedEvent({ ...mail, from: testSender }));
      const res = await fetch(`${url}/webhook/agentmail`, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
      });
      expect(res.status).to.equal(200);
      await seen(
        () => `the reply (logs:\n${group.report()})`,
        (e) => e.event === 'reply.dry-run' && e.threadId === mail.threadId,
        60_000,
      );
      for (const n of group.nodes) expect(n.output(), group.report()).to.not.include('NATS refused');
    } finally {
      await Promise.all(group.nodes.map((n) => n.stop(5_000)));
      await group.killAll();
    }
  });
});
