// Signs a webhook body exactly as AgentMail (Svix) does, with svix's own signer: for the demo, the bench and tests, never the gateway.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'svix';
import { newWebhookSecret } from '../gateway/webhook-secret.ts';

export interface SignedWebhook {
  /** Send these bytes unchanged: the signature covers the exact body. */
  body: string;
  headers: {
    'content-type': string;
    'svix-id': string;
    'svix-timestamp': string;
    'svix-signature': string;
  };
}

export interface SignOptions {
  /** Defaults to a fresh `msg_…` id. Reuse one to imitate a Svix retry of the same delivery. */
  msgId?: string;
  /** Signing time; defaults to now. Move it >5 minutes away to test the replay window. */
  date?: Date;
}

/** A valid test secret in Svix's format, made as the gateway makes its own. */
export const randomWebhookSecret = newWebhookSecret;

/** Signs `payload` (an object is JSON-stringified; a string is sent as is) with `secret`. */
export function signWebhook(secret: string, payload: unknown, options: SignOptions = {}): SignedWebhook {
  const msgId = options.msgId ?? `msg_${randomBytes(12).toString('hex')}`;
  const date = options.date ?? new Date();
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'svix-id': msgId,
      'svix-timestamp': String(Math.floor(date.getTime() / 1000)),
      'svix-signature': new Webhook(secret).sign(msgId, date, body),
    },
  };
}
