// Retry policy for AgentMail calls: Retry-After parsing, jittered backoff and a bounded loop; no HTTP here.
//
// The decision (`decideRetry`) is pure; the loop (`withRetries`) gets its clock, sleep and randomness
// injected so unit tests run without real time. The request itself must be idempotent (same
// Idempotency-Key on every attempt) — this module only decides *when* to try again.
import { SendAbortedError, SendError } from './errors.ts';

export interface RetryPolicy {
  /** Attempts in total, including the first. */
  maxAttempts: number;
  /** First backoff ceiling; doubles per attempt (full jitter below it). */
  baseDelayMs: number;
  /** Ceiling of one wait. A Retry-After above it ends the loop instead of being shortened. */
  maxDelayMs: number;
  /** No wait may end later than this after the first attempt started. */
  maxTotalMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxTotalMs: 120_000,
};

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.
 * Returns milliseconds to wait (>= 0), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  // Integer per the RFC; a decimal is accepted because some proxies send one, never negative.
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  // Only an actual date: Date.parse would also accept things like "1 2" as a date.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Full-jitter exponential backoff: uniform in [0, min(maxDelay, base * 2^(attempt-1))). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  | {
      retry: false;
      reason: 'not-retryable' | 'attempts-exhausted' | 'retry-after-too-long' | 'time-exhausted';
    };

/**
 * Decides what to do after attempt number `attempt` (1-based) failed with `error`.
 * A server's Retry-After is a floor: we never come back sooner; if the floor is beyond our
 * bounds we stop and leave the retry to the caller (e.g. a JetStream nak with that delay).
 */
export function decideRetry(input: {
  error: unknown;
  attempt: number;
  elapsedMs: number;
  policy: RetryPolicy;
  random: () => number;
}): RetryDecision {
  const { error, attempt, elapsedMs, policy, random } = input;
  if (!(error instanceof SendError) || !error.retryable || error instanceof SendAbortedError) {
    return { retry: false, reason: 'not-retryable' };
  }
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts-exhausted' };
  const floor = error.retryAfterMs;
  if (floor !== undefined && floor > policy.maxDelayMs)
    return { retry: false, reason: 'retry-after-too-long' };
  const delayMs = Math.max(floor ?? 0, backoffDelay(attempt, policy, random));
  if (elapsedMs + delayMs > policy.maxTotalMs) return { retry: false, reason: 'time-exhausted' };
  return { retry: true, delayMs };
}

export interface RetryEnv {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

/** Real time. The sleep rejects with SendAbortedError as soon as the signal fires. */
export const realRetryEnv: RetryEnv = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new SendAbortedError('aborted while waiting to retry', { cause: signal.reason }));
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new SendAbortedError('aborted while waiting to retry', { cause: signal?.reason }));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface RetryObserver {
  onRetry?: (info: { attempt: number; delayMs: number; error: SendError }) => void;
}

/**
 * Runs `attempt(n)` until it succeeds, fails permanently, or the policy's bounds are reached.
 * Returns the value and the number of attempts; a final failure is rethrown with `attempts` set.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  opts: { policy: RetryPolicy; env?: RetryEnv; signal?: AbortSignal | undefined } & RetryObserver,
): Promise<{ value: T; attempts: number }> {
  const env = opts.env ?? realRetryEnv;
  const started = env.now();
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(n), attempts: n };
    } catch (error) {
      if (error instanceof SendError) error.attempts = n;
      const decision = decideRetry({
        error,
        attempt: n,
        elapsedMs: env.now() - started,
        policy: opts.policy,
        random: env.random,
      });
      if (!decision.retry) throw error;
      opts.onRetry?.({ attempt: n, delayMs: decision.delayMs, error: error as SendError });
      try {
        await env.sleep(decision.delayMs, opts.signal);
      } catch (abort) {
        if (abort instanceof SendError) abort.attempts = n;
        throw abort;
      }
    }
  }
}
