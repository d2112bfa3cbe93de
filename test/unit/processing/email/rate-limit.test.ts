// Unit tests for rate-limit: the sliding window, per-sender isolation, bounded state and pruning.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  emptyRateLimitState,
  RateLimitOptionsError,
  pruneRateLimit,
  rateLimit,
} from '../../../../actors/processing/email/rate-limit.ts';
import type { RateLimitState } from '../../../../actors/processing/email/rate-limit.ts';

function run(times: number[], opts = { max: 3, windowMs: 1000 }, sender = 'a@x.com'): boolean[] {
  const state: RateLimitState = emptyRateLimitState();
  return times.map((now) => rateLimit(state, sender, now, opts));
}

describe('rate-limit', () => {
  it('allows max mails inside the window and refuses the next', () => {
    expect(run([0, 10, 20, 30])).to.deep.equal([true, true, true, false]);
  });

  it('slides: a mail becomes allowed once the oldest leaves the window', () => {
    // 999 is still inside the window of the mail at 0; 1000 is not.
    expect(run([0, 500, 600, 999, 1000])).to.deep.equal([true, true, true, false, true]);
  });

  it('does not record refused mails, so a flood does not extend its own block', () => {
    expect(run([0, 1, 2, 3, 4, 5, 1000, 1001, 1002])).to.deep.equal([
      true,
      true,
      true,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('counts senders separately and case-insensitively', () => {
    const opts = { max: 1, windowMs: 1000 };
    const state = emptyRateLimitState();
    rateLimit(state, 'A@x.com', 0, opts);
    expect(rateLimit(state, 'b@x.com', 1, opts)).to.equal(true);
    expect(rateLimit(state, 'a@X.com', 1, opts)).to.equal(false);
  });

  it('records only allowed mails, so a sender holds at most max times however long the flood', () => {
    const state = emptyRateLimitState();
    for (let now = 0; now < 1_000; now++) rateLimit(state, 'a@x.com', now, { max: 3, windowMs: 3 });
    expect(state.get('a@x.com')).to.deep.equal([997, 998, 999]);
    rateLimit(state, 'b@x.com', 0, { max: 3, windowMs: 10_000 });
    for (let now = 1; now < 100; now++) rateLimit(state, 'b@x.com', now, { max: 3, windowMs: 10_000 });
    expect(state.get('b@x.com')).to.deep.equal([0, 1, 2]);
  });

  it('blocks everything with max 0 and rejects invalid options', () => {
    expect(run([0, 1], { max: 0, windowMs: 1000 })).to.deep.equal([false, false]);
    expect(() => rateLimit(emptyRateLimitState(), 'a', 0, { max: -1, windowMs: 1 })).to.throw(
      RateLimitOptionsError,
    );
    expect(() => rateLimit(emptyRateLimitState(), 'a', 0, { max: 1, windowMs: 0 })).to.throw(
      RateLimitOptionsError,
    );
  });

  it('prunes senders with nothing left in the window, oldest first, and stops at the first still active', () => {
    const opts = { max: 5, windowMs: 1000 };
    const state = emptyRateLimitState();
    rateLimit(state, 'old@x.com', 0, opts);
    rateLimit(state, 'new@x.com', 0, opts);
    rateLimit(state, 'new@x.com', 900, opts);
    rateLimit(state, 'newer@x.com', 950, opts);
    pruneRateLimit(state, 1000, 1000);
    expect([...state.keys()]).to.deep.equal(['new@x.com', 'newer@x.com']);
    pruneRateLimit(state, 1950, 1000);
    expect([...state.keys()]).to.deep.equal([]);
  });

  it('never allows more than max in any window (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 3000 }),
        (raw, max, windowMs) => {
          const times = [...raw].sort((a, b) => a - b);
          const allowed = run(times, { max, windowMs });
          const accepted = times.filter((_, i) => allowed[i]);
          for (const t of accepted) {
            expect(accepted.filter((u) => u <= t && t - u < windowMs).length).to.be.at.most(max);
          }
        },
      ),
    );
  });
});
