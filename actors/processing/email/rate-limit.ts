// Per-sender sliding-window rate limiter over a state the adapter holds and updates in place; it supplies the time. No I/O.
import { createError } from '../../../schemas/errors.ts';

/**
 * Times (ms) of recently allowed mails per lower-cased sender, at most `max` each (only the last `max` can decide),
 * senders in the order of their last allowed mail. Updated in place, so a step costs O(max), not O(senders).
 */
export type RateLimitState = Map<string, number[]>;

export interface RateLimitOptions {
  /** Allowed mails per sender within the window; 0 blocks everything. */
  max: number;
  windowMs: number;
}

export class RateLimitOptionsError extends createError('EMAIL_BAD_RATE_LIMIT', 'RateLimitOptionsError', {
  retryable: false,
}) {}

export function emptyRateLimitState(): RateLimitState {
  return new Map();
}

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
 * block. Updates `state` in place; true when the mail is allowed.
 */
export function rateLimit(
  state: RateLimitState,
  sender: string,
  now: number,
  opts: RateLimitOptions,
): boolean {
  check(opts);
  const key = sender.trim().toLowerCase();
  const times = state.get(key) ?? [];
  let expired = 0;
  while (expired < times.length && now - times[expired]! >= opts.windowMs) expired++;
  const recent = expired > 0 ? times.slice(expired) : times;
  const allowed = recent.length < opts.max;
  if (allowed) {
    recent.push(now);
    // Re-inserted: the map stays in the order of each sender's last allowed mail, which pruning relies on.
    state.delete(key);
    state.set(key, recent);
  } else if (recent.length === 0) state.delete(key);
  else state.set(key, recent);
  return allowed;
}

/**
 * Drops senders with no mail inside the window, oldest first, stopping at the first that still has one: O(dropped),
 * so the state stays as small as the active senders without a scan per mail.
 */
export function pruneRateLimit(state: RateLimitState, now: number, windowMs: number): void {
  for (const [sender, times] of state) {
    const last = times.at(-1);
    if (last !== undefined && now - last < windowMs) break;
    state.delete(sender);
  }
}
