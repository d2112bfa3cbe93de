// How a process proves who it is to NATS (user/password, token, nkey, creds file) and its TLS files; must not log a secret.
import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';
import { createError } from '../schemas/errors.ts';

/** At most one way to authenticate, as nats-server accepts one per connection. */
export type NatsAuth =
  | { method: 'none' }
  | { method: 'user'; user: string; pass: string }
  | { method: 'token'; token: string }
  | { method: 'nkey'; seedFile: string }
  | { method: 'creds'; credsFile: string };

/** TLS from files (nats.js reads them); `enabled` alone means the system's CAs. */
export interface NatsTls {
  enabled: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface NatsSecurity {
  auth: NatsAuth;
  tls: NatsTls;
}

export const noNatsSecurity: NatsSecurity = { auth: { method: 'none' }, tls: { enabled: false } };

/** A credentials file that cannot be read: the process cannot connect as configured. */
export class NatsCredentialsError extends createError('NATS_CREDENTIALS', 'NatsCredentialsError', {
  retryable: false,
}) {}

function readSecretFile(variable: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new NatsCredentialsError(
      `${variable} must name a readable file (${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      { cause: e },
    );
  }
}

/** The nats.js connect options for these credentials; reads the nkey seed or creds file now, so a bad one fails at start. */
export function natsSecurityOptions(security: NatsSecurity): Partial<ConnectionOptions> {
  const { auth, tls } = security;
  const options: Partial<ConnectionOptions> = {};
  switch (auth.method) {
    case 'none':
      break;
    case 'user':
      options.user = auth.user;
      options.pass = auth.pass;
      break;
    case 'token':
      options.token = auth.token;
      break;
    case 'nkey': {
      const seed = new TextEncoder().encode(
        new TextDecoder().decode(readSecretFile('NATS_NKEY_SEED_FILE', auth.seedFile)).trim(),
      );
      options.authenticator = nkeyAuthenticator(seed);
      break;
    }
    case 'creds':
      options.authenticator = credsAuthenticator(readSecretFile('NATS_CREDS_FILE', auth.credsFile));
      break;
    default: {
      const never: never = auth;
      throw new Error(`unknown NATS auth ${JSON.stringify(never)}`);
    }
  }
  if (tls.enabled) {
    options.tls = {
      ...(tls.caFile ? { caFile: tls.caFile } : {}),
      ...(tls.certFile ? { certFile: tls.certFile } : {}),
      ...(tls.keyFile ? { keyFile: tls.keyFile } : {}),
    };
  }
  return options;
}
