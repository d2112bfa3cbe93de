// Chaos: agents are killed -9 while a stream of emails comes in; the whole history must show every email answered
// exactly once. Bounded (a fixed number of emails and kills), 127.0.0.1 only, and it stops all it started.
import { expect } from 'chai';
import { startFakeAgentMail, type FakeAgentMail } from '../support/fake-agentmail.ts';
import { testNats, type TestNats } from '../support/nats.ts';
import {
  eventually,
  startChildNode,
  startTestNode,
  type ChildNode,
  type TestNode,
} from '../support/node-harness.ts';
import { deliverMail, newMail, type Mail } from '../support/received-mail.ts';
import { randomWebhookSecret } from '../../scripts/sign-webhook.ts';

const emails = Number(process.env['CHAOS_EMAILS'] ?? 40);
const kills = Number(process.env['CHAOS_KILLS'] ?? 3);

const questions = [
  ['Password reset', 'I forgot my password and cannot log in. How do I reset it?'],
  ['Invoice copy', 'Where can I download the invoice for last month? Our accountant needs it.'],
  ['API errors', 'Our integration gets 429 errors from your API since this morning. What are the limits?'],
  ['Data export', 'How can I export all of our data before we migrate to a new workspace?'],
  ['Pricing', 'What does the Pro plan cost per month for a team of 12 people?'],
] as const;

describe('chaos: agents killed under load', function () {
  this.timeout(240_000);
  let nats: TestNats;
  let fake: FakeAgentMail;
  let node: TestNode;
  const children: ChildNode[] = [];
  const secret = randomWebhookSecret();

  before(async function () {
    nats = await testNats({ own: true });
    fake = await startFakeAgentMail();
    // This node keeps one agent alive throughout; the killable agents live in child processes.
    node = await startTestNode({
      servers: nats.servers,
      nodeId: 'calm',
      actors: 'gateway,processor,proposer,acceptor:3,learner,agent',
      env: {
        AGENTMAIL_API_KEY: fake.apiKey,
        AGENTMAIL_BASE_URL: fake.url,
        AGENTMAIL_WEBHOOK_SECRET: secret,
        HEALTH_CHECK_INTERVAL: '1',
      },
    });
  });

  after(async function () {
    for (const c of children) await c.kill();
    await node?.stop();
    await fake?.stop();
    await nats?.stop();
  });

  const startVictim = async (i: number): Promise<ChildNode> => {
    const c = await startChildNode({
      servers: nats.servers,
      nodeId: `victim${i}`,
      actors: 'agent:2',
      env: { AGENTMAIL_API_KEY: fake.apiKey, AGENTMAIL_BASE_URL: fake.url, HEALTH_CHECK_INTERVAL: '1' },
    });
    children.push(c);
    return c;
  };

  it(`answers every one of ${emails} emails exactly once while agents are killed -9 (${kills} kills)`, async function () {
    let victim = await startVictim(0);
    await node.waitForActors('agent', 3);

    const sent: Mail[] = [];
    const deliveries = (async () => {
      for (let i = 0; i < emails; i++) {
        const [subject, text] = questions[i % questions.length]!;
        // Distinct senders: one sender past SENDER_RATE_LIMIT would (rightly) go unanswered.
        const mail = {
          ...newMail(`chaos-${i}`, subject, text),
          from: `Customer ${i} <customer${i}@example.com>`,
        };
        sent.push(mail);
        expect(await deliverMail({ agentMail: fake, gatewayUrl: node.gatewayUrl, secret }, mail)).to.equal(
          200,
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    for (let k = 1; k <= kills; k++) {
      await new Promise((r) => setTimeout(r, (emails * 50) / (kills + 1)));
      await victim.kill();
      victim = await startVictim(k);
    }
    await deliveries;

    // The whole history: one email out per email in, none missing, none twice, each threaded to its own.
    // Each email ends once: one reply, or (when the knowledge base has no answer) one escalation and no reply.
    const outcomes = () => {
      const c = new Map<string, number>();
      for (const s of fake.sent) c.set(s.inReplyTo, (c.get(s.inReplyTo) ?? 0) + 1);
      for (const e of node.events) {
        if (e.event === 'escalation.queued' && e.messageId) c.set(e.messageId, (c.get(e.messageId) ?? 0) + 1);
      }
      return c;
    };
    await eventually(
      () => (sent.every((m) => outcomes().has(m.messageId)) ? outcomes() : undefined),
      'an outcome for every email',
      60_000,
    ).catch((e: Error) => {
      // Say which emails are missing and what happened to them, so a failure can be read.
      for (const m of sent.filter((x) => !outcomes().has(x.messageId))) {
        const story = node.events
          .filter((ev) => ev.messageId === m.messageId || ev.threadId === m.threadId)
          .map((ev) => `${ev.event}@${ev.actorId} ${JSON.stringify(ev.data ?? {}).slice(0, 160)}`);
        process.stdout.write(`      missing ${m.messageId}:\n        ${story.join('\n        ')}\n`);
      }
      throw e;
    });
    // The first moment every email has an outcome says nothing about a second one: a sweep may still move the
    // work of the last victim. Let three sweeps (HEALTH_CHECK_INTERVAL=1) pass, then read the whole history again.
    await new Promise((r) => setTimeout(r, 3_000));
    const twice = [...outcomes().entries()].filter(([, n]) => n > 1);
    expect(twice, 'emails that ended more than once').to.deep.equal([]);
    for (const m of sent) {
      const replies = fake.sent.filter((s) => s.inReplyTo === m.messageId);
      expect(replies.length).to.be.at.most(1);
      if (replies[0]) expect(replies[0].threadId).to.equal(m.threadId);
    }
    expect(fake.sent.length, 'most of these questions are in the knowledge base').to.be.greaterThan(
      emails / 2,
    );
    const reassigned = node.events.filter((e) => e.event === 'conversation.reassigned').length;
    process.stdout.write(
      `      ${emails} emails, ${kills} kills, ${reassigned} reassignments, ${fake.sent.length} replies\n`,
    );
  });
});
