// End-to-end escalation: mail that needs a person goes to the HUMAN stream once, the thread is labelled, and the customer gets one acknowledgement or nothing.
// It must not reach a real AgentMail: replies go to a local fake; each configuration gets its own NATS server and node, stopped by the suite.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { jetstreamManager } from '@nats-io/jetstream';
import { escalationAckPurpose } from '../../actors/answering/agent.ts';
import { deriveIdempotencyKey } from '../../actors/answering/outbound/idempotency-key.ts';
import { ReplyStore } from '../../actors/conversation/reply-store.ts';
import { Streams } from '../../bus/provision.ts';
import { subjectOf, Subjects } from '../../bus/subjects.ts';
import type { ActorEvent, EventName } from '../../schemas/bus.ts';
import type { HumanEscalation } from '../../schemas/work.ts';
import { startFakeAgentMail, type FakeAgentMail } from '../support/fake-agentmail.ts';
import { testNats, type TestNats } from '../support/nats.ts';
import { eventually, startServiceNode, type TestNode } from '../support/node-harness.ts';
import { deliverMail, newMail as newTestMail, type Mail } from '../support/received-mail.ts';
import { randomWebhookSecret } from '../../scripts/sign-webhook.ts';

/** Each mail has its own inbox, so the HUMAN stream's per-subject count is this mail's count. */
const newMail = (label: string, subject: string, text: string): Mail =>
  newTestMail(label, subject, text, { ownInbox: true });

/** One node with its own NATS and fake AgentMail; `env` is what differs between the suites. */
function suiteNode(nodeId: string, env: Record<string, string>) {
  const secret = randomWebhookSecret();
  const s = {} as { nats: TestNats; agentMail: FakeAgentMail; node: TestNode; replies: ReplyStore };

  before(async function () {
    s.nats = await testNats({ own: true });
    s.agentMail = await startFakeAgentMail();
    s.node = await startServiceNode({ servers: s.nats.servers, nodeId, agentMail: s.agentMail, secret, env });
    s.replies = await ReplyStore.open(s.node.node.bus);
  });

  after(async function () {
    await s.node?.stop();
    await s.agentMail?.stop();
    await s.nats?.stop();
  });

  async function deliver(mail: Mail, svixId?: string): Promise<void> {
    const status = await deliverMail(
      { agentMail: s.agentMail, gatewayUrl: s.node.gatewayUrl, secret },
      mail,
      svixId,
    );
    expect(status, 'gateway accepted the webhook').to.equal(200);
  }

  const waitFor = (event: EventName, mail: Mail): Promise<ActorEvent> =>
    s.node.waitForEvent((e) => e.event === event && e.messageId === mail.messageId, 20_000, event);

  /** Every email the fake sent in reply to this mail, and every send request it got for it (any key). */
  const sentFor = (mail: Mail) => s.agentMail.sent.filter((m) => m.inReplyTo === mail.messageId);
  const sendRequestsFor = (mail: Mail) =>
    s.agentMail.requests.filter((r) => r.route === 'reply' && r.params.messageId === mail.messageId);

  /** How many HUMAN stream items this mail's inbox holds (one inbox per mail), and the last of them. */
  async function humanQueue(mail: Mail): Promise<{ count: number; last: HumanEscalation | undefined }> {
    const jsm = await jetstreamManager(s.node.node.bus.nc);
    const subject = subjectOf(Subjects.humanQueue, { inbox: mail.inboxId });
    const info = await jsm.streams.info(Streams.human, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return { count, last: undefined };
    const last = await jsm.streams.getMessage(Streams.human, { last_by_subj: subject });
    return { count, last: last?.json<HumanEscalation>() };
  }

  return { s, deliver, waitFor, sentFor, sendRequestsFor, humanQueue };
}

describe('escalation end to end', function () {
  this.timeout(30_000);

  describe('with ESCALATION_ACK', function () {
    const ackText = 'Thank you, a person from our team will write to you soon. (escalation ack e2e)';
    const t = suiteNode('esc', { ESCALATION_ACK: ackText, ESCALATE_REFUND_ABOVE: '50' });

    /** The checks every escalated mail must pass: one queue item, the label, one acknowledgement and no answer. */
    async function expectEscalatedOnce(mail: Mail, reason: string): Promise<void> {
      const queued = await t.waitFor('escalation.queued', mail);
      expect(queued.data?.['reasons']).to.include(reason);
      expect(queued.data?.['acknowledged']).to.equal(true);
      const human = await t.humanQueue(mail);
      expect(human.count).to.equal(1);
      expect(human.last).to.include({
        messageId: mail.messageId,
        threadId: mail.threadId,
        acknowledged: true,
      });
      expect(human.last?.reasons).to.include(reason);
      expect(t.s.agentMail.thread(mail.inboxId, mail.threadId)?.labels).to.include('escalated');
      const sent = t.sentFor(mail);
      expect(sent).to.have.length(1);
      expect(sent[0]!.text).to.equal(ackText);
      expect(sent[0]!.threadId).to.equal(mail.threadId);
      const ackKey = deriveIdempotencyKey(mail.inboxId, mail.messageId, escalationAckPurpose);
      expect(sent[0]!.idempotencyKey).to.equal(ackKey);
      // Not an answer: the reply's key was never used, no draft was written, no reply event was emitted.
      expect(ackKey).to.not.equal(deriveIdempotencyKey(mail.inboxId, mail.messageId));
      expect(t.sendRequestsFor(mail).map((r) => r.idempotencyKey)).to.deep.equal([ackKey]);
      const record = await t.s.replies.get(mail.inboxId, mail.messageId);
      expect(record?.status).to.equal('escalated');
      expect(record?.escalation?.acknowledged).to.equal(true);
      expect(record?.audit.draft).to.equal(undefined);
      expect(t.s.node.events.filter((e) => e.event.startsWith('reply.') && e.messageId === mail.messageId)).to
        .be.empty;
    }

    it('queues "let me talk to a human" once, labels it, and acknowledges once however often the webhook comes', async function () {
      const mail = newMail(
        'human',
        'Please',
        'This is going nowhere. Let me talk to a human, a real person please.',
      );
      const svixId = `msg_${randomBytes(8).toString('hex')}`;
      // A Svix retry of the same delivery and the same email under a new delivery id, all at once.
      await Promise.all([t.deliver(mail, svixId), t.deliver(mail, svixId), t.deliver(mail)]);
      await t.waitFor('escalation.queued', mail);
      await eventually(
        () =>
          t.s.node.events.filter(
            (e) =>
              (e.event === 'mail.routed' || e.event === 'mail.duplicate') && e.messageId === mail.messageId,
          ).length >= 2 || undefined,
        'the second delivery to be handled',
      );
      // And once more after the escalation was recorded.
      const before = t.s.node.events.filter(
        (e) => e.event === 'mail.duplicate' && e.messageId === mail.messageId,
      ).length;
      await t.deliver(mail);
      const late = await eventually(
        () =>
          t.s.node.events.filter((e) => e.event === 'mail.duplicate' && e.messageId === mail.messageId)[
            before
          ],
        'the late redelivery to be recognised',
      );
      expect(late.data?.['matched']).to.equal('reply-record');
      await expectEscalatedOnce(mail, 'human_requested');
      expect(
        t.s.node.events.filter((e) => e.event === 'escalation.queued' && e.messageId === mail.messageId)
          .length,
      ).to.equal(1, 'the agent handled the escalation once');
    });

    it('escalates a legal threat with one acknowledgement', async function () {
      const mail = newMail(
        'legal',
        'Lost data',
        'Your service lost our data. Our lawyer will be in touch and we are preparing legal action.',
      );
      await t.deliver(mail);
      await expectEscalatedOnce(mail, 'legal_threat');
    });

    it('escalates a refund above ESCALATE_REFUND_ABOVE and answers one below it', async function () {
      // 80 is below the default limit of 100: only the configured 50 sends it to a person.
      const big = newMail('refund-big', 'Refund', 'Please refund the 80 EUR I was charged twice last month.');
      const small = newMail(
        'refund-small',
        'Refund',
        'Please refund the 30 EUR I was charged twice last month.',
      );
      await Promise.all([t.deliver(big), t.deliver(small)]);
      await expectEscalatedOnce(big, 'refund_over_limit');
      const answered = await t.waitFor('reply.sent', small);
      expect(answered.data?.['agentId']).to.be.a('string');
      expect((await t.humanQueue(small)).count).to.equal(0);
      expect(t.sentFor(small)).to.have.length(1);
      expect(t.sentFor(small)[0]!.text).to.not.equal(ackText);
      expect(t.sentFor(small)[0]!.idempotencyKey).to.equal(
        deriveIdempotencyKey(small.inboxId, small.messageId),
      );
    });
    it('still hands the conversation to a human, marked not acknowledged, when AgentMail refuses the acknowledgement', async function () {
      const mail = newMail('ack-refused', 'Please', 'I want to speak to a person about my account, please.');
      t.s.agentMail.script({ kind: 'status', status: 403 }, 1, { route: 'reply' });
      await t.deliver(mail);
      const queued = await t.waitFor('escalation.queued', mail);
      expect(queued.data?.['acknowledged']).to.equal(false);
      expect(t.s.node.events.some((e) => e.event === 'escalation.failed' && e.messageId === mail.messageId))
        .to.be.true;
      const human = await t.humanQueue(mail);
      expect(human.count).to.equal(1);
      expect(human.last).to.include({ messageId: mail.messageId, acknowledged: false });
      expect(t.sentFor(mail)).to.have.length(0);
      expect((await t.s.replies.get(mail.inboxId, mail.messageId))?.escalation?.acknowledged).to.equal(false);
    });
  });

  describe('without ESCALATION_ACK', function () {
    const t = suiteNode('silent', {});

    it('queues and labels a "let me talk to a human" email and sends no message at all', async function () {
      const mail = newMail('human-silent', 'Please', 'Let me talk to a human, a real person please.');
      await t.deliver(mail);
      const queued = await t.waitFor('escalation.queued', mail);
      expect(queued.data?.['acknowledged']).to.equal(false);
      const human = await t.humanQueue(mail);
      expect(human.count).to.equal(1);
      expect(human.last).to.include({ messageId: mail.messageId, acknowledged: false });
      expect(t.s.agentMail.thread(mail.inboxId, mail.threadId)?.labels).to.include('escalated');
      // A redelivery after the escalation must not change that either.
      await t.deliver(mail);
      await t.waitFor('mail.duplicate', mail);
      expect(t.sendRequestsFor(mail)).to.be.empty;
      expect(t.sentFor(mail)).to.be.empty;
      const record = await t.s.replies.get(mail.inboxId, mail.messageId);
      expect(record?.status).to.equal('escalated');
      expect(record?.escalation?.acknowledged).to.equal(false);
    });
  });
});
