// JetStream publishes and KV put-if-absent through JsPublisher against a real nats-server: acks, de-duplication,
// typed refusals, the real KV format, timeouts, close, and no pending entry left behind.
import { expect } from 'chai';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { Bus, BusUnavailableError } from '../../../bus/bus.ts';
import {
  JsApiError,
  JsErrCode,
  JsHeader,
  JsPublisher,
  JsPublishError,
  JsPublishFailure,
} from '../../../bus/js-publisher.ts';
import { createLogger } from '../../../telemetry/logger.ts';
import { Buckets, provision, Streams } from '../../../bus/provision.ts';
import { testNats, type TestNats } from '../../support/nats.ts';

const logger = createLogger('error', { test: 'js-publisher' });

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

async function until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('js-publisher', function () {
  this.timeout(60_000);
  let nats: TestNats;
  let bus: Bus;
  let kv: KV;

  before(async () => {
    nats = await testNats({ own: true });
    bus = await Bus.connect({ servers: nats.servers, name: 'js-publisher-test', logger });
    await provision(bus, 1, logger);
    kv = await bus.kvm.open(Buckets.assignments);
  });
  after(async () => {
    await bus.drain();
    await nats.stop();
  });

  it('stores a publish once and acknowledges it with its stream and sequence', async () => {
    const ack = await bus.jsPublisher.publish('cs.dlq.once', '{"n":1}', {
      msgID: 'once-1',
      timeoutMs: 2_000,
    });
    expect(ack.stream).to.equal(Streams.deadLetter);
    expect(ack.seq).to.be.a('number').greaterThan(0);
    expect(ack.duplicate).to.equal(false);
    const jsm = await bus.jsm();
    const stored = await jsm.streams.getMessage(Streams.deadLetter, { seq: ack.seq });
    expect(stored?.subject).to.equal('cs.dlq.once');
    expect(stored?.string()).to.equal('{"n":1}');
    expect(stored?.header.get(JsHeader.msgId)).to.equal('once-1');
  });

  it('acknowledges a retry with the same msgID as a duplicate of the first, without storing it again', async () => {
    const first = await bus.jsPublisher.publish('cs.dlq.dup', 'a', { msgID: 'dup-1', timeoutMs: 2_000 });
    const again = await bus.jsPublisher.publish('cs.dlq.dup', 'a', { msgID: 'dup-1', timeoutMs: 2_000 });
    expect(again).to.deep.equal({ stream: Streams.deadLetter, seq: first.seq, duplicate: true });
    // Through the bus too: its retry keeps the msgID.
    const viaBus = await bus.jsPublishRaw('cs.dlq.dup', 'a', { msgID: 'dup-1' });
    expect(viaBus).to.include({ seq: first.seq, duplicate: true });
    const jsm = await bus.jsm();
    const last = await jsm.streams.getMessage(Streams.deadLetter, { last_by_subj: 'cs.dlq.dup' });
    expect(last?.seq).to.equal(first.seq);
  });

  it('fails fast with "no responders" when no stream takes the subject', async () => {
    const started = Date.now();
    const e = await rejection(bus.jsPublisher.publish('cs.nowhere.x', 'x', { timeoutMs: 5_000 }));
    expect(Date.now() - started, 'no waiting for the timeout').to.be.lessThan(1_000);
    expect(e).to.be.instanceOf(JsPublishError);
    expect(e).to.include({ code: JsPublishFailure.noResponders, retryable: true, definite: true });
    expect(e.message).to.match(/no responders.*cs\.nowhere\.x/);

    // The bus retries it (a stream may be electing a leader) and then says it is unavailable.
    const viaBus = await rejection(bus.jsPublishRaw('cs.nowhere.y', 'y', { msgID: 'nr-1', retryForMs: 200 }));
    expect(viaBus).to.be.instanceOf(BusUnavailableError);
    expect(viaBus.cause).to.be.instanceOf(JsPublishError);
    expect(viaBus.message).to.match(/no responders/);
  });

  it('rejects an expected-last-sequence violation with the typed API error', async () => {
    const first = await bus.jsPublisher.publish('cs.dlq.expect', '1', {
      expectLastSubjectSequence: 0,
      timeoutMs: 2_000,
    });
    const e = await rejection(
      bus.jsPublisher.publish('cs.dlq.expect', '2', { expectLastSubjectSequence: 0, timeoutMs: 2_000 }),
    );
    expect(e).to.be.instanceOf(JsApiError);
    expect(e).to.include({ code: 'JS_API', status: 400, errCode: JsErrCode.wrongLastSequence });
    expect(e.message).to.match(/wrong last sequence: \d+/);
    // The right expectation is accepted.
    const second = await bus.jsPublisher.publish('cs.dlq.expect', '2', {
      expectLastSubjectSequence: first.seq,
      timeoutMs: 2_000,
    });
    expect(second.seq).to.be.greaterThan(first.seq);
  });

  it('creates a KV key once (true, then false) in the format nats.js kv.get reads', async () => {
    expect(await bus.kvCreate(Buckets.assignments, 'test.create', '{"v":1}')).to.equal(true);
    expect(await bus.kvCreate(Buckets.assignments, 'test.create', '{"v":2}')).to.equal(false);
    const e = await kv.get('test.create');
    expect(e?.operation).to.equal('PUT');
    expect(e?.string()).to.equal('{"v":1}');
    expect(e?.revision).to.be.greaterThan(0);
    // nats.js agrees the key exists.
    const err = await rejection(kv.create('test.create', 'x'));
    expect(err.message).to.match(/wrong last sequence/);
  });

  it('counts a deleted key as existing (documented: unlike kv.create, it does not write over a delete marker)', async () => {
    await kv.put('test.deleted', 'old');
    await kv.delete('test.deleted');
    expect(await bus.kvCreate(Buckets.assignments, 'test.deleted', 'new')).to.equal(false);
    expect((await kv.get('test.deleted'))?.operation).to.equal('DEL');
    // nats.js kv.create would take it: that is the difference the doc comment on Bus.kvCreate states.
    await kv.create('test.deleted', 'new');
    expect((await kv.get('test.deleted'))?.string()).to.equal('new');
  });

  it('refuses a KV key that is not a valid key before sending anything', async () => {
    for (const key of ['a b', 'a.*', '>', '.a', 'a.', 'a..b']) {
      const e = await rejection(bus.kvCreate(Buckets.assignments, key, 'x'));
      expect(e.message, key).to.match(/invalid KV key/);
    }
  });

  it('resolves 5,000 concurrent publishes and leaves nothing pending', async () => {
    const n = 5_000;
    const acks = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        i % 2 === 0
          ? bus.jsPublisher.publish(`cs.dlq.many`, String(i), { msgID: `many-${i}`, timeoutMs: 10_000 })
          : bus.jsPublishRaw(`cs.dlq.many`, String(i), { msgID: `many-${i}`, coalesce: i % 4 === 1 }),
      ),
    );
    expect(new Set(acks.map((a) => a.seq)).size, 'one stored message each').to.equal(n);
    expect(acks.every((a) => a.stream === Streams.deadLetter && !a.duplicate)).to.equal(true);
    expect(bus.jsPublisher.inFlight).to.equal(0);
  });

  it('uses the connection inbox prefix for its replies', async () => {
    const nc = await connect({ servers: nats.servers, inboxPrefix: 'cs_replies' });
    try {
      const replies: string[] = [];
      nc.subscribe('cs.dlq.prefixed', { callback: (_e, m) => void replies.push(m.reply ?? '') });
      const publisher = new JsPublisher(nc);
      const ack = await publisher.publish('cs.dlq.prefixed', 'p', { timeoutMs: 2_000 });
      expect(ack.stream).to.equal(Streams.deadLetter);
      await until(() => replies.length === 1);
      expect(replies[0]).to.match(/^cs_replies\.[^.]+\.\d+$/);
    } finally {
      await nc.close();
    }
  });

  it('rejects every pending publish when its connection closes, and refuses new ones', async () => {
    const nc: NatsConnection = await connect({ servers: nats.servers });
    // A core subscriber that never answers: the publishes stay pending until the close.
    nc.subscribe('cs.silent.>', { callback: () => undefined });
    const publisher = new JsPublisher(nc);
    const pending = [1, 2, 3].map((i) =>
      rejection(publisher.publish(`cs.silent.${i}`, 'x', { timeoutMs: 30_000 })),
    );
    await nc.flush();
    expect(publisher.inFlight).to.equal(3);
    const started = Date.now();
    await nc.close();
    const errors = await Promise.all(pending);
    expect(Date.now() - started).to.be.lessThan(1_000);
    for (const e of errors) {
      expect(e).to.be.instanceOf(JsPublishError);
      expect(e).to.include({ code: JsPublishFailure.closed, definite: false });
      expect(e.message).to.match(/connection closed/);
    }
    expect(publisher.inFlight).to.equal(0);
    const late = await rejection(publisher.publish('cs.dlq.late', 'x', { timeoutMs: 1_000 }));
    expect(late).to.include({ code: JsPublishFailure.closed });
  });

  it('times out with a clear message while the server is down, and works again once it is back', async () => {
    const local = nats.local!;
    await local.kill(0);
    await until(() => !bus.connected);
    const started = Date.now();
    const e = await rejection(
      bus.jsPublisher.publish('cs.dlq.down', 'x', { msgID: 'down-1', timeoutMs: 300 }),
    );
    const waited = Date.now() - started;
    expect(e).to.be.instanceOf(JsPublishError);
    expect(e).to.include({ code: JsPublishFailure.timeout, retryable: true, definite: false });
    expect(e.message).to.equal('JetStream did not acknowledge cs.dlq.down within 300 ms');
    expect(waited, 'the coarse timer fires within its period').to.be.within(290, 1_000);
    const kvErr = await rejection(bus.kvCreate(Buckets.assignments, 'test.down', 'x', { timeoutMs: 300 }));
    expect(kvErr).to.be.instanceOf(BusUnavailableError);
    expect(kvErr.message).to.match(/within 300 ms/);
    expect(bus.jsPublisher.inFlight).to.equal(0);

    await local.restart(0);
    await until(() => bus.connected);
    // The msgID makes the retry safe even if the buffered first attempt reached the server on reconnect.
    const ack = await bus.jsPublishRaw('cs.dlq.down', 'x', { msgID: 'down-1', retryForMs: 15_000 });
    expect(ack.stream).to.equal(Streams.deadLetter);
  });
});
