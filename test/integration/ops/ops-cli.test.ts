// agentmail-ops against a real node: the bin run as an operator runs it (a child process, --nats or the environment),
// over a node that answers real signed webhooks; every command's output is read as text, as a person would.
import { expect } from 'chai';
import { contracts } from '../../../bus/contracts.ts';
import { Streams } from '../../../bus/provision.ts';
import { subjectOf, Subjects } from '../../../bus/subjects.ts';
import { check } from '../../../schemas/codec.ts';
import { MailReceived } from '../../../schemas/mail.ts';
import { messageReceivedEvent } from '../../../scripts/received-event.ts';
import { randomWebhookSecret } from '../../../scripts/sign-webhook.ts';
import { startFakeAgentMail, type FakeAgentMail } from '../../support/fake-agentmail.ts';
import { testNats, type TestNats } from '../../support/nats.ts';
import { runOps } from '../../support/ops-cli.ts';
import { eventually, startServiceNode, type TestNode } from '../../support/node-harness.ts';
import { deliverMail, mailIds, testInbox, testSender } from '../../support/received-mail.ts';

describe('agentmail-ops against a real node', function () {
  this.timeout(90_000);
  let nats: TestNats;
  let fake: FakeAgentMail;
  let node: TestNode;
  const secret = randomWebhookSecret();
  const answered = mailIds('ops');

  const ops = (
    args: string[],
    opts: { env?: Record<string, string>; onStderr?: (text: string, interrupt: () => void) => void } = {},
  ) => runOps(args, { ...opts, env: { NATS_URL: nats.servers.join(','), ...opts.env } });

  const deliver = (ids: { threadId: string; messageId: string }, text: string) =>
    deliverMail(
      { agentMail: fake, gatewayUrl: node.gatewayUrl, secret },
      { inboxId: testInbox, ...ids, subject: 'Password reset', text },
    );

  before(async function () {
    nats = await testNats({ own: true });
    fake = await startFakeAgentMail();
    node = await startServiceNode({
      servers: nats.servers,
      nodeId: 'ops',
      agentMail: fake,
      secret,
      actors: 'gateway,processor,proposer,acceptor:3,learner,agent:2',
    });
    expect(await deliver(answered, 'I cannot log in: how do I reset my password?')).to.equal(200);
    await node.waitForEvent((e) => e.event === 'reply.sent' && e.messageId === answered.messageId);
  });

  after(async function () {
    await node?.stop();
    await fake?.stop();
    await nats?.stop();
  });

  it('status: every actor with its kind, node and health, the distinguished proposer, streams and consumer lags', async () => {
    const r = await ops(['status']);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).to.match(
      /^1 node\(s\), 9 actor\(s\), 9 running, 2 healthy agent\(s\); distinguished proposer \S+; active conversations \d+$/,
    );
    for (const a of node.node.actors) {
      const row = lines.find((l) => l.split(/\s+/)[1] === a.id);
      expect(row, `a row for ${a.id}`).to.match(
        new RegExp(`^${a.kind}\\s+${a.id}( \\*)?\\s+ops\\s+running\\s`),
      );
    }
    expect(lines.find((l) => /^proposer\s/.test(l))).to.include(' * ');
    expect(r.stdout).to.match(/^MAIL\s+\d+$/m);
    expect(r.stdout).to.match(/^MAIL\/\S+\s+\d+\s+\d+$/m);
    expect(r.stdout).to.not.include('\u001b[');

    const json = await ops(['status', '--json']);
    const snapshot = JSON.parse(json.stdout) as { actors: { actorId: string; status: string }[] };
    expect(snapshot.actors.map((a) => a.actorId).sort()).to.deep.equal(
      node.node.actors.map((a) => a.id).sort(),
    );
  });

  it('watch: live events of one thread, one plain line each when not a terminal, until --count', async () => {
    const ids = mailIds('ops-watch');
    let delivered: Promise<number> | undefined;
    const r = await ops(['watch', '--thread', ids.threadId, '--kind', 'reply.sent', '--count', '1'], {
      onStderr: (text) => {
        if (text.includes('watching') && !delivered)
          delivered = deliver(ids, 'Where do I reset my password? I cannot log in.');
      },
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(await delivered).to.equal(200);
    const lines = r.stdout.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^\d\d:\d\d:\d\d\.\d{3} agent\s+\S+\s+reply\.sent\s+/);
    expect(lines[0]).to.include(`msg=${ids.messageId}`).and.include(`thread=${ids.threadId}`);
    expect(lines[0]).to.not.include('\u001b[');
  });

  it('watch: stops on Ctrl-C with exit 0, and --json prints the events as published', async () => {
    const ids = mailIds('ops-watch-json');
    let delivered: Promise<number> | undefined;
    const r = await ops(['watch', '--json', '--thread', ids.threadId], {
      onStderr: (text, interrupt) => {
        if (text.includes('watching') && !delivered) {
          delivered = deliver(ids, 'How can I reset my password?');
          void node
            .waitForEvent((e) => e.event === 'reply.sent' && e.messageId === ids.messageId)
            // The watch has had the event for as long as the harness has: give its pipe a moment, then Ctrl-C.
            .then(() => setTimeout(interrupt, 500));
        }
      },
    });
    expect(r.code, r.stderr).to.equal(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; threadId?: string });
    expect(events.map((e) => e.event)).to.include.members(['mail.routed', 'reply.sent']);
    expect(events.every((e) => e.threadId === ids.threadId)).to.equal(true);
  });

  it('trace: one email from webhook to reply, with its owner by epoch and its reply record', async () => {
    const r = await ops(['trace', answered.messageId]);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).to.equal(`message ${answered.messageId}  thread ${answered.threadId}`);
    const names = lines.filter((l) => /^\s+\+\d+ ms/.test(l)).map((l) => l.split(/\s+/)[6]);
    // The email's own story in order, and its thread's Paxos steps (they carry the thread id, not the message's).
    const story = ['webhook.accepted', 'mail.classified', 'mail.routed', 'reply.drafted', 'reply.sent'];
    expect(names.filter((n) => story.includes(n!))).to.deep.equal(story);
    expect(names).to.include.members(['owner.proposed', 'paxos.decided']);
    const sent = node.events.find((e) => e.event === 'reply.sent' && e.messageId === answered.messageId)!;
    const agentId = String(sent.data?.['agentId']);
    expect(r.stdout).to.match(
      new RegExp(`^owners:\\n  epoch 0  ${agentId}  conv/${answered.threadId}/0$`, 'm'),
    );
    expect(r.stdout).to.match(new RegExp(`^reply record: sent by ${agentId} \\(epoch 0\\)`, 'm'));
    expect(r.stdout).to.match(/^timings: to mail\.routed \d+ ms, to reply\.sent \d+ ms$/m);

    const unknown = await ops(['trace', '<never-received@example.com>']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stdout).to.include('no events found').and.include('reply record: none');
  });

  it('assignments: every thread with its owner, and one thread by epoch', async () => {
    const sent = node.events.find((e) => e.event === 'reply.sent' && e.messageId === answered.messageId)!;
    const agentId = String(sent.data?.['agentId']);
    const all = await ops(['assignments']);
    expect(all.code, all.stderr).to.equal(0);
    expect(all.stdout).to.match(new RegExp(`^${answered.threadId}\\s+0\\s+${agentId}\\s`, 'm'));
    const none = await ops(['assignments', 'thd_never-seen']);
    expect([none.code, none.stderr.trim()]).to.deep.equal([
      1,
      'thread thd_never-seen has no owner on record',
    ]);
    const one = await ops(['assignments', answered.threadId]);
    expect(one.stdout.split('\n')[1]).to.match(
      new RegExp(`^0\\s+${agentId}\\s.*conv/${answered.threadId}/0$`),
    );
  });

  it('dead-letters: lists what could not be processed, shows one whole, and a replay gets the mail answered', async () => {
    // A message no processor can read: the processor reports it and dead-letters it whole.
    const bad = await node.node.bus.jsPublishRaw(
      subjectOf(Subjects.mailReceived, { inbox: testInbox }),
      JSON.stringify({ type: 'mail-received', svixId: 'msg_broken' }),
      { msgID: `broken-${answered.messageId}` },
    );
    const listed = await eventually(async () => {
      const r = await ops(['dead-letters']);
      return r.stdout.includes(`cs.mail.received.`) ? r : undefined;
    }, 'the invalid mail on DEADLETTER');
    expect(listed.stdout.split('\n')[0]).to.match(/^seq\s+at\s+subject\s+by\s+code\s+deliveries\s+reason$/);
    expect(bad.stream).to.equal(Streams.mail);

    // A good mail dead-lettered earlier (say, by a processor bug since fixed): replaying it gets it answered.
    const ids = mailIds('ops-replay');
    fake.receive({
      inboxId: testInbox,
      ...ids,
      from: testSender,
      subject: 'Password',
      text: 'How do I reset my password?',
    });
    const body = {
      type: 'mail-received',
      svixId: `msg_${ids.threadId}`,
      eventId: `evt_${ids.threadId}`,
      eventType: 'message.received',
      receivedAt: Date.now(),
      payload: messageReceivedEvent({
        inboxId: testInbox,
        ...ids,
        from: testSender,
        subject: 'Password',
        text: 'How do I reset my password?',
      }),
    };
    expect(check(MailReceived, body).ok).to.equal(true);
    const letter = await node.node.bus.jsPublish(
      contracts.deadLetter,
      { source: 'processor' },
      {
        type: 'dead-letter',
        subject: subjectOf(Subjects.mailReceived, { inbox: testInbox }),
        reason: 'classifier crashed on it (since fixed)',
        code: 'TEST_FIXED_BUG',
        actorId: 'processor-old',
        at: new Date().toISOString(),
        payload: JSON.stringify(body),
        payloadEncoding: 'utf8',
      },
      { msgID: `dl-${ids.threadId}` },
    );
    const shown = await ops(['dead-letters', 'show', String(letter.seq)]);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(JSON.parse(shown.stdout)).to.include({
      seq: letter.seq,
      code: 'TEST_FIXED_BUG',
      actorId: 'processor-old',
    });

    const replayed = await ops(['dead-letters', 'replay', String(letter.seq)]);
    expect(replayed.code, replayed.stderr).to.equal(0);
    expect(replayed.stdout).to.match(
      new RegExp(`^replayed dead letter ${letter.seq} to cs\\.mail\\.received\\.\\S+ \\(MAIL #\\d+\\)$`, 'm'),
    );
    await node.waitForEvent((e) => e.event === 'reply.sent' && e.messageId === ids.messageId);
    expect(fake.sent.filter((s) => s.inReplyTo === ids.messageId)).to.have.length(1);
    const after = await ops(['dead-letters', '--json']);
    expect((JSON.parse(after.stdout) as { seq: number }[]).map((d) => d.seq)).to.not.include(letter.seq);
    const gone = await ops(['dead-letters', 'show', String(letter.seq)]);
    expect(gone.code, 'not found is not a usage error').to.equal(1);
    expect(gone.stderr.trim()).to.equal(
      `agentmail-ops: no dead letter ${letter.seq} on DEADLETTER (dead-letters lists them)`,
    );
  });

  it('drain and stop: the actor answers on its control subject and stops; an unknown actor is one line, exit 1', async () => {
    const agent = node.node.actors.filter((a) => a.kind === 'agent').at(-1)!;
    const r = await ops(['stop', agent.id]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(`${agent.id}: stop accepted, now draining`);
    await node.waitForEvent((e) => e.event === 'actor.stopped' && e.actorId === agent.id);
    // Its goodbye came before this status listened; its durable still names it.
    const after = await ops(['status']);
    expect(after.stdout).to.match(new RegExp(`^agent\\s+${agent.id}\\s+ops\\s+not heard\\s`, 'm'));

    const missing = await ops(['drain', 'agent-nobody']);
    expect(missing.code).to.equal(1);
    expect(missing.stderr.trim()).to.equal(
      'agentmail-ops: agent-nobody did not answer drain within 3 s: no such actor running (see status)',
    );
  });

  it('bad commands, flags and unreachable NATS: one line each, exit 2 for what the operator typed, 1 for NATS', async () => {
    for (const args of [
      ['frobnicate'],
      ['status', '--thread', 'x'],
      ['trace'],
      ['trace', 'm', '--since', '5x'],
      ['watch', '--count', '0'],
      ['watch', '--kind', 'reply.snet'],
      ['dead-letters', 'show', 'abc'],
      ['status', '--state', '/nonexistent/cluster.json'],
    ]) {
      const r = await ops(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
    }
    const empty = await testNats({ own: true });
    try {
      const nobody = await ops(['status', '--wait', '1s'], { env: { NATS_URL: empty.servers.join(',') } });
      expect(nobody.code, 'a NATS where no actor beats').to.equal(1);
      expect(nobody.stderr).to.match(
        /^heard no heartbeat in 1\.0 s: is the cluster running, and on this NATS\?$/m,
      );
    } finally {
      await empty.stop();
    }
    const down = await ops(['status'], { env: { NATS_URL: 'nats://127.0.0.1:1' } });
    expect(down.code).to.equal(1);
    expect(down.stderr).to.match(
      /^agentmail-ops: cannot reach NATS at nats:\/\/127\.0\.0\.1:1 \(from NATS_URL\)/,
    );
  });
});
