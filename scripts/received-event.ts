// Builds a realistic AgentMail message.received webhook payload, for the demo and the end-to-end tests; it must not sign, send or validate.
// It lives under scripts/ (not test/) because `npm run demo` ships it and scripts must never import from test/; tests may import it.
import { randomBytes } from 'node:crypto';
import type { MessageReceivedEventWire } from '../schemas/agentmail.ts';

/** The facts of one inbound email; everything else in the payload follows from them. */
export interface ReceivedMail {
  inboxId: string;
  threadId: string;
  messageId: string;
  from: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
  /** Defaults to a fresh `evt_…` id: AgentMail gives every event its own. */
  eventId?: string;
}

/**
 * The payload AgentMail posts when `mail` arrives as the first message of its thread, shaped as its docs and
 * SDK show it (message and thread both present, labels received+unread). Typed by the gateway's own schema,
 * so a payload the gateway would refuse does not compile.
 */
export function messageReceivedEvent(mail: ReceivedMail, at: Date = new Date()): MessageReceivedEventWire {
  const t = at.toISOString();
  return {
    type: 'event',
    event_type: 'message.received',
    event_id: mail.eventId ?? `evt_${randomBytes(6).toString('hex')}`,
    message: {
      inbox_id: mail.inboxId,
      thread_id: mail.threadId,
      message_id: mail.messageId,
      labels: ['received', 'unread'],
      timestamp: t,
      from: mail.from,
      to: [mail.inboxId],
      subject: mail.subject,
      text: mail.text,
      extracted_text: mail.text,
      headers: mail.headers ?? {},
      size: mail.text.length,
      updated_at: t,
      created_at: t,
    },
    thread: {
      inbox_id: mail.inboxId,
      thread_id: mail.threadId,
      labels: ['received', 'unread'],
      timestamp: t,
      senders: [mail.from],
      recipients: [mail.inboxId],
      subject: mail.subject,
      last_message_id: mail.messageId,
      message_count: 1,
      size: mail.text.length,
      updated_at: t,
      created_at: t,
    },
  };
}
