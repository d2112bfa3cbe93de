// The chaos load: signed message.received webhooks delivered the way AgentMail (Svix) delivers them, the same svix-id
// retried with backoff on a non-2xx answer or a connection error, each attempt to the next live gateway. Bounded in
// count and time; it only ever posts to 127.0.0.1.
import { messageReceivedEvent } from '../received-event.ts';
import { signWebhook } from '../sign-webhook.ts';
import type { FakeAgentMail } from '../fake-agentmail.ts';
import type { DeliveryAttempt } from './core/history.ts';

/** Questions the shipped knowledge base answers, one per email in turn (the chaos tests use them too). */
export const loadQuestions = [
  ['Password reset', 'I forgot my password and cannot log in. How do I reset it?'],
  ['Invoice copy', 'Where can I download the invoice for last month? Our accountant needs it.'],
  ['API errors', 'Our integration gets 429 errors from your API since this morning. What are the limits?'],
  ['Data export', 'How can I export all of our data before we migrate to a new workspace?'],
  ['Pricing', 'What does the Pro plan cost per month for a team of 12 people?'],
] as const;

export interface LoadMail {
  inboxId: string;
  threadId: string;
  messageId: string;
  from: string;
  subject: string;
  text: string;
}

/** Email `i` of run `tag`: its own thread and sender (one sender past SENDER_RATE_LIMIT would rightly be skipped). */
export function loadMail(tag: string, i: number): LoadMail {
  const [subject, text] = loadQuestions[i % loadQuestions.length]!;
  return {
    inboxId: 'support@acme.agentmail.to',
    threadId: `thd_${tag}_${i}`,
    messageId: `<${tag}-${i}@mail.example.com>`,
    from: `Customer ${i} <customer${i}.${tag}@example.com>`,
    subject,
    text,
  };
}

export interface DeliveryOptions {
  /** The gateways to try, read at each attempt (a dead node's gateway refuses the connection). */
  gateways: () => string[];
  secret: string;
  agentMail: FakeAgentMail;
  record: (a: DeliveryAttempt) => void;
  /** Give up after this long (AgentMail retries for days; a run is bounded). */
  deadlineMs: number;
}

/**
 * Delivers one email until a gateway answers 2xx or the deadline passes; resolves true when it was acknowledged.
 * The fake AgentMail holds the message first, as AgentMail has it before it calls us.
 */
export async function deliver(mail: LoadMail, index: number, o: DeliveryOptions): Promise<boolean> {
  o.agentMail.receive(mail);
  const svixId = `msg_${mail.messageId.replace(/[^A-Za-z0-9]/g, '')}`;
  const payload = messageReceivedEvent(mail);
  const deadline = Date.now() + o.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    const gws = o.gateways();
    const gateway = gws[(index + attempt - 1) % gws.length]!;
    // Svix signs every attempt afresh (new timestamp), under the same message id.
    const signed = signWebhook(o.secret, payload, { msgId: svixId });
    let status = 0;
    try {
      const res = await fetch(`${gateway}/webhook/agentmail`, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
        signal: AbortSignal.timeout(15_000),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    o.record({
      kind: 'delivery',
      t: Date.now(),
      svixId,
      messageId: mail.messageId,
      threadId: mail.threadId,
      gateway,
      attempt,
      status,
    });
    if (status >= 200 && status < 300) return true;
    const wait = Math.min(250 * 2 ** (attempt - 1), 4_000);
    if (Date.now() + wait > deadline) return false;
    await new Promise((r) => setTimeout(r, wait));
  }
}
