// Keeps a generated secret in a 0600 file of the data folder, created once even by concurrent starts; must not log it.
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalSecret {
  secret: string;
  /** The file the secret came from or was written to; undefined when it came from the environment. */
  path: string | undefined;
  created: boolean;
}

export interface LocalSecretSpec {
  dataDir: string;
  file: string;
  /** What the file is, for messages: `cannot read <label> <path>`. */
  label: string;
  /** A fresh secret, when the file does not exist yet. */
  make(): string;
  /** Throws (with `where`, the variable or `<label> <path>`, in its message) when a value is malformed. */
  check(value: string, where: string): void;
  /** The error to throw when the file cannot be read or written. */
  fail(message: string, cause: unknown): Error;
}

/**
 * The environment's value (already named by the caller) wins; else `<dataDir>/<file>`, made on the first start so a
 * single node's demo and tests keep one secret across restarts.
 */
export async function loadOrCreateLocalSecret(
  spec: LocalSecretSpec,
  env: { name: string; value: string | undefined },
): Promise<LocalSecret> {
  if (env.value !== undefined && env.value.trim() !== '') {
    spec.check(env.value.trim(), env.name);
    return { secret: env.value.trim(), path: undefined, created: false };
  }
  const path = join(spec.dataDir, spec.file);
  let existing: string | undefined;
  try {
    existing = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw spec.fail(`cannot read ${spec.label} ${path}`, err);
  }
  if (existing !== undefined) {
    spec.check(existing, `${spec.label} ${path}`);
    return { secret: existing, path, created: false };
  }
  const secret = spec.make();
  // Written to a private temp file, then hard-linked into place: link() fails if the name exists,
  // so a concurrent first start never sees a half-written file and both end up with one secret.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(spec.dataDir, { recursive: true });
    await writeFile(temp, secret + '\n', { mode: 0o600, flag: 'wx' });
    await chmod(temp, 0o600); // the umask may have narrowed the create mode
    await link(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return loadOrCreateLocalSecret(spec, { name: env.name, value: undefined });
    throw spec.fail(`cannot write ${spec.label} ${path}`, err);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return { secret, path, created: true };
}
