// Unit tests for rate-limit: the sliding window, per-sender isolation, purity and pruning.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  EMPTY_RATE_LIMIT_STATE,
  RateLimitOptionsError,
  pruneRateLimit,
  rateLimit,
} from '../../../../actors/processing/email/rate-limit.ts';
import type { RateLimitState } from '../../../../actors/processing/email/rate-limit.ts';

function run(times: number[], opts = { max: 3, windowMs: 1000 }, sender = 'a@x.com'): boolean[] {
  let state: RateLimitState = EMPTY_RATE_LIMIT_STATE;
  return times.map((now) => {
    const r = rateLimit(state, sender, now, opts);
    state = r.state;
    return r.allowed;
  });
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
    const a = rateLimit(EMPTY_RATE_LIMIT_STATE, 'A@x.com', 0, opts);
    expect(rateLimit(a.state, 'b@x.com', 1, opts).allowed).to.equal(true);
    expect(rateLimit(a.state, 'a@X.com', 1, opts).allowed).to.equal(false);
  });

  it('never mutates the state it is given', () => {
    const state = Object.freeze({ 'a@x.com': Object.freeze([0]) });
    const r = rateLimit(state, 'a@x.com', 5, { max: 5, windowMs: 1000 });
    expect(state).to.deep.equal({ 'a@x.com': [0] });
    expect(r.state['a@x.com']).to.deep.equal([0, 5]);
  });

  it('blocks everything with max 0 and rejects invalid options', () => {
    expect(run([0, 1], { max: 0, windowMs: 1000 })).to.deep.equal([false, false]);
    expect(() => rateLimit({}, 'a', 0, { max: -1, windowMs: 1 })).to.throw(RateLimitOptionsError);
    expect(() => rateLimit({}, 'a', 0, { max: 1, windowMs: 0 })).to.throw(RateLimitOptionsError);
  });

  it('prunes senders with nothing left in the window', () => {
    const state = { 'old@x.com': [0], 'new@x.com': [0, 900] };
    expect(pruneRateLimit(state, 1000, 1000)).to.deep.equal({ 'new@x.com': [900] });
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
