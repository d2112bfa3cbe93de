// End-to-end: SIGTERM to an agent's process while it holds sends AgentMail has not answered yet and has more work
// queued. The drain must finish what it holds or hand it back, so every email is answered exactly once and the
// process exits 0; nothing it had is left on a consumer nobody reads.
import { expect } from 'chai';
import { startFakeAgentMail, type FakeAgentMail } from '../support/fake-agentmail.ts';
import { testNats, type TestNats } from '../support/nats.ts';
import { randomWebhookSecret } from '../../scripts/sign-webhook.ts';
import { deliverMail, newMail, type Mail } from '../support/received-mail.ts';
import {
  eventually,
  startChildNode,
  startServiceNode,
  type ChildNode,
  type TestNode,
} from '../support/node-harness.ts';

describe('drain with work in flight', function () {
  this.timeout(120_000);
  let nats: TestNats;
  let fake: FakeAgentMail;
  let node: TestNode;
  let child: ChildNode | undefined;
  let stayer: ChildNode | undefined;
  const secret = randomWebhookSecret();
  /** The child's agent sends with its own key, so the fake tells its requests apart. */
  const childKey = 'am_test_draining_agent';

  before(async function () {
    nats = await testNats({ own: true });
    // Every send is held 1.5 s, so the agent is mid-send when the signal comes.
    fake = await startFakeAgentMail({ replyDelayMs: 1_500, acceptsKey: (k) => k === childKey });
    node = await startServiceNode({
      servers: nats.servers,
      nodeId: 'stay',
      agentMail: fake,
      secret,
      // No agent here: the leaving one must own every conversation before the one that stays exists.
      actors: 'gateway,processor,proposer,acceptor:3,learner',
    });
  });

  after(async function () {
    await child?.kill();
    await stayer?.kill();
    await node?.stop();
    await fake?.stop();
    await nats?.stop();
  });

  it('answers every email once when the agent holding sends is stopped with SIGTERM, and exits 0', async function () {
    const agentEnv = (key: string, extra: Record<string, string> = {}) => ({
      AGENTMAIL_API_KEY: key,
      AGENTMAIL_BASE_URL: fake.url,
      AGENTMAIL_WEBHOOK_SECRET: secret,
      ...extra,
    });
    // Two sends at a time: the rest of its work waits in its consumer, so the drain has some to hand back.
    child = await startChildNode({
      servers: nats.servers,
      nodeId: 'leaving',
      actors: 'agent',
      env: agentEnv(childKey, { AGENT_CAPACITY: '2' }),
    });
    await node.waitForActors('agent', 1);
    const mails: Mail[] = Array.from({ length: 6 }, (_, i) =>
      newMail(`drain${i}`, 'Password reset', 'I cannot log in: how do I reset my password?'),
    );
    for (const m of mails)
      expect(await deliverMail({ agentMail: fake, gatewayUrl: node.gatewayUrl, secret }, m)).to.equal(200);
    await eventually(
      () => (node.events.filter((e) => e.event === 'mail.routed').length >= mails.length ? true : undefined),
      'every email routed to the only agent',
    );

    const requestsBy = (key: string) =>
      fake.requests.filter((r) => r.route === 'reply' && r.headers['authorization'] === `Bearer ${key}`);
    await eventually(
      () => (requestsBy(childKey).some((r) => r.status === undefined) ? true : undefined),
      'a send held by the leaving agent',
    );
    stayer = await startChildNode({
      servers: nats.servers,
      nodeId: 'staying',
      actors: 'agent',
      env: agentEnv(fake.apiKey),
    });
    await node.waitForActors('agent', 2);

    const exited = new Promise<number | null>((resolve) => child!.proc.once('exit', (code) => resolve(code)));
    child.proc.kill('SIGTERM');
    expect(await exited, 'the drained process exits 0').to.equal(0);
    const childRequests = requestsBy(childKey);
    // What it held when the signal came was finished (answered), not abandoned.
    expect(
      childRequests.filter((r) => r.status !== 200),
      'sends the leaving agent did not finish',
    ).to.deep.equal([]);
    expect(childRequests.length, 'it could not have sent all six in its drain').to.be.lessThan(mails.length);

    const sentFor = (m: Mail) => fake.sent.filter((s) => s.inReplyTo === m.messageId);
    await eventually(
      () => (mails.every((m) => sentFor(m).length > 0) ? true : undefined),
      'a reply to every email',
      60_000,
    );
    for (const m of mails) expect(sentFor(m), m.messageId).to.have.length(1);
    // What it had not started went back: the agent that stayed sent it, under the same one key per email.
    const sentByStayer = requestsBy(fake.apiKey)
      .filter((r) => r.status === 200)
      .map((r) => r.params.messageId);
    const sentByChild = childRequests.map((r) => r.params.messageId);
    for (const m of mails) expect([...sentByChild, ...sentByStayer], m.messageId).to.include(m.messageId);
    expect(sentByStayer.length).to.equal(mails.length - sentByChild.length);
  });
});
