// Single-writer lock for a log directory (a LOCK file naming the owner's pid); it must not touch the log files.
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { isErrnoCode, LogLockedError } from './errors.ts';

export interface DirLock {
  readonly path: string;
  /** Remove the LOCK file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export const LOCK_FILE_NAME = 'LOCK';

/*
 * Locks held by this process, by LOCK path. A pid alone cannot tell "this process opened the
 * directory twice" from "a previous incarnation with the same pid died" (a container restarts
 * its entrypoint as pid 1 every time): the first is refused, the second is a stale lock.
 */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only checks existence
    return true;
  } catch (error) {
    return isErrnoCode(error, 'EPERM'); // exists, owned by another user
  }
}

function ownerPid(content: string): number | undefined {
  try {
    const parsed = JSON.parse(content) as { pid?: unknown };
    return typeof parsed.pid === 'number' && Number.isSafeInteger(parsed.pid) && parsed.pid > 0
      ? parsed.pid
      : undefined;
  } catch {
    return undefined;
  }
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** Move a stale LOCK aside atomically, and put it back if it turned out not to be the one judged stale. */
async function removeStale(lockPath: string, staleContent: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT')) return; // someone else removed it already
    throw error;
  }
  const moved = await readOrUndefined(aside);
  if (moved !== staleContent) {
    // A competitor replaced the stale lock between our read and our rename: restore theirs.
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

/**
 * Take the directory's single-writer lock or throw LogLockedError naming the live owner.
 * The LOCK file is created by link(2) from a fully written temp file, so it never exists empty
 * while its owner lives; an unreadable LOCK can only be left by a crash and counts as stale.
 */
export async function acquireDirLock(dir: string): Promise<DirLock> {
  const lockPath = resolve(join(dir, LOCK_FILE_NAME));
  if (heldHere.has(lockPath)) throw new LogLockedError(dir, process.pid);
  heldHere.add(lockPath); // reserved synchronously, so two opens in one tick cannot both win
  const content = `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`;
  const temp = `${lockPath}.${process.pid}.tmp`;
  try {
    await writeFile(temp, content, { flush: true });
    try {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        try {
          await link(temp, lockPath);
          return makeLock(lockPath, content);
        } catch (error) {
          if (!isErrnoCode(error, 'EEXIST')) throw error;
        }
        const existing = await readOrUndefined(lockPath);
        if (existing === undefined) continue;
        const pid = ownerPid(existing);
        if (pid !== undefined && pid !== process.pid && isAlive(pid)) throw new LogLockedError(dir, pid);
        await removeStale(lockPath, existing);
      }
      throw new LogLockedError(dir, ownerPid((await readOrUndefined(lockPath)) ?? '') ?? 0);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  } catch (error) {
    heldHere.delete(lockPath);
    throw error;
  }
}

function makeLock(lockPath: string, content: string): DirLock {
  let released = false;
  return {
    path: lockPath,
    async release() {
      if (released) return;
      released = true;
      try {
        if ((await readOrUndefined(lockPath)) === content) await unlink(lockPath);
      } finally {
        heldHere.delete(lockPath);
      }
    },
  };
}
