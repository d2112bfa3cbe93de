// End-to-end metrics: real signed webhooks into a real node (every actor kind in one process), then both metrics pages
// (METRICS_PORT and the gateway's /metrics) are read whole. It must not reach a real AgentMail: replies go to a local fake.
import { expect } from 'chai';
import { ReplyStore } from '../../actors/conversation/reply-store.ts';
import { subjectOf, Subjects } from '../../bus/subjects.ts';
import { randomWebhookSecret, signWebhook } from '../../scripts/sign-webhook.ts';
import { registry } from '../../telemetry/metrics.ts';
import { startFakeAgentMail, type FakeAgentMail } from '../support/fake-agentmail.ts';
import {
  parseMetricsPage,
  sampleSum,
  scrape,
  seedMetricNames,
  type MetricsPage,
} from '../support/metrics-page.ts';
import { testNats, type TestNats } from '../support/nats.ts';
import { eventually, startServiceNode, type TestNode } from '../support/node-harness.ts';
import { deliverMail, mailIds, newMail, type Mail } from '../support/received-mail.ts';
import { webhookFixture } from '../support/webhook-fixtures.ts';

/**
 * Names with no sample unless something rare happens that this test cannot cause, and why. Every other name the
 * registry holds must have a sample after the traffic below, which causes the other rare events on purpose: AgentMail
 * failing a reply (reply_failures_total, then bus_redeliveries_total), an invalid bus message
 * (bus_invalid_messages_total), a webhook for an answered email (mail_duplicate_deliveries_total), an auto-reply
 * (mail_skipped_total), mail needing a person and mail of a held thread (escalations_total).
 */
const onlyAfterRareEvents: Record<string, string> = {
  nats_permission_denied_total:
    'a publish the NATS server refuses for lack of permission: needs a server with per-user permissions, ' +
    'test/integration/node/nats-permissions.test.ts checks it',
};

/** prom-client's own process metrics: present on every page, but not the code's to give samples. */
const isDefaultMetric = (name: string) => name.startsWith('process_') || name.startsWith('nodejs_');

/** This process's value of `sample`, summed over its series with `labels`: what the pages will show. */
async function current(sample: string, labels: Record<string, string> = {}): Promise<number> {
  const family = registry.getSingleMetric(sample) ? sample : sample.replace(/_(bucket|sum|count)$/, '');
  return sampleSum(parseMetricsPage(await registry.getSingleMetricAsString(family)), sample, labels);
}

/** Waits until `sample{labels}` reaches `n`: a counter moving is the fact these checks depend on. */
const reaches = (sample: string, labels: Record<string, string>, n: number): Promise<true> =>
  eventually(
    async () => ((await current(sample, labels)) >= n ? true : undefined),
    `${sample}${JSON.stringify(labels)} >= ${n}`,
  );

describe('metrics end to end', function () {
  this.timeout(120_000);
  let nats: TestNats;
  let fake: FakeAgentMail;
  let node: TestNode;
  let replies: ReplyStore;
  const secret = randomWebhookSecret();
  const pages: { name: string; page: MetricsPage }[] = [];

  /** What the traffic was, for the checks to compare the counters with. */
  const sent = { received: 0, answered: 0, escalated: 0 };

  async function deliver(mail: Mail, svixId?: string): Promise<void> {
    const status = await deliverMail({ agentMail: fake, gatewayUrl: node.gatewayUrl, secret }, mail, svixId);
    expect(status, 'the gateway accepted the webhook').to.equal(200);
    sent.received += 1;
  }

  const replyTo = (mail: Mail) =>
    eventually(() => fake.sent.find((s) => s.inReplyTo === mail.messageId), `a reply to ${mail.subject}`);

  const recordOf = (mail: Mail, status: 'escalated' | 'failed') =>
    eventually(
      async () => ((await replies.get(mail.inboxId, mail.messageId))?.status === status ? true : undefined),
      `the reply record of ${mail.subject} to be ${status}`,
    );

  before(async function () {
    nats = await testNats({ own: true });
    fake = await startFakeAgentMail();
    node = await startServiceNode({ servers: nats.servers, nodeId: 'metrics', agentMail: fake, secret });
    replies = await ReplyStore.open(node.node.bus);

    // Webhooks that are not mail: another event type, and a forged signature.
    const delivered = signWebhook(secret, webhookFixture('message-delivered'));
    const forged = signWebhook(randomWebhookSecret(), webhookFixture('message-delivered'));
    for (const [signed, status] of [
      [delivered, 200],
      [forged, 401],
    ] as const) {
      const res = await fetch(`${node.gatewayUrl}/webhook/agentmail`, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
      });
      expect(res.status).to.equal(status);
    }

    // Answerable mail of two specializations; the first delivered twice by Svix (one delivery id, stored once).
    const answerable = [
      newMail(
        'm-login',
        'Cannot log in',
        'I forgot my password and cannot log in to my account. How do I reset it?',
      ),
      newMail('m-invoice', 'Invoice copy', 'Where can I download a copy of my last invoice?'),
      newMail(
        'm-sales',
        'Enterprise plan',
        'What does the enterprise plan cost per year? We want a demo for our sales team.',
      ),
    ];
    const svixId = 'msg_metrics_retry_1';
    await Promise.all([deliver(answerable[0]!, svixId), deliver(answerable[0]!, svixId)]);
    await Promise.all(answerable.slice(1).map((m) => deliver(m)));
    // Mail that needs a person, then the customer's next mail in that thread: held for the person (H1).
    const human = newMail('m-human', 'Please', 'Let me talk to a human, a real person please.', {
      ownInbox: true,
    });
    await deliver(human);
    // An auto-reply: never answered.
    await deliver({
      ...newMail('m-auto', 'Automatic reply: Your ticket', 'I am out of the office until Monday.'),
      headers: { 'Auto-Submitted': 'auto-replied' },
    });

    for (const m of answerable) await replyTo(m);
    sent.answered += answerable.length;
    await recordOf(human, 'escalated');
    sent.escalated += 1;
    await deliver({ ...human, ...mailIds('m-human-next'), threadId: human.threadId, text: 'Any news?' });
    await reaches('escalations_total', { reason: 'thread-with-person' }, 1);
    await reaches('mail_skipped_total', { reason: 'auto_reply' }, 1);

    // The same email under a new delivery id after it was answered: recognised, not answered again.
    await deliver(answerable[1]!);
    await reaches('mail_duplicate_deliveries_total', { matched: 'reply-record' }, 1);

    // AgentMail failing an agent's every quick retry (3 attempts): the work item is nak'ed, redelivered, then sent.
    fake.script({ kind: 'status', status: 503 }, 3, { route: 'reply' });
    const retried = newMail(
      'm-retried',
      'Refund time',
      'How long does a refund take to reach my card after I cancel?',
    );
    await deliver(retried);
    await replyTo(retried);
    sent.answered += 1;
    // AgentMail refusing a reply for good: failed, dead-lettered, not retried.
    fake.script({ kind: 'status', status: 403, code: 'message_rejected' }, 1, { route: 'reply' });
    const refused = newMail('m-refused', 'Invoice', 'Where can I download a copy of my last invoice?');
    await deliver(refused);
    await recordOf(refused, 'failed');

    // A message that fails its schema, on a subject the learners serve.
    node.node.bus.nc.publish(subjectOf(Subjects.paxosLookup, {}), '{"type":"nonsense"}');

    // What the checks compare with must have been counted before the pages are read.
    await reaches('webhook_to_reply_seconds_count', {}, sent.answered + sent.escalated);
    await reaches('bus_invalid_messages_total', {}, 1);

    const gatewayPage = `${node.gatewayUrl}/metrics`;
    expect(node.node.metricsUrl, 'the node serves METRICS_PORT').to.be.a('string');
    pages.push({ name: 'METRICS_PORT', page: await scrape(node.node.metricsUrl!) });
    pages.push({ name: "the gateway's /metrics", page: await scrape(gatewayPage) });
  });

  after(async function () {
    await node?.stop();
    await fake?.stop();
    await nats?.stop();
  });

  it('declares every metric the registry holds, each once, on both pages, and lists no series twice', function () {
    const names = registry.getMetricsAsArray().map((m) => m.name);
    expect(names).to.include.members([...seedMetricNames]);
    for (const { name, page } of pages) {
      expect([...page.types.keys()], name).to.have.members(names);
      expect(page.declaredTwice, `${name}: families declared twice`).to.be.empty;
      expect(page.seriesTwice, `${name}: series listed twice`).to.be.empty;
    }
  });

  it('has a sample of every name after this traffic, except the ones only a named rare event makes', function () {
    for (const { name, page } of pages) {
      const silent = [...page.types.keys()].filter(
        (family) =>
          !isDefaultMetric(family) &&
          !(family in onlyAfterRareEvents) &&
          !page.samples.some((s) => s.family === family),
      );
      expect(silent, `${name}: names without a sample`).to.be.empty;
    }
  });

  it("has the seed's six names with the seed's labels and meaning", function () {
    const specializations = Object.keys(node.config.agentSpecializations);
    for (const { name, page } of pages) {
      const of = (family: string) => page.samples.filter((s) => s.family === family);
      expect(page.types.get('webhook_requests_total'), name).to.equal('counter');
      for (const s of of('webhook_requests_total'))
        expect(Object.keys(s.labels), name).to.have.members(['event_type', 'status']);
      expect(
        sampleSum(page, 'webhook_requests_total', { event_type: 'message.delivered', status: '200' }),
      ).to.be.at.least(1);
      expect(
        sampleSum(page, 'webhook_requests_total', { event_type: 'unknown', status: '401' }),
      ).to.be.at.least(1);
      expect(page.types.get('webhook_processing_duration_seconds'), name).to.equal('histogram');
      expect(sampleSum(page, 'webhook_processing_duration_seconds_count')).to.equal(
        sampleSum(page, 'webhook_requests_total'),
        `${name}: every webhook request is timed`,
      );
      // Active conversations: the census of the conversations bucket (a number, 0 once all are settled).
      expect(of('active_conversations_total'), name).to.have.length(1);
      expect(of('active_conversations_total')[0]!.value).to.be.at.least(0);
      const assignments = of('agent_assignments_total');
      for (const s of assignments) expect(specializations, name).to.include(s.labels['specialization']);
      expect(new Set(assignments.map((s) => s.labels['specialization'])), name).to.include.keys(
        'support',
        'sales',
      );
      expect(
        sampleSum(page, 'consensus_operations_total', { phase: 'decide', result: 'ok' }),
        name,
      ).to.be.at.least(1);
      expect(
        of('system_health_status').map((s) => s.value),
        name,
      ).to.deep.equal([1]);
    }
  });

  it('moved the counters with the traffic sent', function () {
    // Threads decided by Paxos: the answered ones, the escalated one and the refused one (the auto-reply is not routed).
    const threads = sent.answered + sent.escalated + 1;
    for (const { name, page } of pages) {
      const at = (sample: string, labels: Record<string, string> = {}) => sampleSum(page, sample, labels);
      expect(
        at('webhook_requests_total', { event_type: 'message.received', status: '200' }),
        name,
      ).to.be.at.least(sent.received);
      expect(at('webhook_to_reply_seconds_count', { outcome: 'sent' }), name).to.be.at.least(sent.answered);
      expect(at('webhook_to_reply_seconds_count', { outcome: 'escalated' }), name).to.be.at.least(
        sent.escalated,
      );
      expect(at('agent_assignments_total'), name).to.be.at.least(threads);
      expect(at('owner_decisions_total', { outcome: 'decided' }), name).to.be.at.least(threads);
      expect(at('escalations_total', { reason: 'human_requested' }), name).to.be.at.least(1);
      expect(at('escalations_total', { reason: 'thread-with-person' }), name).to.be.at.least(1);
      expect(at('mail_skipped_total', { reason: 'auto_reply' }), name).to.be.at.least(1);
      expect(at('mail_duplicate_deliveries_total', { matched: 'reply-record' }), name).to.be.at.least(1);
      expect(at('reply_failures_total', { status: '503', retried: 'true' }), name).to.be.at.least(1);
      expect(at('reply_failures_total', { status: '403', retried: 'false' }), name).to.be.at.least(1);
      expect(at('bus_redeliveries_total'), name).to.be.at.least(1);
      expect(at('bus_invalid_messages_total', { contract: 'paxos-lookup' }), name).to.be.at.least(1);
      // Queue depths and lags: the MAIL stream holds every stored webhook, the processors' durable has a lag series.
      expect(at('jetstream_stream_messages', { stream: 'MAIL' }), name).to.be.at.least(sent.received - 1);
      expect(
        page.samples.some((s) => s.name === 'jetstream_consumer_pending_messages'),
        name,
      ).to.be.true;
      // Several actors in one process, one registry: a series per actor where the value is per actor.
      const agents = page.samples.filter(
        (s) => s.name === 'actor_load' && s.labels['actor_kind'] === 'agent',
      );
      expect(
        agents.map((s) => s.labels['actor_id']),
        name,
      ).to.have.members(['metrics-agent-0', 'metrics-agent-1', 'metrics-agent-2']);
    }
  });
});
