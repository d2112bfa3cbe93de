// Chaos: agents are killed -9 while they hold unfinished sends; the whole history must show every email answered
// exactly once, the work of the dead moved to the living. Bounded (a fixed number of emails and kills), 127.0.0.1
// only, and it stops all it started.
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
import { loadQuestions } from '../../scripts/chaos/load.ts';
import { randomWebhookSecret } from '../../scripts/sign-webhook.ts';

const emails = Number(process.env['CHAOS_EMAILS'] ?? 40);
const kills = Number(process.env['CHAOS_KILLS'] ?? 3);
/** The fake holds every send this long, so a victim killed mid-stream dies with sends it has not finished. */
const replyDelayMs = Number(process.env['CHAOS_REPLY_DELAY_MS'] ?? 400);
const agentsPerVictim = 2;

describe('chaos: agents killed under load', function () {
  this.timeout(240_000);
  let nats: TestNats;
  let fake: FakeAgentMail;
  let node: TestNode;
  const children: ChildNode[] = [];
  const secret = randomWebhookSecret();

  before(async function () {
    nats = await testNats({ own: true });
    fake = await startFakeAgentMail({ replyDelayMs });
    // This node never dies and runs no agent: every conversation is owned by a victim, so every kill can take
    // work with it. The killable agents live in child processes, and one of them is always up.
    node = await startTestNode({
      servers: nats.servers,
      nodeId: 'calm',
      actors: 'gateway,processor,proposer,acceptor:3,learner',
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

  // Zero-padded, so an older victim's ids sort before its successor's and it wins ties in routing.
  const victimName = (i: number): string => `victim${String(i).padStart(3, '0')}`;
  const startVictim = async (i: number): Promise<ChildNode> => {
    const c = await startChildNode({
      servers: nats.servers,
      nodeId: victimName(i),
      actors: `agent:${agentsPerVictim}`,
      env: { AGENTMAIL_API_KEY: fake.apiKey, AGENTMAIL_BASE_URL: fake.url, HEALTH_CHECK_INTERVAL: '1' },
    });
    children.push(c);
    return c;
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  it(`answers every one of ${emails} emails exactly once while agents holding sends are killed -9 (${kills} kills)`, async function () {
    const began = Date.now();
    let victim = await startVictim(0);
    await node.waitForActors('agent', agentsPerVictim);
    const startupMs = Date.now() - began;

    const sent: Mail[] = [];
    const deliver = async (): Promise<void> => {
      const i = sent.length;
      const [subject, text] = loadQuestions[i % loadQuestions.length]!;
      // Distinct senders: one sender past SENDER_RATE_LIMIT would (rightly) go unanswered.
      const mail = {
        ...newMail(`chaos-${i}`, subject, text),
        from: `Customer ${i} <customer${i}@example.com>`,
      };
      sent.push(mail);
      expect(await deliverMail({ agentMail: fake, gatewayUrl: node.gatewayUrl, secret }, mail)).to.equal(200);
    };

    const ownerOf = (messageId: string): string | undefined => {
      const routed = node.events.find((e) => e.event === 'mail.routed' && e.messageId === messageId);
      const owner = routed?.data?.['owner'];
      return typeof owner === 'string' ? owner : undefined;
    };
    /** An email routed to `host` whose send has reached the fake and is still held there. */
    const heldBy = (host: string): string | undefined =>
      sent.find(
        (m) =>
          ownerOf(m.messageId)?.startsWith(`${host}-`) &&
          fake.requests.some(
            (r) => r.route === 'reply' && r.params.messageId === m.messageId && r.status === undefined,
          ),
      )?.messageId;

    // Phase k: victim k (with its successor, once heard) hosts the agents and receives its share of the emails;
    // the last few arrive after the successor is heard, and victim k dies while it holds a send the fake has not
    // finished. Ties in routing go to the smallest id, and victim k's id sorts first, so it still gets mail.
    // The successor is heard before the kill, so the cluster is never without a running agent.
    const killed: string[] = [];
    const killedHolding: string[] = [];
    for (let k = 0; k <= kills; k++) {
      const share = Math.round(((k + 1) * emails) / (kills + 1)) - Math.round((k * emails) / (kills + 1));
      const successor =
        k < kills
          ? startVictim(k + 1).then(async (c) => {
              await node.waitForActors('agent', 2 * agentsPerVictim);
              return c;
            })
          : undefined;
      const late = successor === undefined ? 0 : Math.min(share, 3);
      // Spread the rest over about one victim start-up, the time the successor takes to be heard.
      const gapMs = Math.max(20, Math.min(500, startupMs / Math.max(1, share - late)));
      for (let j = 0; j < share - late; j++) {
        await deliver();
        await sleep(gapMs);
      }
      if (successor === undefined) break;
      const next = await successor;
      for (let j = 0; j < late; j++) await deliver();
      const host = victimName(k);
      // Kill once victim k holds a send (or after a bound: a victim that holds nothing is still killed).
      const holding = await eventually(
        () => heldBy(host),
        `a send held by ${host}`,
        4 * replyDelayMs + 3_000,
      ).catch(() => undefined);
      await victim.kill();
      killed.push(host);
      if (holding) killedHolding.push(holding);
      victim = next;
    }
    const deliveredMs = Date.now() - began;

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
    // The work of the dead: emails first routed to a killed victim must have been moved and finished elsewhere.
    const onKilled = (actorId: string | undefined): boolean =>
      killed.some((host) => actorId?.startsWith(`${host}-`) === true);
    const endedBy = (messageId: string): string[] =>
      node.events
        .filter(
          (e) => (e.event === 'reply.sent' || e.event === 'escalation.queued') && e.messageId === messageId,
        )
        .map((e) => e.actorId);
    const rescued = sent.filter(
      (m) => onKilled(ownerOf(m.messageId)) && endedBy(m.messageId).some((a) => a !== ownerOf(m.messageId)),
    );
    const reassigned = node.events.filter((e) => e.event === 'conversation.reassigned');
    const sendsOf = (messageId: string) =>
      fake.requests.filter((r) => r.route === 'reply' && r.params.messageId === messageId);
    process.stdout.write(
      `      ${emails} emails, ${kills} kills, ${reassigned.length} reassignments, ${fake.sent.length} replies; ` +
        `${killedHolding.length} kills held a send, ${rescued.length} emails of the killed finished elsewhere, ` +
        `${startupMs} ms per victim start, deliveries ${deliveredMs} ms\n`,
    );
    expect(killed, 'victims killed').to.have.length(kills);
    if (kills === 0) return;
    expect(reassigned.length, 'conversations moved off killed victims').to.be.at.least(kills);
    expect(
      reassigned.every((e) => onKilled(String(e.data?.['from']))),
      'only the conversations of killed victims move',
    ).to.equal(true);
    expect(
      rescued.length,
      'emails first owned by a killed victim and finished by another agent',
    ).to.be.greaterThan(0);
    for (const m of rescued) expect(outcomes().get(m.messageId), `outcomes of ${m.messageId}`).to.equal(1);
    // A send the victim left held at the fake is sent again by the new owner under the same Idempotency-Key,
    // and AgentMail sends it once (idempotency.mdx).
    expect(killedHolding.length, 'kills that caught a victim holding a send').to.equal(kills);
    for (const id of killedHolding) {
      const keys = new Set(sendsOf(id).map((r) => r.idempotencyKey));
      expect(keys.size, `idempotency keys used for ${id}`).to.equal(1);
      expect(sendsOf(id).length, `sends of ${id}: the victim's and its successor's`).to.be.at.least(2);
      expect(
        fake.sent.filter((x) => x.inReplyTo === id),
        `emails sent for ${id}`,
      ).to.have.length(1);
      expect(endedBy(id), `agents that finished ${id}`).to.have.length(1);
      expect(endedBy(id)[0], `the agent that finished ${id}`).to.not.equal(ownerOf(id));
    }
  });
});
