// The bus against a real nats-server: provisioning, schema rejection with events, durable consume, reconnection.
import { expect } from 'chai';
import type { JsMsg } from '@nats-io/jetstream';
import { Bus } from '../../../bus/bus.ts';
import type { SchemaFailure } from '../../../schemas/codec.ts';
import { loadConfig } from '../../../actors/runtime/config.ts';
import { contracts } from '../../../bus/contracts.ts';
import { ack, consumeDurable, nak, type DeadLettered, type Outcome } from '../../../bus/consume.ts';
import { createLogger } from '../../../telemetry/logger.ts';
import { registry } from '../../../telemetry/metrics.ts';
import { missingStreams, provision, Streams } from '../../../bus/provision.ts';
import { Actor } from '../../../actors/runtime/actor.ts';
import type { ActorEvent, ControlReply, DeadLetter, InvalidMessage } from '../../../schemas/bus.ts';
import { testNats, type TestNats } from '../../support/nats.ts';

const logger = createLogger('error', { test: 'bus' });

/** A minimal actor: the runtime's own control subject is the thing under test. */
class ProbeActor extends Actor {
  readonly kind = 'learner' as const;
  protected async onStart() {}
  protected async onStop() {}
  load() {
    return 0;
  }
}

function collect<T>(bus: Bus, subject: string): T[] {
  const seen: T[] = [];
  bus.nc.subscribe(subject, {
    callback: (_e, m) => {
      seen.push(m.json<T>());
    },
  });
  return seen;
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A valid event to put on a test durable (the DEADLETTER stream's probe subjects take any message). */
function probeEvent(): ActorEvent {
  return {
    type: 'event',
    event: 'actor.started',
    kind: 'learner',
    actorId: 'a',
    nodeId: 'n',
    at: new Date().toISOString(),
  };
}

describe('bus', function () {
  this.timeout(60_000);
  let nats: TestNats;
  let bus: Bus;

  before(async () => {
    nats = await testNats({ own: true });
    bus = await Bus.connect({ servers: nats.servers, name: 'bus-test', logger });
  });
  after(async () => {
    await bus.drain();
    await nats.stop();
  });

  it('provisions every stream and bucket, and provisioning twice changes nothing', async () => {
    const first = await provision(bus, 3, logger);
    expect(first.replicas, 'clamped to the one server').to.equal(1);
    expect(first.created).to.include.members([
      Streams.mail,
      Streams.work,
      Streams.decisions,
      'KV_assignments',
    ]);
    expect(await missingStreams(bus)).to.deep.equal([]);
    const second = await provision(bus, 3, logger);
    expect(second.created).to.deep.equal([]);
    expect(second.updated).to.deep.equal([]);
    expect(second.unchanged).to.have.length(first.created.length);
  });

  it('rejects a message that fails its schema with an event, and the actor keeps serving', async () => {
    const config = loadConfig({ NODE_ID: 'bus-test', NATS_URL: nats.servers[0] });
    const actor = new ProbeActor('bus-test-probe-0');
    await actor.start({ bus, config, logger });
    const invalid = collect<InvalidMessage>(bus, contracts.invalid.subject);
    await bus.nc.flush();

    bus.nc.publish('cs.control.bus-test-probe-0', JSON.stringify({ type: 'control', command: 'explode' }));
    bus.nc.publish('cs.control.bus-test-probe-0', 'not json at all');
    await until(() => invalid.length === 2);
    expect(invalid[0]).to.include({
      subject: 'cs.control.bus-test-probe-0',
      contract: 'control',
      actorId: actor.id,
    });
    expect(invalid[0]!.instancePath).to.equal('/command');
    expect(invalid[0]!.reason).to.match(/allowed values/);
    expect(invalid[1]!.reason).to.match(/^not JSON/);

    const reply = await bus.request(
      contracts.control,
      { actorId: actor.id },
      { type: 'control', command: 'ping' },
      2_000,
    );
    // Counted too: two invalid, and the ping handled.
    const counted = await registry.getSingleMetricAsString('bus_messages_total');
    expect(counted).to.match(/bus_messages_total\{contract="control",result="invalid"\} 2/);
    expect(counted).to.match(/bus_messages_total\{contract="control",result="ok"\} [1-9]/);
    expect(reply).to.deep.equal({ type: 'control-reply', actorId: actor.id, status: 'running' });
    await actor.stop(1_000);
  });

  it('dead-letters and terms an invalid durable message, and goes on with the next one', async () => {
    const invalid: SchemaFailure[] = [];
    const handled: ActorEvent[] = [];
    const told: { dl: DeadLettered; body: ActorEvent | undefined }[] = [];
    const consumer = await consumeDurable(
      {
        bus,
        actorId: 'bus-test-consumer',
        logger,
        reportInvalid: (i) => invalid.push(i.failure),
        onDeadLettered: (dl, body) => told.push({ dl, body }),
      },
      {
        stream: Streams.deadLetter,
        durable: 'bus-test',
        filterSubject: 'cs.dlq.probe',
        ackWaitMs: 5_000,
        maxDeliver: 3,
      },
      contracts.events,
      async (body: ActorEvent, _m: JsMsg) => {
        handled.push(body);
        return ack;
      },
      { concurrency: 4 },
    );
    await bus.jsPublishRaw('cs.dlq.probe', '{"type":"event"}', { msgID: 'bad-1' });
    const good = probeEvent();
    await bus.jsPublishRaw('cs.dlq.probe', JSON.stringify(good), { msgID: 'good-1' });
    await until(() => handled.length === 1 && invalid.length === 1);
    expect(invalid[0]!.reason).to.match(/required property/);
    expect(handled[0]).to.deep.equal(good);

    // The bad one is kept whole on the dead-letter stream under the consumer's source subject.
    const jsm = await bus.jsm();
    const dl = await jsm.streams.getMessage(Streams.deadLetter, { last_by_subj: 'cs.dlq.bus-test' });
    const record = dl!.json<DeadLetter>();
    expect(record).to.include({
      code: 'INVALID_MESSAGE',
      payload: '{"type":"event"}',
      subject: 'cs.dlq.probe',
    });
    // The actor is told (it emits mail.dead-lettered), without a body: the message never passed its schema.
    await until(() => told.length === 1);
    expect(told[0]!.body).to.equal(undefined);
    expect(told[0]!.dl).to.include({
      stream: Streams.deadLetter,
      subject: 'cs.dlq.probe',
      source: 'bus-test',
      code: 'INVALID_MESSAGE',
      deliveries: 1,
    });
    await consumer.stop(1_000);
    const info = await jsm.consumers.info(Streams.deadLetter, 'bus-test');
    expect(info.num_ack_pending, 'nothing left unacknowledged').to.equal(0);
    expect(info.num_redelivered, 'the invalid message was not redelivered').to.equal(0);
  });

  /** A durable `bus-test-<name>` on `cs.dlq.<name>`, one message at a time. */
  const probeDurable = (
    name: string,
    limits: { maxDeliver: number; failuresBeforeDeadLetter?: number },
    handler: (m: JsMsg) => Promise<Outcome>,
    onDeadLettered?: (dl: DeadLettered, body: ActorEvent | undefined) => void,
  ) =>
    consumeDurable(
      {
        bus,
        actorId: 'bus-test-consumer',
        logger,
        reportInvalid: () => undefined,
        ...(onDeadLettered ? { onDeadLettered } : {}),
      },
      {
        stream: Streams.deadLetter,
        durable: `bus-test-${name}`,
        filterSubject: `cs.dlq.${name}`,
        ackWaitMs: 5_000,
        ...limits,
      },
      contracts.events,
      (_body: ActorEvent, m: JsMsg) => handler(m),
      { concurrency: 1 },
    );

  it("dead-letters a message still nak'ed at its last delivery instead of letting JetStream drop it", async () => {
    const seen: number[] = [];
    const told: { dl: DeadLettered; body: ActorEvent | undefined }[] = [];
    const consumer = await probeDurable(
      'capped',
      { maxDeliver: 3 },
      async (m) => {
        seen.push(m.info.deliveryCount);
        return nak(10);
      },
      (dl, body) => told.push({ dl, body }),
    );
    const event = probeEvent();
    await bus.jsPublishRaw('cs.dlq.capped', JSON.stringify(event), { msgID: 'capped-1' });
    const jsm = await bus.jsm();
    const lastDead = async () =>
      (
        await jsm.streams
          .getMessage(Streams.deadLetter, { last_by_subj: 'cs.dlq.bus-test-capped' })
          .catch(() => null)
      )?.json<DeadLetter>();
    let dead: DeadLetter | undefined;
    await until(async () => (dead = await lastDead()) !== undefined);
    expect(dead).to.include({ code: 'MAX_DELIVERIES', deliveries: 3, payload: JSON.stringify(event) });
    expect(seen).to.deep.equal([1, 2, 3]);
    await until(() => told.length === 1);
    expect(told[0]!.dl).to.include({ code: 'MAX_DELIVERIES', deliveries: 3, source: 'bus-test-capped' });
    expect(told[0]!.body, 'the decoded body, for the ids of the email').to.deep.equal(event);
    await consumer.stop(1_000);
  });

  it('keeps redelivering a waiting message without a cap when maxDeliver is -1', async () => {
    let deliveries = 0;
    const consumer = await probeDurable(
      'waiting',
      { maxDeliver: -1, failuresBeforeDeadLetter: 2 },
      async (m) => {
        deliveries = m.info.deliveryCount;
        return deliveries < 40 ? nak(1) : ack;
      },
    );
    const event = probeEvent();
    await bus.jsPublishRaw('cs.dlq.waiting', JSON.stringify(event), { msgID: 'waiting-1' });
    await until(() => deliveries === 40, 15_000);
    await consumer.stop(1_000);
    const info = await (await bus.jsm()).consumers.info(Streams.deadLetter, 'bus-test-waiting');
    expect(info.num_ack_pending, 'acknowledged on the 40th delivery').to.equal(0);
  });

  it('reconnects after the NATS server is killed and work resumes', async () => {
    const local = nats.local!;
    let served = 0;
    bus.handle(contracts.control, { actorId: 'echo' }, (): ControlReply => {
      served++;
      return { type: 'control-reply', actorId: 'echo', status: 'running' };
    });
    await bus.request(contracts.control, { actorId: 'echo' }, { type: 'control', command: 'ping' }, 2_000);

    await local.kill(0);
    await until(() => !bus.connected);
    // A durable write issued during the outage is retried with its msgID until the server is back.
    const write = bus.jsPublishRaw('cs.dlq.outage', '{}', {
      msgID: 'outage-1',
      retryForMs: 20_000,
      timeoutMs: 500,
    });
    await local.restart(0);
    await until(() => bus.connected, 15_000);
    const ackd = await write;
    expect(ackd.stream).to.equal(Streams.deadLetter);

    const again = await bus.request(
      contracts.control,
      { actorId: 'echo' },
      { type: 'control', command: 'ping' },
      2_000,
    );
    expect(again.status).to.equal('running');
    expect(served).to.equal(2);
  });
});
