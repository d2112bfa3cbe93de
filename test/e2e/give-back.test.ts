// End-to-end hands-off: once a thread is escalated, later mail in it is held for the person (never answered), and
// only a give-back (cs.control.thread.give-back) returns it to the agents, removing the `escalated` label in AgentMail.
// It must not reach a real AgentMail: a local fake answers; the suite starts its own NATS server and node.
import { expect } from 'chai';
import { jetstreamManager } from '@nats-io/jetstream';
import { ConversationStore } from '../../actors/conversation/conversation-store.ts';
import { Streams } from '../../bus/provision.ts';
import { subjectOf, Subjects } from '../../bus/subjects.ts';
import { parseGiveBackArgs, requestGiveBack } from '../../scripts/give-back.ts';
import { randomWebhookSecret } from '../../scripts/sign-webhook.ts';
import { startFakeAgentMail, type FakeAgentMail } from '../support/fake-agentmail.ts';
import { testNats, type TestNats } from '../support/nats.ts';
import { eventually, startServiceNode, type TestNode } from '../support/node-harness.ts';
import { deliverMail, mailIds, newMail, type Mail } from '../support/received-mail.ts';

describe('give-back end to end', function () {
  this.timeout(60_000);
  const secret = randomWebhookSecret();
  let nats: TestNats;
  let agentMail: FakeAgentMail;
  let node: TestNode;
  let conversations: ConversationStore;

  before(async function () {
    nats = await testNats({ own: true });
    agentMail = await startFakeAgentMail();
    node = await startServiceNode({
      servers: nats.servers,
      nodeId: 'giveback',
      agentMail,
      secret,
      actors: 'gateway,processor,proposer,acceptor:3,learner,agent:2',
    });
    conversations = await ConversationStore.open(node.node.bus);
  });

  after(async function () {
    await node?.stop();
    await agentMail?.stop();
    await nats?.stop();
  });

  async function deliver(mail: Mail): Promise<void> {
    const status = await deliverMail({ agentMail, gatewayUrl: node.gatewayUrl, secret }, mail);
    expect(status).to.equal(200);
  }
  const waitFor = (event: string, mail: Mail) =>
    node.waitForEvent((e) => e.event === event && e.messageId === mail.messageId, 30_000, event);
  const sentFor = (mail: Mail) => agentMail.sent.filter((m) => m.inReplyTo === mail.messageId);
  const inThread = (first: Mail, label: string, subject: string, text: string): Mail => ({
    ...first,
    messageId: mailIds(label).messageId,
    subject,
    text,
  });
  async function humanCount(mail: Mail): Promise<number> {
    const jsm = await jetstreamManager(node.node.bus.nc);
    const subject = subjectOf(Subjects.humanQueue, { inbox: mail.inboxId });
    const info = await jsm.streams.info(Streams.human, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  it('holds later mail of an escalated thread for the person, and answers again only after a give-back', async function () {
    const first = newMail(
      'giveback',
      'Formal complaint',
      'Your service leaked our data. I have instructed my lawyer and will report you to the regulator.',
      { ownInbox: true },
    );
    await deliver(first);
    await waitFor('escalation.queued', first);
    expect(agentMail.thread(first.inboxId, first.threadId)?.labels).to.include('escalated');

    // A question the knowledge base answers: still not answered, because a person has the thread.
    const second = inThread(
      first,
      'giveback-2',
      'Re: Formal complaint',
      'Also, how do I reset my password? I forgot it and cannot log in to my account.',
    );
    await deliver(second);
    const held = await waitFor('mail.held', second);
    expect(held.data?.['escalatedMessageId']).to.equal(first.messageId);
    expect(await humanCount(first)).to.equal(2);
    const conv = await conversations.get(first.threadId);
    expect(conv?.hold?.messageId).to.equal(first.messageId);
    expect(conv?.hold?.heldMessages).to.deep.equal([second.messageId]);
    expect(sentFor(second)).to.have.length(0);
    expect(
      node.events.some((e) => e.event.startsWith('reply.') && e.messageId === second.messageId),
    ).to.equal(false);

    // The person gives it back: the label goes in AgentMail, the hold goes, and who did it is recorded.
    const args = parseGiveBackArgs([first.threadId, '--by', 'alice', '--note', 'settled by phone'], 'ops');
    expect(args.ok).to.equal(true);
    const reply = await requestGiveBack(node.node.bus, args.ok ? args.request : ({} as never));
    expect(reply).to.include({ outcome: 'given-back', by: 'alice', threadId: first.threadId });
    expect(agentMail.thread(first.inboxId, first.threadId)?.labels).to.not.include('escalated');
    const removal = agentMail.requests.find(
      (r) =>
        r.route === 'update-thread' &&
        r.params.threadId === first.threadId &&
        JSON.stringify((r.body as { remove_labels?: unknown }).remove_labels) === '["escalated"]',
    );
    expect(removal, 'a PATCH of the thread with remove_labels, as the AgentMail API takes it').to.not.equal(
      undefined,
    );
    const released = await conversations.get(first.threadId);
    expect(released?.hold).to.equal(undefined);
    expect(released?.givenBack).to.include({ by: 'alice', note: 'settled by phone' });
    await eventually(
      () => node.events.find((e) => e.event === 'conversation.given-back' && e.threadId === first.threadId),
      'the given-back event',
    );

    // A second give-back changes nothing; new mail in the thread is answered by an agent again.
    expect(
      (await requestGiveBack(node.node.bus, { type: 'give-back', threadId: first.threadId, by: 'bob' }))
        .outcome,
    ).to.equal('not-held');
    const third = inThread(
      first,
      'giveback-3',
      'Password',
      'Hi, I forgot my password and cannot log in to my account. How do I reset it?',
    );
    await deliver(third);
    await waitFor('reply.sent', third);
    expect(sentFor(third)).to.have.length(1);
    expect((await conversations.get(first.threadId))?.givenBack?.by).to.equal('alice');
  });

  it('says so for a thread it does not know', async function () {
    const reply = await requestGiveBack(node.node.bus, {
      type: 'give-back',
      threadId: 'thd_nobody',
      by: 'ops',
    });
    expect(reply.outcome).to.equal('unknown-thread');
  });

  it('refuses a command line without a thread id, or with an unknown flag, in one line', function () {
    expect(parseGiveBackArgs([], 'ops')).to.deep.equal({ ok: false, problem: 'a thread id is needed' });
    expect(parseGiveBackArgs(['thd_1', '--force'], 'ops')).to.deep.equal({
      ok: false,
      problem: 'unknown flag --force',
    });
    expect(parseGiveBackArgs(['thd_1'], 'carol')).to.deep.equal({
      ok: true,
      request: { type: 'give-back', threadId: 'thd_1', by: 'carol' },
    });
  });
});
