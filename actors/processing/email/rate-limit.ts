// Pure per-sender sliding-window rate limiter: state in, state out; the adapter holds the state and supplies the time.
import { createError } from '../../../schemas/errors.ts';

/** Timestamps (ms) of recently allowed mails, per lower-cased sender. Treat as immutable. */
export type RateLimitState = Readonly<Record<string, readonly number[]>>;

export interface RateLimitOptions {
  /** Allowed mails per sender within the window; 0 blocks everything. */
  max: number;
  windowMs: number;
}

export class RateLimitOptionsError extends createError('EMAIL_BAD_RATE_LIMIT', 'RateLimitOptionsError', {
  retryable: false,
}) {}

export const EMPTY_RATE_LIMIT_STATE: RateLimitState = Object.freeze({});

function check(opts: RateLimitOptions): void {
  if (!Number.isInteger(opts.max) || opts.max < 0) {
    throw new RateLimitOptionsError(`rate limit max must be a non-negative integer, got ${opts.max}`);
  }
  if (!Number.isFinite(opts.windowMs) || opts.windowMs <= 0) {
    throw new RateLimitOptionsError(`rate limit windowMs must be a positive number, got ${opts.windowMs}`);
  }
}

/**
 * Sliding window: a mail at `now` is allowed when fewer than `max` allowed mails from the sender fall in
 * (now - windowMs, now]. Only allowed mails are recorded, so a flood that is refused does not extend its own
 * block. Returns a new state; the input is never mutated.
 */
export function rateLimit(
  state: RateLimitState,
  sender: string,
  now: number,
  opts: RateLimitOptions,
): { state: RateLimitState; allowed: boolean } {
  check(opts);
  const key = sender.trim().toLowerCase();
  const recent = (state[key] ?? []).filter((t) => now - t < opts.windowMs);
  const allowed = recent.length < opts.max;
  const next = allowed ? [...recent, now] : recent;
  const out: Record<string, readonly number[]> = { ...state };
  if (next.length === 0) delete out[key];
  else out[key] = next;
  return { state: out, allowed };
}

/** Drops senders with no mail inside the window, so the state stays as small as the active senders. */
export function pruneRateLimit(state: RateLimitState, now: number, windowMs: number): RateLimitState {
  const out: Record<string, readonly number[]> = {};
  for (const [sender, times] of Object.entries(state)) {
    const recent = times.filter((t) => now - t < windowMs);
    if (recent.length > 0) out[sender] = recent;
  }
  return out;
}
