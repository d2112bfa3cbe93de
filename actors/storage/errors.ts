// Error catalogue of the acceptor's append-only log; plain classes, no I/O and no logging here.
import { declareErrorCodes, type CodedError } from '../../schemas/errors.ts';

/** Stable codes, so callers and tests match on `code` instead of message text. */
export const AppendLogErrorCode = {
  corrupt: 'LOG_CORRUPT',
  locked: 'LOG_LOCKED',
  closed: 'LOG_CLOSED',
  failed: 'LOG_FAILED',
  notSerializable: 'LOG_RECORD_NOT_SERIALIZABLE',
} as const;
export type AppendLogErrorCode = (typeof AppendLogErrorCode)[keyof typeof AppendLogErrorCode];
declareErrorCodes('AppendLogError', Object.values(AppendLogErrorCode));

/** Whether `error` is a Node system error with this errno code (ENOENT, EEXIST, ...). */
export function isErrnoCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

export class AppendLogError extends Error implements CodedError {
  override name = 'AppendLogError';
  readonly code: AppendLogErrorCode;
  /** A log that failed once is not trusted again in this process: the acceptor restarts and reopens it. */
  readonly retryable = false;
  constructor(code: AppendLogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A frame that was acknowledged as durable is unreadable, or a valid frame follows a broken one.
 * A torn write can only damage the last, unacknowledged frame, so this means the disk lied:
 * carrying on would let an acceptor forget a promise, so it is never repaired silently.
 */
export class LogCorruptError extends AppendLogError {
  override name = 'LogCorruptError';
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, reason: string, options?: { cause?: unknown }) {
    super(AppendLogErrorCode.corrupt, `append log ${file} is corrupt at byte ${offset}: ${reason}`, options);
    this.file = file;
    this.offset = offset;
  }
}

/** Another live process (or this one) already writes to the directory: two writers would interleave frames. */
export class LogLockedError extends AppendLogError {
  override name = 'LogLockedError';
  readonly dir: string;
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(
      AppendLogErrorCode.locked,
      `append log ${dir} is already open by live process ${pid}` +
        (pid === process.pid ? ' (this process)' : '') +
        '; stop it, or delete the LOCK file only if you are sure it is gone',
    );
    this.dir = dir;
    this.pid = pid;
  }
}

/** The log was closed (or is closing); nothing more can be made durable through it. */
export class LogClosedError extends AppendLogError {
  override name = 'LogClosedError';
  constructor(dir: string) {
    super(AppendLogErrorCode.closed, `append log ${dir} is closed`);
  }
}

/**
 * A write or fsync failed. After a failed fsync the kernel may have dropped the dirty pages
 * (the PostgreSQL "fsyncgate" lesson), so retrying could falsely report durability: the log
 * refuses all further work until it is reopened, which re-reads what really is on disk.
 */
export class LogFailedError extends AppendLogError {
  override name = 'LogFailedError';
  constructor(dir: string, cause: unknown) {
    super(AppendLogErrorCode.failed, `append log ${dir} failed an I/O operation and must be reopened`, {
      cause,
    });
  }
}

/** A record could not be turned into JSON (undefined, a function, a BigInt, a cycle). */
export class RecordNotSerializableError extends AppendLogError {
  override name = 'RecordNotSerializableError';
  readonly index: number;
  constructor(index: number, cause?: unknown) {
    super(AppendLogErrorCode.notSerializable, `record ${index} of the append is not JSON-serializable`, {
      cause,
    });
    this.index = index;
  }
}
