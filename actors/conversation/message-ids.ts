// Deterministic JetStream msgIDs for work and escalations: the same message at the same epoch is one stream message.
// Only ids; no I/O. Every processor and agent derives the same id for the same fact, so concurrent writers de-duplicate.
import { createHash } from 'node:crypto';

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40);
}

/**
 * The JetStream msgID of a work item: the same received message routed at the same epoch is one message (a
 * redelivered mail is de-duplicated by the server); a reassignment is a new epoch, so a new message.
 */
export function workMsgId(inboxId: string, messageId: string, epoch: number): string {
  return `work-${digest(inboxId, messageId)}-${epoch}`;
}

export function humanMsgId(inboxId: string, messageId: string): string {
  return `human-${digest(inboxId, messageId)}`;
}
