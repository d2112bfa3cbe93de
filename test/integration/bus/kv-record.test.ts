// KV records against a real nats-server: compare-and-set from the last revision seen, a stale copy caught by the
// server's revision check, and a "leave it" decision confirmed on a fresh read.
import { expect } from 'chai';
import type { KV } from '@nats-io/kv';
import { Bus } from '../../../bus/bus.ts';
import { compareAndSet, RecordBucket, type Versioned } from '../../../bus/kv-record.ts';
import { Buckets, provision } from '../../../bus/provision.ts';
import { createLogger } from '../../../telemetry/logger.ts';
import { testNats, type TestNats } from '../../support/nats.ts';

const logger = createLogger('error', { test: 'kv-record' });
const schema = {
  type: 'object',
  required: ['n'],
  properties: { n: { type: 'integer' } },
  additionalProperties: false,
} as const;
type Rec = { n: number };

/** Counts reads and writes of a RecordBucket's KV, by wrapping the handle it is given. */
function counting(kv: KV): { kv: KV; reads: () => number } {
  let reads = 0;
  const wrapped = new Proxy(kv, {
    get(target, prop, receiver) {
      if (prop === 'get')
        return (...a: Parameters<KV['get']>) => {
          reads++;
          return target.get(...a);
        };
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { kv: wrapped, reads: () => reads };
}

describe('kv-record', function () {
  this.timeout(60_000);
  let nats: TestNats;
  let bus: Bus;
  let kv: KV;
  let n = 0;
  const key = () => `t.k${n++}`;

  before(async () => {
    nats = await testNats();
    bus = await Bus.connect({ servers: nats.servers, name: 'kv-record-test', logger });
    await provision(bus, 1, logger);
    kv = await bus.kvm.open(Buckets.conversations);
  });
  after(async () => {
    await bus.drain();
    await nats.stop();
  });

  it('updates right after a read, and again after its own write, without reading again', async () => {
    const c = counting(kv);
    const records = new RecordBucket<Rec>(c.kv, schema);
    const k = key();
    expect(await records.get(k)).to.equal(undefined);
    await records.update(k, () => ({ n: 1 }));
    await records.update(k, (prev) => ({ n: (prev?.n ?? 0) + 1 }));
    expect(c.reads()).to.equal(1);
    expect((await records.get(k))?.value).to.deep.equal({ n: 2 });
  });

  it('re-reads and re-applies when another writer moved the key since it was seen', async () => {
    const records = new RecordBucket<Rec>(kv, schema);
    const k = key();
    await records.update(k, () => ({ n: 1 }));
    const other = new RecordBucket<Rec>(kv, schema);
    await other.update(k, (prev) => ({ n: (prev?.n ?? 0) + 10 }));
    const stored = await records.update(k, (prev) => ({ n: (prev?.n ?? 0) + 1 }));
    expect(stored).to.deep.equal({ n: 12 });
    expect((await other.get(k))?.value).to.deep.equal({ n: 12 });
  });

  it('confirms a "leave it" decision on a fresh read, never on the copy it remembered', async () => {
    const records = new RecordBucket<Rec>(kv, schema);
    const k = key();
    await records.update(k, () => ({ n: 1 }));
    await new RecordBucket<Rec>(kv, schema).update(k, () => ({ n: 5 }));
    // On the remembered copy (n 1) this says "leave it"; on the stored value (n 5) it writes.
    const stored = await records.update(k, (prev) => (prev?.n === 1 ? undefined : { n: 6 }));
    expect(stored).to.deep.equal({ n: 6 });
  });

  it('compareAndSet writes against a known revision first and reads only after that write lost', async () => {
    let reads = 0;
    const writes: (number | undefined)[] = [];
    let stored: Versioned<Rec> = { value: { n: 3 }, revision: 7 };
    const stale: Versioned<Rec> = { value: { n: 1 }, revision: 5 };
    const result = await compareAndSet<Rec>(
      'x',
      {
        read: () => {
          reads++;
          return Promise.resolve(stored);
        },
        write: (value, revision) => {
          writes.push(revision);
          if (revision !== stored.revision) return Promise.reject(new Error('wrong last sequence'));
          stored = { value, revision: revision + 1 };
          return Promise.resolve(true);
        },
      },
      (prev) => ({ n: (prev?.n ?? 0) + 1 }),
      20,
      stale,
    );
    expect(result).to.deep.equal({ n: 4 });
    expect(writes).to.deep.equal([5, 7]);
    expect(reads).to.equal(1);
  });
});
