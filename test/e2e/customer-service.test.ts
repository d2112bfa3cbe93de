// End-to-end: signed webhooks into a real node (gateway, processor, Paxos, agents) over real NATS, replies out at a fake AgentMail.
// Each test uses its own thread ids, so one node serves the whole suite; the fake and the node record everything and the checks read those records.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { jetstreamManager } from '@nats-io/jetstream';
import { Streams } from '../../bus/provision.ts';
import { deriveIdempotencyKey } from '../../actors/outbound/idempotency-key.ts';
import { ReplyStore } from '../../actors/work-store.ts';
import { startFakeAgentMail, type FakeAgentMail } from '../support/fake-agentmail.ts';
import { testNats, type TestNats } from '../support/nats.ts';
import { randomWebhookSecret, signWebhook } from '../support/sign-webhook.ts';
import { eventually, startChildNode, startTestNode, type TestNode } from '../support/node-harness.ts';

const inbox = 'support@acme.agentmail.to';

interface Mail {
  threadId: string;
  messageId: string;
  from?: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

let counter = 0;
function newIds(label: string): { threadId: string; messageId: string } {
  counter += 1;
  const tag = `${label}-${counter}-${randomBytes(4).toString('hex')}`;
  return { threadId: `thd_${tag}`, messageId: `<${tag}@mail.example.com>` };
}

function receivedEvent(mail: Mail): object {
  const t = new Date().toISOString();
  const from = mail.from ?? 'Jane Doe <jane@example.com>';
  return {
    type: 'event',
    event_type: 'message.received',
    event_id: `evt_${randomBytes(6).toString('hex')}`,
    message: {
      inbox_id: inbox,
      thread_id: mail.threadId,
      message_id: mail.messageId,
      labels: ['received', 'unread'],
      timestamp: t,
      from,
      to: [inbox],
      subject: mail.subject,
      text: mail.text,
      extracted_text: mail.text,
      headers: mail.headers ?? {},
      size: mail.text.length,
      updated_at: t,
      created_at: t,
    },
    thread: {
      inbox_id: inbox,
      thread_id: mail.threadId,
      labels: ['received', 'unread'],
      timestamp: t,
      senders: [from],
      recipients: [inbox],
      subject: mail.subject,
      last_message_id: mail.messageId,
      message_count: 1,
      size: mail.text.length,
      updated_at: t,
      created_at: t,
    },
  };
}

describe('customer service end to end', function () {
  this.timeout(60_000);
  let nats: TestNats;
  let fake: FakeAgentMail;
  let node: TestNode;
  const secret = randomWebhookSecret();

  /** Seeds the fake with the email (AgentMail has it before it calls us) and posts the signed webhook. */
  async function deliver(mail: Mail, opts: { svixId?: string } = {}): Promise<number> {
    fake.receive({
      inboxId: inbox,
      messageId: mail.messageId,
      threadId: mail.threadId,
      from: mail.from ?? 'Jane Doe <jane@example.com>',
      subject: mail.subject,
      text: mail.text,
    });
    const signed = signWebhook(secret, receivedEvent(mail), opts.svixId ? { msgId: opts.svixId } : {});
    const res = await fetch(`${node.gatewayUrl}/webhook/agentmail`, {
      method: 'POST',
      headers: signed.headers,
      body: signed.body,
    });
    return res.status;
  }

  const sentFor = (messageId: string) => fake.sent.filter((s) => s.inReplyTo === messageId);

  before(async function () {
    nats = await testNats({ own: true });
    fake = await startFakeAgentMail();
    node = await startTestNode({
      servers: nats.servers,
      nodeId: 'e2e',
      actors: 'gateway,processor,proposer,acceptor:3,learner,agent:3',
      env: {
        AGENTMAIL_API_KEY: fake.apiKey,
        AGENTMAIL_BASE_URL: fake.url,
        AGENTMAIL_WEBHOOK_SECRET: secret,
      },
    });
    // Agents must be heard before mail can be routed; wait for all three.
    await node.waitForActors('agent', 3);
  });

  after(async function () {
    await node?.stop();
    await fake?.stop();
    await nats?.stop();
  });

  it('answers a signed webhook with one reply threaded to the received message', async function () {
    const ids = newIds('login');
    expect(
      await deliver({
        ...ids,
        subject: 'Cannot log in',
        text: 'Hi, I forgot my password and cannot log in to my account. How do I reset it?',
      }),
    ).to.equal(200);
    const sent = await eventually(
      () => (sentFor(ids.messageId).length > 0 ? sentFor(ids.messageId) : undefined),
      'a reply',
    );
    expect(sent).to.have.length(1);
    expect(sent[0]!.threadId).to.equal(ids.threadId);
    expect(sent[0]!.idempotencyKey).to.equal(deriveIdempotencyKey(inbox, ids.messageId));
    expect(sent[0]!.text ?? '').to.match(/password|reset|log/i);
    const event = await node.waitForEvent((e) => e.event === 'reply.sent' && e.messageId === ids.messageId);
    const labels = fake.thread(inbox, ids.threadId)?.labels ?? [];
    expect(labels).to.include(`owner:${String(event.data?.['agentId'])}`);
  });
});
