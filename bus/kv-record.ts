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
 *
 * `known` is what the caller last saw of the key (null: absent). The first try writes against it without a read;
 * if it was stale the write fails on its revision and the loop reads, at once. A "leave it" decision taken on
 * `known` is confirmed on a fresh read before it is returned, so a stale copy never stands in for the stored value.
 */
export async function compareAndSet<T>(
  key: string,
  ops: CasOps<T>,
  next: (prev: T | undefined) => T | undefined,
  tries = 20,
  known?: Versioned<T> | null,
): Promise<T | undefined> {
  let cached = known;
  for (let attempt = 0; attempt < tries; attempt++) {
    const fromCache = cached !== undefined;
    const cur = fromCache ? (cached ?? undefined) : await ops.read();
    cached = undefined;
    const value = next(cur?.value);
    if (value === undefined) {
      if (fromCache) continue;
      return cur?.value;
    }
    let won = false;
    try {
      won = await ops.write(value, cur?.revision);
    } catch {
      // A timeout or a wrong-revision error: what is stored now decides, so read again.
    }
    if (won) return value;
    if (!fromCache) await new Promise((res) => setTimeout(res, Math.min(5 * 2 ** attempt, 200)));
  }
  throw new ContentionError(`${key}: compare-and-set lost ${tries} times`);
}

/**
 * The schema-checked records of one bucket, remembering the last revision this process read or wrote of each
 * recently used key, so an update right after a read (or after our own write) costs one write, not a read and a
 * write. Reads always go to the server: only compare-and-set uses what is remembered, and the revision check at
 * the server refuses a stale copy.
 */
export class RecordBucket<T> {
  private readonly known = new Map<string, Versioned<T> | null>();

  constructor(
    readonly kv: KV,
    private readonly schema: object,
    private readonly remember = 10_000,
  ) {}

  async get(key: string): Promise<Versioned<T> | undefined> {
    const v = await readRecord<T>(this.kv, key, this.schema);
    this.note(key, v ?? null);
    return v;
  }

  /** compareAndSet on the record, from what was last seen of it; refuses to write a value that fails the schema. */
  async update(key: string, next: (prev: T | undefined) => T | undefined): Promise<T | undefined> {
    const known = this.known.get(key);
    this.known.delete(key);
    let written: Versioned<T> | undefined;
    const stored = await compareAndSet<T>(
      key,
      {
        read: () => readRecord<T>(this.kv, key, this.schema),
        write: async (value, revision) => {
          const body = JSON.stringify(value);
          const rev =
            revision === undefined
              ? await this.kv.create(key, body)
              : await this.kv.update(key, body, revision);
          written = { value, revision: rev };
          return true;
        },
      },
      (prev) => {
        const value = next(prev);
        if (value === undefined) return undefined;
        const r = check<T>(this.schema, value);
        if (!r.ok)
          throw new CorruptRecordError(
            `${key}: refusing to write: ${r.failure.instancePath} ${r.failure.reason}`,
          );
        return value;
      },
      20,
      known,
    );
    if (written !== undefined && written.value === stored) this.note(key, written);
    return stored;
  }

  private note(key: string, v: Versioned<T> | null): void {
    this.known.delete(key);
    this.known.set(key, v);
    if (this.known.size > this.remember) this.known.delete(this.known.keys().next().value!);
  }
}
