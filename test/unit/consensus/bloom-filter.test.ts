// The acceptors' Bloom filter: a key once added is always found (compaction safety rests on it); misses are rare.
import { expect } from 'chai';
import fc from 'fast-check';
import { BloomFilter } from '../../../actors/consensus/bloom-filter.ts';

describe('bloom-filter', () => {
  it('never forgets a key it was given', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { maxLength: 200 }), (keys) => {
        const f = new BloomFilter(1 << 12, 7);
        for (const k of keys) f.add(k);
        return keys.every((k) => f.has(k));
      }),
    );
  });

  it('answers "maybe" for few keys it was not given (under 2% at 10k keys in 1 Mbit)', () => {
    const f = new BloomFilter(1 << 20, 7);
    for (let i = 0; i < 10_000; i++) f.add(`conv/thd_${i}/0`);
    let falsePositives = 0;
    for (let i = 0; i < 10_000; i++) if (f.has(`conv/other_${i}/0`)) falsePositives++;
    expect(falsePositives).to.be.below(200);
    expect(f.added).to.equal(10_000);
  });

  it('refuses a size that is not a power of two', () => {
    expect(() => new BloomFilter(1000, 3)).to.throw(/power of two/);
  });
});
