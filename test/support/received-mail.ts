// Test helper: fresh inbound mails and their delivery as AgentMail would (seed the fake, post the signed webhook); must not be imported by production code.
import { randomBytes } from 'node:crypto';
import { messageReceivedEvent, type ReceivedMail } from '../../scripts/received-event.ts';
import type { FakeAgentMail } from './fake-agentmail.ts';
import { signWebhook } from '../../scripts/sign-webhook.ts';

/** The inbox a suite uses unless a test needs one of its own. */
export const testInbox = 'support@acme.agentmail.to';
/** The sender of a test mail that does not name one. */
export const testSender = 'Jane Doe <jane@example.com>';

/** A test mail: what AgentMail would report, with the sender optional. */
export type Mail = Omit<ReceivedMail, 'from' | 'eventId'> & { from?: string };

let counter = 0;
/** Unique across tests and earlier runs against the same NATS; `label` names the test, so a log line points at it. */
function uniqueTag(label: string): string {
  counter += 1;
  return `${label}-${counter}-${randomBytes(4).toString('hex')}`;
}
const idsOf = (tag: string) => ({ threadId: `thd_${tag}`, messageId: `<${tag}@mail.example.com>` });

/** A thread id and a message id no other test has used. */
export function mailIds(label: string): { threadId: string; messageId: string } {
  return idsOf(uniqueTag(label));
}

/**
 * A new mail in a new thread, to `testInbox`; with `ownInbox`, to an inbox of its own, so per-inbox records
 * (the HUMAN stream's subject, for one) count this mail alone.
 */
export function newMail(
  label: string,
  subject: string,
  text: string,
  opts: { ownInbox?: boolean } = {},
): Mail {
  const tag = uniqueTag(label);
  const inboxId = opts.ownInbox ? `${tag}@acme.agentmail.to` : testInbox;
  return { inboxId, ...idsOf(tag), subject, text };
}

/** Where a mail goes: the fake AgentMail that must hold it, and the node gateway that is told about it. */
export interface DeliveryTarget {
  agentMail: FakeAgentMail;
  gatewayUrl: string;
  /** The node's AGENTMAIL_WEBHOOK_SECRET. */
  secret: string;
}

/**
 * Seeds the fake with the email (AgentMail has it before it calls us) and posts the signed webhook; answers the
 * gateway's status. Pass the same `svixId` twice to imitate a Svix retry of one delivery.
 */
export async function deliverMail(to: DeliveryTarget, mail: Mail, svixId?: string): Promise<number> {
  const from = mail.from ?? testSender;
  to.agentMail.receive({
    inboxId: mail.inboxId,
    messageId: mail.messageId,
    threadId: mail.threadId,
    from,
    subject: mail.subject,
    text: mail.text,
  });
  const signed = signWebhook(
    to.secret,
    messageReceivedEvent({ ...mail, from }),
    svixId ? { msgId: svixId } : {},
  );
  const res = await fetch(`${to.gatewayUrl}/webhook/agentmail`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  return res.status;
}
