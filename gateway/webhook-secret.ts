// Finds the Svix webhook signing secret (env wins, else a 0600 file in the data folder, created once); must not log the secret.
import { randomBytes } from 'node:crypto';
import { WebhookSecretError } from './errors.ts';
import { loadOrCreateLocalSecret, type LocalSecret } from './local-secret.ts';
import { assertWebhookSecret, WEBHOOK_SECRET_PREFIX } from './webhook.ts';

export const WEBHOOK_SECRET_FILE = 'webhook-secret';

export type WebhookSecret = LocalSecret;

/** A fresh secret in Svix's format: 24 random bytes, as Svix's own, base64 so svix can decode it. */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(24).toString('base64');
}

/**
 * AGENTMAIL_WEBHOOK_SECRET (passed as envValue) wins: that is the secret AgentMail gave for the
 * registered webhook. Without it, a local secret is kept in `<dataDir>/webhook-secret` so a single
 * node's demo and tests sign and verify with the same key across restarts.
 */
export function loadOrCreateWebhookSecret(dataDir: string, envValue?: string): Promise<WebhookSecret> {
  return loadOrCreateLocalSecret(
    {
      dataDir,
      file: WEBHOOK_SECRET_FILE,
      label: 'webhook secret file',
      make: newWebhookSecret,
      check: assertWebhookSecret,
      fail: (message, cause) => new WebhookSecretError(message, { cause }),
    },
    { name: 'AGENTMAIL_WEBHOOK_SECRET', value: envValue },
  );
}
