// Finds the Svix webhook signing secret (env wins, else a 0600 file in the data folder, created once); must not log the secret.
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WebhookSecretError } from './errors.ts';
import { assertWebhookSecret, WEBHOOK_SECRET_PREFIX } from './webhook.ts';

export const WEBHOOK_SECRET_FILE = 'webhook-secret';

export interface WebhookSecret {
  secret: string;
  /** The file the secret came from or was written to; undefined when it came from the environment. */
  path: string | undefined;
  created: boolean;
}

/** A fresh secret in Svix's format: 24 random bytes, as Svix's own, base64 so svix can decode it. */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(24).toString('base64');
}

/**
 * AGENTMAIL_WEBHOOK_SECRET (passed as envValue) wins: that is the secret AgentMail gave for the
 * registered webhook. Without it, a local secret is kept in `<dataDir>/webhook-secret` so a single
 * node's demo and tests sign and verify with the same key across restarts.
 */
export async function loadOrCreateWebhookSecret(dataDir: string, envValue?: string): Promise<WebhookSecret> {
  if (envValue !== undefined && envValue !== '') {
    assertWebhookSecret(envValue.trim(), 'AGENTMAIL_WEBHOOK_SECRET');
    return { secret: envValue.trim(), path: undefined, created: false };
  }
  const path = join(dataDir, WEBHOOK_SECRET_FILE);
  let existing: string | undefined;
  try {
    existing = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new WebhookSecretError(`cannot read webhook secret file ${path}`, { cause: err });
    }
  }
  if (existing !== undefined) {
    assertWebhookSecret(existing, `webhook secret file ${path}`);
    return { secret: existing, path, created: false };
  }
  const secret = newWebhookSecret();
  // Written to a private temp file, then hard-linked into place: link() fails if the name exists,
  // so a concurrent first start never sees a half-written file and both end up with one secret.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dataDir, { recursive: true });
    await writeFile(temp, secret + '\n', { mode: 0o600, flag: 'wx' });
    await chmod(temp, 0o600); // the umask may have narrowed the create mode
    await link(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateWebhookSecret(dataDir);
    throw new WebhookSecretError(`cannot write webhook secret file ${path}`, { cause: err });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return { secret, path, created: true };
}
