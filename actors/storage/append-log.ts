// Durable append-only record log: synced writes, group commit, torn-tail recovery, compaction; knows nothing of Paxos.
//
// Write path: one frame per group commit, written at the end of the live file with one positional write. The
// file is opened O_DSYNC, so that write returns only once the frame is durable: one threadpool round trip per
// group commit instead of two (write, then fdatasync). Where the platform has no O_DSYNC, the writer falls
// back to write + fdatasync. Whole files (initial creation, compaction) are written beside the live one,
// fully fsynced, renamed over it, and the directory is fsynced: O_DSYNC alone would not cover that.
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { acquireDirLock } from './dir-lock.ts';
import type { DirLock } from './dir-lock.ts';
import { isErrnoCode, LogClosedError, LogFailedError, RecordNotSerializableError } from './errors.ts';
import { decodeLog, encodeFrame, serializeRecord } from './frame.ts';

/**
 * O_DSYNC, where Node defines it for the platform (it does on Linux and macOS). A write(2) on a file opened
 * with it completes like write + fdatasync(2), with "synchronized I/O data integrity completion" (POSIX): the
 * data AND the metadata needed to read it back, i.e. the file size when the write extends the file. Linux
 * implements it as an fdatasync of the written range after each write (generic_write_sync). Every append
 * extends the file, so the new size is durable when the write returns, exactly as after fdatasync; that holds
 * for the first append to a freshly installed generation too, whose existence and header installGeneration
 * made durable (full fsync, rename, directory fsync) before any append. What O_DSYNC does not cover, and we
 * still sync explicitly: a new file's other metadata and its directory entry (installGeneration), and
 * ftruncate (torn-tail recovery).
 */
const O_DSYNC = fsConstants.O_DSYNC as number | undefined;

/** The open(2) flag that makes writes synced, when `dsync` asks for it and the platform has it. */
function dsyncFlag(dsync: boolean): number {
  return dsync && O_DSYNC !== undefined ? O_DSYNC : 0;
}

export interface AppendLogOptions {
  /**
   * Open the log O_DSYNC, so each frame's write is durable when it returns (default: when the platform has
   * O_DSYNC). False writes, then fdatasyncs: the fallback, selectable so that tests cover it where O_DSYNC
   * exists.
   */
  readonly dsync?: boolean;
}

/** The live log file. It is only ever replaced whole, by an atomic rename of a synced file. */
export const LOG_FILE_NAME = 'append-log.dat';
/** Where a new generation (initial creation or compaction) is written before the rename. */
export const NEXT_FILE_NAME = 'append-log.next';

/** What an acceptor adapter needs from its durable storage; lets it run against a fake in unit tests. */
export interface DurableLog {
  /** Resolves only once every record is written and synced (O_DSYNC, or fdatasync), after all earlier appends. */
  append(records: readonly unknown[]): Promise<void>;
  /** Replace the log by `snapshot`; later appends follow it. Resolves once the new file is durable. */
  compact(snapshot: readonly unknown[]): Promise<void>;
  /** Finish queued work, then release the file and the lock. Later calls reject with LogClosedError. */
  close(): Promise<void>;
  stats(): AppendLogStats;
}

export interface AppendLogStats {
  /** Bumped by every compaction; the header of the live file carries it. */
  readonly generation: number;
  /** Size of the live log file. */
  readonly bytesOnDisk: number;
  /** Records in the live file's snapshot (header frame). */
  readonly snapshotRecords: number;
  /** Records appended after the snapshot, including those replayed at open. */
  readonly recordsSinceCompaction: number;
  /** Since open: append calls acknowledged, records they carried, and synced frame writes (group commits). */
  readonly appends: number;
  readonly appendedRecords: number;
  readonly syncs: number;
  /** appendedRecords / syncs: how well group commit batches (0 before the first sync). */
  readonly averageBatchRecords: number;
  readonly compactions: number;
  /** Records waiting for the next group commit. */
  readonly pendingRecords: number;
}

/** What opening found on disk; the log reports instead of logging, so it needs no logger. */
export interface RecoveryInfo {
  /** True when the directory held no log and an empty one was created. */
  readonly created: boolean;
  readonly generation: number;
  readonly records: number;
  /** Bytes of a torn, never-acknowledged last frame that were cut off (0 after a clean stop). */
  readonly truncatedBytes: number;
  /** A leftover new-generation file from a crash during compaction, removed (the old file stays authoritative). */
  readonly removedIncompleteCompaction: boolean;
}

export interface OpenedAppendLog {
  readonly log: AppendLog;
  /** Every durable record, in append order: snapshot first, then later appends. */
  readonly records: unknown[];
  readonly recovered: RecoveryInfo;
}

type Waiter = { resolve: () => void; reject: (error: unknown) => void };
type Operation =
  | ({ kind: 'append'; jsons: readonly string[] } & Waiter)
  | ({ kind: 'compact'; jsons: readonly string[] } & Waiter);

async function writeFully(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset, position + offset);
    offset += bytesWritten;
  }
}

/** A rename, a link or a new file is durable only once its directory entry is synced too. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Write a complete generation file beside the live one and atomically put it in place.
 * Returns the handle of the installed file, positioned by the caller at the returned length,
 * opened O_DSYNC when `dsync` (appends to it are then durable when their write returns).
 * The file is synced before the rename and the directory after it, so at every instant the
 * live name points to a whole, durable file: the old generation or the new one.
 */
async function installGeneration(
  dir: string,
  generation: number,
  jsons: readonly string[],
  dsync: boolean,
): Promise<{ file: FileHandle; length: number }> {
  const header = encodeFrame(0, jsons, generation);
  const nextPath = join(dir, NEXT_FILE_NAME);
  const { O_RDWR, O_CREAT, O_TRUNC } = fsConstants;
  const file = await open(nextPath, O_RDWR | O_CREAT | O_TRUNC | dsyncFlag(dsync));
  try {
    await writeFully(file, header, 0);
    // Full sync even when the write was O_DSYNC: the file is new, its inode and metadata must be durable too
    // before a rename can make it the live log.
    await file.sync();
    await rename(nextPath, join(dir, LOG_FILE_NAME));
    await syncDirectory(dir);
    return { file, length: header.length };
  } catch (error) {
    await file.close().catch(() => undefined);
    throw error;
  }
}

/** Serialize every record, or name the first one that has no JSON form (undefined, BigInt, cycle). */
function serializeAll(records: readonly unknown[]): string[] | RecordNotSerializableError {
  const jsons: string[] = [];
  for (let index = 0; index < records.length; index += 1) {
    let json: string | undefined;
    try {
      json = serializeRecord(records[index]);
    } catch (cause) {
      return new RecordNotSerializableError(index, cause);
    }
    if (json === undefined) return new RecordNotSerializableError(index);
    jsons.push(json);
  }
  return jsons;
}

/**
 * Open (or create) the log in `dir`, take its single-writer lock, and read every durable record.
 * A torn last frame is cut off and reported in `recovered`; damage anywhere else throws
 * LogCorruptError, and another live writer throws LogLockedError.
 */
export async function openAppendLog(dir: string, options: AppendLogOptions = {}): Promise<OpenedAppendLog> {
  const dsync = (options.dsync ?? true) && O_DSYNC !== undefined;
  const firstCreated = await mkdir(dir, { recursive: true });
  if (firstCreated !== undefined) {
    // New directories are durable only once their parents' entries are synced; without this an
    // OS crash could drop the whole directory, and every promise in it, after we acknowledged.
    for (let at = resolve(dir); at !== dirname(resolve(firstCreated)); at = dirname(at)) {
      await syncDirectory(dirname(at));
    }
  }
  const lock = await acquireDirLock(dir);
  try {
    let removedIncompleteCompaction = false;
    try {
      await rm(join(dir, NEXT_FILE_NAME));
      removedIncompleteCompaction = true;
    } catch (error) {
      if (!isErrnoCode(error, 'ENOENT')) throw error;
    }

    const logPath = join(dir, LOG_FILE_NAME);
    let bytes: Buffer | undefined;
    try {
      bytes = await readFile(logPath);
    } catch (error) {
      if (!isErrnoCode(error, 'ENOENT')) throw error;
    }

    if (bytes === undefined) {
      const { file, length } = await installGeneration(dir, 0, [], dsync);
      const log = new AppendLog(dir, lock, file, dsync, {
        generation: 0,
        length,
        frames: 1,
        snapshot: 0,
        tail: 0,
      });
      const recovered = {
        created: true,
        generation: 0,
        records: 0,
        truncatedBytes: 0,
        removedIncompleteCompaction,
      };
      return { log, records: [], recovered };
    }

    const decoded = decodeLog(bytes, logPath);
    const file = await open(logPath, fsConstants.O_RDWR | dsyncFlag(dsync));
    try {
      if (decoded.tornBytes > 0) {
        // Cut the torn frame before appending, or the next frame would follow garbage and
        // the following open would (rightly) call the whole file corrupt. O_DSYNC covers
        // writes, not ftruncate: sync the new size explicitly.
        await file.truncate(decoded.validLength);
        await file.datasync();
      }
    } catch (error) {
      await file.close().catch(() => undefined);
      throw error;
    }
    const log = new AppendLog(dir, lock, file, dsync, {
      generation: decoded.generation,
      length: decoded.validLength,
      frames: decoded.frames,
      snapshot: decoded.snapshotRecords,
      tail: decoded.records.length - decoded.snapshotRecords,
    });
    const recovered = {
      created: false,
      generation: decoded.generation,
      records: decoded.records.length,
      truncatedBytes: decoded.tornBytes,
      removedIncompleteCompaction,
    };
    return { log, records: decoded.records, recovered };
  } catch (error) {
    await lock.release().catch(() => undefined);
    throw error;
  }
}

/**
 * The writer. One operation runs at a time; every append that arrives while a frame's synced write (O_DSYNC,
 * or write + fdatasync) is in flight joins the next frame (group commit), so throughput grows with
 * concurrency while each caller still waits for its own sync. A compaction is an operation in the same queue:
 * appends queued before it are flushed to the old file first, appends after it go to the new file, so replay
 * always equals snapshot + appends issued after compact().
 */
export class AppendLog implements DurableLog {
  readonly dir: string;
  private readonly lock: DirLock;
  private file: FileHandle;
  /** Whether `file` was opened O_DSYNC, so a write is durable when it returns and needs no fdatasync. */
  private readonly dsync: boolean;
  private generation: number;
  private length: number;
  private nextSeq: number;
  private snapshotRecords: number;
  private recordsSinceCompaction: number;
  private appends = 0;
  private appendedRecords = 0;
  private syncs = 0;
  private compactions = 0;
  private readonly queue: Operation[] = [];
  private draining: Promise<void> | undefined;
  private failure: LogFailedError | undefined;
  private closing: Promise<void> | undefined;

  /** Use openAppendLog; the constructor trusts that the file was just validated. */
  constructor(
    dir: string,
    lock: DirLock,
    file: FileHandle,
    dsync: boolean,
    at: { generation: number; length: number; frames: number; snapshot: number; tail: number },
  ) {
    this.dir = dir;
    this.lock = lock;
    this.file = file;
    this.dsync = dsync;
    this.generation = at.generation;
    this.length = at.length;
    this.nextSeq = at.frames;
    this.snapshotRecords = at.snapshot;
    this.recordsSinceCompaction = at.tail;
  }

  append(records: readonly unknown[]): Promise<void> {
    return this.enqueue('append', records);
  }

  compact(snapshot: readonly unknown[]): Promise<void> {
    return this.enqueue('compact', snapshot);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  stats(): AppendLogStats {
    let pendingRecords = 0;
    for (const op of this.queue) if (op.kind === 'append') pendingRecords += op.jsons.length;
    return {
      generation: this.generation,
      bytesOnDisk: this.length,
      snapshotRecords: this.snapshotRecords,
      recordsSinceCompaction: this.recordsSinceCompaction,
      appends: this.appends,
      appendedRecords: this.appendedRecords,
      syncs: this.syncs,
      averageBatchRecords: this.syncs === 0 ? 0 : this.appendedRecords / this.syncs,
      compactions: this.compactions,
      pendingRecords,
    };
  }

  private enqueue(kind: Operation['kind'], records: readonly unknown[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new LogClosedError(this.dir));
    const jsons = serializeAll(records);
    if (jsons instanceof RecordNotSerializableError) return Promise.reject(jsons);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind, jsons, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.draining) return;
    // Start on a microtask so appends issued in the same synchronous run share the first frame.
    this.draining = Promise.resolve()
      .then(() => this.drain())
      .catch((cause: unknown) => {
        // Only a bug gets here (I/O errors are settled per operation); fail closed, never hang callers.
        this.failure ??= new LogFailedError(this.dir, cause);
        for (const op of this.queue.splice(0)) op.reject(this.failure);
      })
      .finally(() => {
        this.draining = undefined;
        if (this.queue.length > 0) this.kick();
      });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.failure) {
        for (const op of this.queue.splice(0)) op.reject(this.failure);
        return;
      }
      const head = this.queue[0];
      if (head?.kind === 'compact') {
        this.queue.shift();
        await this.settle([head], () => this.runCompaction(head.jsons));
        continue;
      }
      let count = 0;
      while (this.queue[count]?.kind === 'append') count += 1;
      const batch = this.queue.splice(0, count);
      await this.settle(batch, () => this.writeBatch(batch));
    }
  }

  /** Run one I/O step for `ops`; on failure the log is poisoned (see LogFailedError for why). */
  private async settle(ops: readonly Operation[], step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (cause) {
      this.failure = new LogFailedError(this.dir, cause);
      for (const op of ops) op.reject(this.failure);
      return;
    }
    for (const op of ops) op.resolve();
  }

  private async writeBatch(batch: readonly Operation[]): Promise<void> {
    const jsons = batch.flatMap((op) => op.jsons);
    if (jsons.length > 0) {
      // An empty append still queues behind earlier ones, so it works as a durability barrier.
      const frame = encodeFrame(this.nextSeq, jsons);
      // With O_DSYNC the frame and the file's new size are durable when the write returns (see O_DSYNC).
      await writeFully(this.file, frame, this.length);
      if (!this.dsync) await this.file.datasync();
      this.length += frame.length;
      this.nextSeq += 1;
      this.syncs += 1;
      this.recordsSinceCompaction += jsons.length;
      this.appendedRecords += jsons.length;
    }
    this.appends += batch.length;
  }

  private async runCompaction(jsons: readonly string[]): Promise<void> {
    const { file, length } = await installGeneration(this.dir, this.generation + 1, jsons, this.dsync);
    const old = this.file;
    this.file = file;
    this.generation += 1;
    this.length = length;
    this.nextSeq = 1;
    this.snapshotRecords = jsons.length;
    this.recordsSinceCompaction = 0;
    this.compactions += 1;
    await old.close().catch(() => undefined); // its inode is already unlinked; nothing left to lose
  }

  private async shutdown(): Promise<void> {
    while (this.draining) await this.draining;
    try {
      await this.file.close();
    } finally {
      await this.lock.release();
    }
  }
}
