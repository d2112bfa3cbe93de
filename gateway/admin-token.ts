// Finds the bearer token for /status, the status page and admin endpoints (ADMIN_TOKEN, else a 0600 file made once).
import { randomBytes } from 'node:crypto';
import { AdminTokenError } from './errors.ts';
import { adminTokenPattern, adminTokenRule } from '../schemas/admin-token.ts';
import { loadOrCreateLocalSecret, type LocalSecret } from './local-secret.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** 32 random bytes, base64url: as hard to guess as the webhook secret, and safe in a header or a URL. */
function newAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

function checkAdminToken(value: string, where: string): void {
  if (!adminTokenPattern.test(value)) throw new AdminTokenError(`${where} must hold ${adminTokenRule}`);
}

/**
 * ADMIN_TOKEN wins (validated by config already); without it a newcomer's `npm start` still protects /status with
 * a token kept in `<dataDir>/admin-token`, which the log names (never the token itself).
 */
export function loadOrCreateAdminToken(dataDir: string, envValue: string | undefined): Promise<LocalSecret> {
  return loadOrCreateLocalSecret(
    {
      dataDir,
      file: ADMIN_TOKEN_FILE,
      label: 'admin token file',
      make: newAdminToken,
      check: checkAdminToken,
      fail: (message, cause) => new AdminTokenError(message, { cause }),
    },
    { name: 'ADMIN_TOKEN', value: envValue },
  );
}
