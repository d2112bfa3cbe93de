// Work held by a dead consumer comes back within the held-message ack wait, not after the handler's whole budget;
// a live handler that takes longer than that keeps its message (consumeDurable tells the server it is working).
import { expect } from 'chai';
import type { JsMsg } from '@nats-io/jetstream';
import { Bus } from '../../../bus/bus.ts';
import { contracts } from '../../../bus/contracts.ts';
import { ack, consumeDurable, heldAckWaitMs, type Outcome } from '../../../bus/consume.ts';
import { provision, Streams } from '../../../bus/provision.ts';
import type { ActorEvent } from '../../../schemas/bus.ts';
import { createLogger } from '../../../telemetry/logger.ts';
import { testNats, type TestNats } from '../../support/nats.ts';

const logger = createLogger('error', { test: 'held-work' });
const event = (id: string): ActorEvent => ({
  type: 'event',
  event: 'actor.started',
  kind: 'processor',
  actorId: id,
  nodeId: 'n',
  at: new Date().toISOString(),
});

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('held work', function () {
  this.timeout(60_000);
  let nats: TestNats;
  let owner: Bus;
  let spare: Bus;

  before(async () => {
    nats = await testNats({ own: true });
    owner = await Bus.connect({ servers: nats.servers, name: 'held-owner', logger });
    spare = await Bus.connect({ servers: nats.servers, name: 'held-spare', logger });
    await provision(owner, 1, logger);
  });
  after(async () => {
    await spare?.drain();
    await nats?.stop();
  });

  const spec = (durable: string, subject: string) => ({
    stream: Streams.deadLetter,
    durable,
    filterSubject: subject,
    // A budget as long as an agent's (90 s): a dead holder used to keep its message that long.
    ackWaitMs: 90_000,
    maxDeliver: 5,
  });
  const ctx = (bus: Bus, id: string) => ({ bus, actorId: id, logger, reportInvalid: () => undefined });

  it('redelivers the message of a consumer whose connection died to another one within the held ack wait', async () => {
    const seenBy: string[] = [];
    const never = new Promise<Outcome>(() => undefined);
    await consumeDurable(
      ctx(owner, 'owner'),
      spec('held-a', 'cs.dlq.held-a'),
      contracts.events,
      async () => {
        seenBy.push('owner');
        return never;
      },
      { concurrency: 1 },
    );
    await owner.jsPublishRaw('cs.dlq.held-a', JSON.stringify(event('a')), { msgID: 'held-a-1' });
    await until(() => seenBy.includes('owner'), 10_000, 'the owner got the message');
    // The owner dies: its connection goes without a word, its handler never settles.
    await owner.nc.close();
    const died = Date.now();
    const spareConsumer = await consumeDurable(
      ctx(spare, 'spare'),
      spec('held-a', 'cs.dlq.held-a'),
      contracts.events,
      async () => {
        seenBy.push('spare');
        return ack;
      },
      { concurrency: 1 },
    );
    await until(() => seenBy.includes('spare'), heldAckWaitMs + 6_000, 'the spare got the held message');
    expect(Date.now() - died).to.be.below(heldAckWaitMs + 6_000);
    await spareConsumer.stop(1_000);
  });

  it('keeps the message of a live handler that works longer than the held ack wait', async () => {
    const deliveries: number[] = [];
    const consumer = await consumeDurable(
      ctx(spare, 'slow'),
      spec('held-b', 'cs.dlq.held-b'),
      contracts.events,
      async (_b: ActorEvent, m: JsMsg) => {
        deliveries.push(m.info.deliveryCount);
        await new Promise((r) => setTimeout(r, heldAckWaitMs * 2));
        return ack;
      },
      { concurrency: 1 },
    );
    await spare.jsPublishRaw('cs.dlq.held-b', JSON.stringify(event('b')), { msgID: 'held-b-1' });
    const jsm = await spare.jsm();
    await until(() => deliveries.length === 1, 10_000, 'the slow handler got the message');
    // Settled once, by the one delivery: the server never gave it out again while the handler worked.
    for (;;) {
      const info = await jsm.consumers.info(Streams.deadLetter, 'held-b');
      if (info.num_ack_pending === 0 && info.delivered.consumer_seq >= 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(deliveries).to.deep.equal([1]);
    await consumer.stop(1_000);
  });
});
