// Unit tests of the append log against real files in a temp directory: order, group commit, recovery, compaction, close.
import { expect } from 'chai';
import { constants as fsConstants } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_FILE_NAME, NEXT_FILE_NAME, openAppendLog } from '../../../actors/storage/append-log.ts';
import type { AppendLog, AppendLogOptions } from '../../../actors/storage/append-log.ts';
import {
  LogClosedError,
  LogCorruptError,
  LogFailedError,
  RecordNotSerializableError,
} from '../../../actors/storage/errors.ts';
import { rejection } from '../../support/rejection.ts';

/** Counts the fdatasync calls made on the log's current file from now on. */
function countDatasyncs(log: AppendLog): () => number {
  const file = log['file'];
  const datasync = file.datasync.bind(file);
  let calls = 0;
  file.datasync = () => {
    calls += 1;
    return datasync();
  };
  return () => calls;
}

/** The open(2) flags of the log's current file, from /proc (Linux only; undefined elsewhere). */
async function openFlags(log: AppendLog): Promise<number | undefined> {
  try {
    const info = await readFile(`/proc/self/fdinfo/${log['file'].fd}`, 'utf8');
    const octal = /^flags:\s*([0-7]+)$/m.exec(info)?.[1];
    return octal === undefined ? undefined : parseInt(octal, 8);
  } catch {
    return undefined;
  }
}

// Every behaviour holds on both write paths: O_DSYNC writes, and the write + fdatasync fallback for
// platforms without O_DSYNC.
const writePaths: { name: string; options: AppendLogOptions }[] = [
  ...(fsConstants.O_DSYNC === undefined ? [] : [{ name: 'O_DSYNC writes', options: { dsync: true } }]),
  { name: 'write + fdatasync', options: { dsync: false } },
];

for (const { name, options } of writePaths)
  describe(`append-log (${name})`, () => appendLogBehaviour(options));

function appendLogBehaviour(options: AppendLogOptions): void {
  let dir: string;
  const open: AppendLog[] = [];

  async function openLog() {
    const opened = await openAppendLog(dir, options);
    open.push(opened.log);
    return opened;
  }

  async function reopenRecords(at: string): Promise<unknown[]> {
    const { log, records } = await openAppendLog(at, options);
    await log.close();
    return records;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'append-log-'));
  });

  afterEach(async () => {
    for (const log of open.splice(0)) await log.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('creates an empty log in a new directory and reports it', async () => {
    const { records, recovered } = await openLog();
    expect(records).to.deep.equal([]);
    expect(recovered).to.include({ created: true, generation: 0, records: 0, truncatedBytes: 0 });
  });

  it('replays every appended record in append order after reopening', async () => {
    const { log } = await openLog();
    await log.append([{ n: 1 }, { n: 2 }]);
    await log.append([{ n: 3 }]);
    await log.append(['four', 5, null, [6]]);
    await log.close();
    const { records, recovered } = await openLog();
    expect(records).to.deep.equal([{ n: 1 }, { n: 2 }, { n: 3 }, 'four', 5, null, [6]]);
    expect(recovered).to.include({ created: false, records: 7, truncatedBytes: 0 });
  });

  it('has written the record to the file by the time append resolves', async () => {
    const { log } = await openLog();
    await log.append([{ promise: 'b7' }]);
    const bytes = await readFile(join(dir, LOG_FILE_NAME), 'utf8');
    expect(bytes).to.contain('{"promise":"b7"}');
    expect(log.stats().bytesOnDisk).to.equal(Buffer.byteLength(bytes));
  });

  it('group-commits concurrent appends into fewer syncs, keeping the order they were issued in', async () => {
    const { log } = await openLog();
    const count = 200;
    await Promise.all(Array.from({ length: count }, (_, i) => log.append([i])));
    const stats = log.stats();
    expect(stats.appends).to.equal(count);
    expect(stats.appendedRecords).to.equal(count);
    expect(stats.syncs).to.be.lessThan(count);
    expect(stats.averageBatchRecords).to.be.greaterThan(1);
    await log.close();
    expect(await reopenRecords(dir)).to.deep.equal(Array.from({ length: count }, (_, i) => i));
  });

  it('batches appends that arrive while a sync is in flight into the next frame', async () => {
    const { log } = await openLog();
    const first = log.append(['first']);
    await Promise.resolve(); // let the first frame start on its own
    await Promise.resolve();
    const rest = Array.from({ length: 50 }, (_, i) => log.append([i]));
    await Promise.all([first, ...rest]);
    expect(log.stats().syncs).to.be.at.most(2);
  });

  it('rejects an append whose record has no JSON form without harming its neighbours', async () => {
    const { log } = await openLog();
    const good1 = log.append(['a']);
    const bad = log.append(['x', undefined]);
    const worse = log.append([10n]);
    const good2 = log.append(['b']);
    const error = await rejection(bad);
    expect(error).to.be.instanceOf(RecordNotSerializableError).with.property('index', 1);
    expect(await rejection(worse))
      .to.be.instanceOf(RecordNotSerializableError)
      .with.property('code', 'LOG_RECORD_NOT_SERIALIZABLE');
    await Promise.all([good1, good2]);
    await log.close();
    expect(await reopenRecords(dir)).to.deep.equal(['a', 'b']);
  });

  it('treats an empty append as a barrier that resolves after earlier appends, without a sync of its own', async () => {
    const { log } = await openLog();
    const order: string[] = [];
    const a = log.append(['a']).then(() => order.push('a'));
    const barrier = log.append([]).then(() => order.push('barrier'));
    await Promise.all([a, barrier]);
    expect(order).to.deep.equal(['a', 'barrier']);
    expect(log.stats().syncs).to.equal(1);
  });

  it('cuts off a torn, unterminated last frame, reports it, and keeps appending cleanly', async () => {
    const { log } = await openLog();
    await log.append([1, 2]);
    await log.append([3]);
    await log.close();
    const path = join(dir, LOG_FILE_NAME);
    const cleanSize = (await stat(path)).size;
    await appendFile(path, '1a2b3c4d {"s":3,"r":[4,5'); // a frame the crash interrupted
    const reopened = await openLog();
    expect(reopened.records).to.deep.equal([1, 2, 3]);
    expect(reopened.recovered.truncatedBytes).to.equal(24);
    expect((await stat(path)).size).to.equal(cleanSize);
    await reopened.log.append([4]);
    await reopened.log.close();
    expect(await reopenRecords(dir)).to.deep.equal([1, 2, 3, 4]);
  });

  it('cuts off a last line of zeros, as a crash leaves when the size reached disk before the data', async () => {
    const { log } = await openLog();
    await log.append(['kept']);
    await log.close();
    await appendFile(join(dir, LOG_FILE_NAME), Buffer.concat([Buffer.alloc(100), Buffer.from('\n')]));
    const { records, recovered } = await openLog();
    expect(records).to.deep.equal(['kept']);
    expect(recovered.truncatedBytes).to.equal(101);
  });

  it('refuses to open a log whose middle is corrupt, with a LogCorruptError naming the offset', async () => {
    const { log } = await openLog();
    await log.append([{ ballot: 1 }]);
    await log.append([{ ballot: 2 }]);
    await log.append([{ ballot: 3 }]);
    await log.close();
    const path = join(dir, LOG_FILE_NAME);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('{"ballot":2}', '{"ballot":9}'));
    const error = await rejection(openAppendLog(dir, options));
    expect(error).to.be.instanceOf(LogCorruptError);
    const damagedFrameStart = text.lastIndexOf('\n', text.indexOf('{"ballot":2}')) + 1;
    expect(error).to.include({ code: 'LOG_CORRUPT', name: 'LogCorruptError', offset: damagedFrameStart });
    // The failed open must not leave the directory locked.
    expect(await rejection(openAppendLog(dir, options))).to.be.instanceOf(LogCorruptError);
  });

  it('replays the snapshot plus later appends after compaction, and counts it', async () => {
    const { log } = await openLog();
    await log.append([{ i: 1 }, { i: 2 }]);
    await log.append([{ i: 3 }]);
    const before = log.stats().bytesOnDisk;
    await log.compact([{ snapshot: 3 }]);
    await log.append([{ i: 4 }]);
    const stats = log.stats();
    expect(stats).to.include({
      generation: 1,
      compactions: 1,
      snapshotRecords: 1,
      recordsSinceCompaction: 1,
    });
    expect(stats.bytesOnDisk).to.be.lessThan(before);
    expect(stats.bytesOnDisk).to.equal((await stat(join(dir, LOG_FILE_NAME))).size);
    await log.close();
    const reopened = await openLog();
    expect(reopened.records).to.deep.equal([{ snapshot: 3 }, { i: 4 }]);
    expect(reopened.recovered.generation).to.equal(1);
    expect(reopened.log.stats()).to.include({ snapshotRecords: 1, recordsSinceCompaction: 1 });
  });

  it('loses no append issued around a compaction: earlier ones are flushed, later ones follow the snapshot', async () => {
    const { log } = await openLog();
    const early = [log.append(['e1']), log.append(['e2'])];
    const compaction = log.compact(['S']);
    const late = [log.append(['l1']), log.append(['l2'])];
    await Promise.all([...early, compaction, ...late]);
    await log.close();
    expect(await reopenRecords(dir)).to.deep.equal(['S', 'l1', 'l2']);
  });

  it('ignores the new-generation file of a compaction that crashed before its rename', async () => {
    const { log } = await openLog();
    await log.append(['old']);
    await log.close();
    await writeFile(join(dir, NEXT_FILE_NAME), 'half a snap');
    const { records, recovered } = await openLog();
    expect(records).to.deep.equal(['old']);
    expect(recovered.removedIncompleteCompaction).to.equal(true);
  });

  it('flushes queued appends on close, then rejects appends and compactions with LogClosedError', async () => {
    const { log } = await openLog();
    const pending = log.append(['queued']);
    const closed = log.close();
    await pending;
    await closed;
    await log.close(); // idempotent
    expect(await rejection(log.append(['late'])))
      .to.be.instanceOf(LogClosedError)
      .with.property('code', 'LOG_CLOSED');
    expect(await rejection(log.compact([]))).to.be.instanceOf(LogClosedError);
    expect(await reopenRecords(dir)).to.deep.equal(['queued']);
  });

  it('creates missing parent directories', async () => {
    const nested = join(dir, 'a', 'b');
    const { log, recovered } = await openAppendLog(nested, options);
    open.push(log);
    expect(recovered.created).to.equal(true);
    await log.append(['x']);
    await log.close();
    expect(await reopenRecords(nested)).to.deep.equal(['x']);
  });

  it('refuses all further work with LogFailedError once a write fails, since a retried fsync could lie', async () => {
    const { log } = await openLog();
    await log.append(['before']);
    await log['file'].close(); // make the next write fail underneath the log
    const failed = await rejection(log.append(['lost']));
    expect(failed).to.be.instanceOf(LogFailedError).with.property('code', 'LOG_FAILED');
    expect((failed as Error).cause).to.have.property('code', 'EBADF');
    expect(await rejection(log.append(['after']))).to.equal(failed);
    expect(await rejection(log.compact([]))).to.equal(failed);
    await log.close().catch(() => undefined);
    expect(await reopenRecords(dir)).to.deep.equal(['before']);
  });

  it('has an appended record on disk for a fresh open while its writer still holds the file, never closed', async () => {
    const { log } = await openLog();
    await log.append([{ promise: 'before-compaction' }]);
    await log.compact([{ snapshot: 1 }]);
    await log.append([{ promise: 'after' }]); // the first append to a freshly installed generation
    // Abandon the writer as a killed process would: no close, no flush. Only its lock is dropped, since a
    // lock held by this very process is never judged stale.
    await log['lock'].release();
    const fresh = await openAppendLog(dir, options);
    try {
      expect(fresh.records).to.deep.equal([{ snapshot: 1 }, { promise: 'after' }]);
      expect(fresh.recovered).to.include({ generation: 1, truncatedBytes: 0 });
    } finally {
      await fresh.log.close();
      await log['file'].close(); // only so the test leaks no descriptor
    }
  });

  it('syncs once per group commit, counted in stats, and on the O_DSYNC path without any fdatasync', async () => {
    const { log } = await openLog();
    const datasyncs = countDatasyncs(log);
    await Promise.all([log.append(['a']), log.append(['b'])]);
    await log.append(['c']);
    expect(log.stats()).to.include({ appends: 3, appendedRecords: 3, syncs: 2 });
    expect(datasyncs()).to.equal(options.dsync === true ? 0 : 2);
    const flags = await openFlags(log);
    if (flags !== undefined && fsConstants.O_DSYNC !== undefined)
      expect((flags & fsConstants.O_DSYNC) !== 0, 'file opened O_DSYNC').to.equal(options.dsync);
  });

  it('writes the same way to a new generation after a compaction and to an existing file after a reopen', async () => {
    const expectWritePath = async (live: AppendLog) => {
      const datasyncs = countDatasyncs(live);
      await live.append(['x']);
      expect(datasyncs()).to.equal(options.dsync === true ? 0 : 1);
      const flags = await openFlags(live);
      if (flags !== undefined && fsConstants.O_DSYNC !== undefined)
        expect((flags & fsConstants.O_DSYNC) !== 0, 'file opened O_DSYNC').to.equal(options.dsync);
    };
    const { log } = await openLog();
    await log.compact(['S']);
    await expectWritePath(log);
    await log.close();
    const reopened = await openLog();
    expect(reopened.records).to.deep.equal(['S', 'x']);
    await expectWritePath(reopened.log);
  });
}
