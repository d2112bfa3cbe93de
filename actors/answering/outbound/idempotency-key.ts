// Idempotency-Key rules of AgentMail and a deterministic derivation; pure, no I/O.
import { createHash } from 'node:crypto';
import { InvalidIdempotencyKeyError } from './errors.ts';

// idempotency.mdx: 1–256 characters from A-Z a-z 0-9 - . _ ~ (an empty header is a 400).
const KEY_PATTERN = /^[A-Za-z0-9._~-]{1,256}$/;

export function isValidIdempotencyKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** Throws the error AgentMail's 400 would have produced, without spending a request on it. */
export function assertIdempotencyKey(key: string): void {
  if (!isValidIdempotencyKey(key)) {
    throw new InvalidIdempotencyKeyError('idempotency key must be 1-256 chars of A-Z a-z 0-9 - . _ ~');
  }
}

/**
 * The same received message always yields the same key, on every node and every redelivery, so a
 * reply is sent at most once per (inbox, message, purpose). `purpose` separates e.g. a reply from an
 * escalation acknowledgement; bump its version to deliberately send again.
 */
export function deriveIdempotencyKey(inboxId: string, messageId: string, purpose = 'reply-v1'): string {
  const digest = createHash('sha256').update(`${inboxId}\n${messageId}\n${purpose}`).digest('hex');
  return `${purpose.replace(/[^A-Za-z0-9._~-]/g, '_').slice(0, 64)}-${digest}`;
}
