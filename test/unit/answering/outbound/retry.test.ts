// Unit tests for the retry policy: Retry-After parsing, jittered backoff bounds and the loop, in simulated time.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  BadRequestError,
  NetworkError,
  RateLimitedError,
  SendAbortedError,
  ServerError,
} from '../../../../actors/answering/outbound/errors.ts';
import type { SendError } from '../../../../actors/answering/outbound/errors.ts';
import {
  backoffDelay,
  decideRetry,
  defaultRetryPolicy,
  parseRetryAfter,
  realRetryEnv,
  withRetries,
} from '../../../../actors/answering/outbound/retry.ts';
import type { RetryEnv, RetryPolicy } from '../../../../actors/answering/outbound/retry.ts';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000, maxTotalMs: 60_000 };

/** Simulated clock: sleeping advances time and is recorded. */
function simEnv(random = () => 0.5): RetryEnv & { sleeps: number[]; t: number } {
  const env = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => env.t,
    random,
    sleep: async (ms: number) => {
      env.sleeps.push(ms);
      env.t += ms;
    },
  };
  return env;
}

describe('retry', () => {
  describe('parseRetryAfter', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');

    it('reads delta-seconds as milliseconds', () => {
      expect(parseRetryAfter('1', now)).to.equal(1_000);
      expect(parseRetryAfter(' 120 ', now)).to.equal(120_000);
      expect(parseRetryAfter('0', now)).to.equal(0);
    });

    it('reads an HTTP-date as the time left until it', () => {
      expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).to.equal(5_000);
    });

    it('treats an HTTP-date in the past as no wait', () => {
      expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).to.equal(0);
    });

    it('ignores absent, negative and unreadable values', () => {
      for (const v of [undefined, null, '', '-1', 'soon', '1 2'])
        expect(parseRetryAfter(v, now), String(v)).to.equal(undefined);
    });
  });

  describe('backoffDelay', () => {
    it('stays within [0, min(maxDelay, base * 2^(attempt-1))) for any attempt and random draw', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 60 }),
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
          (n, r) => {
            const d = backoffDelay(n, policy, () => r);
            const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
            return d >= 0 && d < ceiling;
          },
        ),
      );
    });

    it('doubles its ceiling per attempt until the cap', () => {
      const top = () => 0.999999;
      expect(backoffDelay(1, policy, top)).to.equal(99);
      expect(backoffDelay(2, policy, top)).to.equal(199);
      expect(backoffDelay(3, policy, top)).to.equal(399);
      expect(backoffDelay(20, policy, top)).to.equal(9_999);
    });
  });

  describe('decideRetry', () => {
    const base = { attempt: 1, elapsedMs: 0, policy, random: () => 0.5 };

    it('never waits less than Retry-After, whatever the jitter draws', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 10_000 }),
          fc.integer({ min: 1, max: 4 }),
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
          (ra, n, r) => {
            const error = new RateLimitedError('429', { status: 429, retryAfterMs: ra });
            const d = decideRetry({ ...base, error, attempt: n, random: () => r });
            return d.retry && d.delayMs >= ra;
          },
        ),
      );
    });

    it('stops when Retry-After exceeds the longest wait it allows', () => {
      const error = new RateLimitedError('429', { status: 429, retryAfterMs: 10_001 });
      expect(decideRetry({ ...base, error })).to.deep.equal({ retry: false, reason: 'retry-after-too-long' });
    });

    it('does not retry permanent errors, aborts, or things that are not SendErrors', () => {
      for (const error of [
        new BadRequestError('400', { status: 400 }),
        new SendAbortedError('a'),
        new Error('bug'),
      ]) {
        expect(decideRetry({ ...base, error })).to.deep.equal({ retry: false, reason: 'not-retryable' });
      }
    });

    it('stops after maxAttempts', () => {
      const error = new ServerError('500', { status: 500 });
      expect(decideRetry({ ...base, error, attempt: 4 }).retry).to.equal(true);
      expect(decideRetry({ ...base, error, attempt: 5 })).to.deep.equal({
        retry: false,
        reason: 'attempts-exhausted',
      });
    });

    it('stops when the wait would end past the total time budget', () => {
      const error = new RateLimitedError('429', { status: 429, retryAfterMs: 5_000 });
      expect(decideRetry({ ...base, error, elapsedMs: 55_000 }).retry).to.equal(true);
      expect(decideRetry({ ...base, error, elapsedMs: 55_001 })).to.deep.equal({
        retry: false,
        reason: 'time-exhausted',
      });
    });
  });

  describe('withRetries', () => {
    it('returns the value and the attempt count after transient failures', async () => {
      const env = simEnv();
      let calls = 0;
      const out = await withRetries(
        async () => {
          calls++;
          if (calls < 3) throw new NetworkError('down');
          return 'ok';
        },
        { policy, env },
      );
      expect(out).to.deep.equal({ value: 'ok', attempts: 3 });
      expect(env.sleeps).to.deep.equal([50, 100]); // random 0.5 of ceilings 100 and 200
    });

    it('sleeps for Retry-After when the server asks for longer than the backoff', async () => {
      const env = simEnv();
      let calls = 0;
      await withRetries(
        async () => {
          if (calls++ === 0) throw new RateLimitedError('429', { status: 429, retryAfterMs: 2_000 });
          return 1;
        },
        { policy, env },
      );
      expect(env.sleeps).to.deep.equal([2_000]);
    });

    it('rethrows the last error with the number of attempts made', async () => {
      const env = simEnv();
      let thrown: unknown;
      try {
        await withRetries(async () => Promise.reject(new ServerError('500', { status: 500 })), {
          policy,
          env,
        });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).to.be.instanceOf(ServerError);
      expect((thrown as SendError).attempts).to.equal(5);
      expect(env.sleeps).to.have.length(4);
    });

    it('reports each retry to its observer', async () => {
      const env = simEnv();
      const seen: number[] = [];
      let calls = 0;
      await withRetries(
        async () => {
          if (calls++ < 2) throw new ServerError('503', { status: 503 });
          return 1;
        },
        { policy, env, onRetry: ({ attempt }) => seen.push(attempt) },
      );
      expect(seen).to.deep.equal([1, 2]);
    });

    it('stops waiting as soon as its signal aborts', async () => {
      const ctl = new AbortController();
      const p = withRetries(async () => Promise.reject(new ServerError('500', { status: 500 })), {
        policy: { ...defaultRetryPolicy, baseDelayMs: 60_000, maxDelayMs: 60_000 },
        env: { ...realRetryEnv, random: () => 0.99 },
        signal: ctl.signal,
      });
      setImmediate(() => ctl.abort());
      let thrown: unknown;
      try {
        await p;
      } catch (err) {
        thrown = err;
      }
      expect(thrown).to.be.instanceOf(SendAbortedError);
      expect((thrown as SendError).attempts).to.equal(1);
    });
  });
});
