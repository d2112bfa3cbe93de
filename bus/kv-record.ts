// Typed records in a JetStream KV bucket: schema-checked reads, and the one compare-and-set retry loop every writer uses.
// It knows no record's meaning; callers pass a pure `next(prev)` and this re-applies it on the latest revision until it wins.
import type { KV } from '@nats-io/kv';
import { check } from '../schemas/codec.ts';
import { createError } from '../schemas/errors.ts';

/** A stored record that fails its schema: someone wrote garbage; we refuse to build on it. */
export const CorruptRecordError = createError('CORRUPT_RECORD', 'CorruptRecordError', { retryable: false });
/** Compare-and-set kept losing: too many writers on one key. Retryable. */
export const ContentionError = createError('KV_CONTENTION', 'ContentionError', { retryable: true });

export interface Versioned<T> {
  value: T;
  revision: number;
}

/** Reads `key` and checks it against `schema`; a deleted or absent key is undefined. */
export async function readRecord<T>(kv: KV, key: string, schema: object): Promise<Versioned<T> | undefined> {
  const e = await kv.get(key);
  if (!e || e.operation !== 'PUT') return undefined;
  let json: unknown;
  try {
    json = e.json();
  } catch (err) {
    throw new CorruptRecordError(`${key}: not JSON: ${(err as Error).message}`);
  }
  const r = check<T>(schema, json);
  if (!r.ok) throw new CorruptRecordError(`${key}: ${r.failure.instancePath} ${r.failure.reason}`);
  return { value: r.value, revision: e.revision };
}

/** How one compare-and-set loop reads and writes its key; `write` resolves false when another writer won. */
export interface CasOps<T> {
  read(): Promise<Versioned<T> | undefined>;
  write(next: T, revision: number | undefined): Promise<boolean>;
}

/**
 * The compare-and-set loop: `next` sees the current value (or none) and returns the value to store, or undefined
 * to leave the key as it is. A lost race (or a failed write, which may be one) reads again and re-applies `next`,
 * with a short growing pause; after `tries` losses it throws ContentionError. Resolves to what is stored.
 */
export async function compareAndSet<T>(
  key: string,
  ops: CasOps<T>,
  next: (prev: T | undefined) => T | undefined,
  tries = 20,
): Promise<T | undefined> {
  for (let attempt = 0; attempt < tries; attempt++) {
    const cur = await ops.read();
    const value = next(cur?.value);
    if (value === undefined) return cur?.value;
    let won = false;
    try {
      won = await ops.write(value, cur?.revision);
    } catch {
      // A timeout or a wrong-revision error: what is stored now decides, so read again.
    }
    if (won) return value;
    await new Promise((res) => setTimeout(res, Math.min(5 * 2 ** attempt, 200)));
  }
  throw new ContentionError(`${key}: compare-and-set lost ${tries} times`);
}

/** compareAndSet on a schema-checked KV record; refuses to write a value that fails the schema. */
export function updateRecord<T>(
  kv: KV,
  key: string,
  schema: object,
  next: (prev: T | undefined) => T | undefined,
): Promise<T | undefined> {
  return compareAndSet<T>(
    key,
    {
      read: () => readRecord<T>(kv, key, schema),
      write: async (value, revision) => {
        if (revision === undefined) await kv.create(key, JSON.stringify(value));
        else await kv.update(key, JSON.stringify(value), revision);
        return true;
      },
    },
    (prev) => {
      const value = next(prev);
      if (value === undefined) return undefined;
      const r = check<T>(schema, value);
      if (!r.ok)
        throw new CorruptRecordError(
          `${key}: refusing to write: ${r.failure.instancePath} ${r.failure.reason}`,
        );
      return value;
    },
  );
}
