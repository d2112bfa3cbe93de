// Unit tests of the log directory's single-writer lock: refusal while held, stale-lock takeover, release.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE_NAME, acquireDirLock, type DirLock } from '../../../actors/storage/dir-lock.ts';
import { openAppendLog } from '../../../actors/storage/append-log.ts';
import { LogLockedError } from '../../../actors/storage/errors.ts';
import { rejection } from '../../support/rejection.ts';

/** The pid of a process that has certainly exited (a reused pid within the test is vanishingly unlikely). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

/** The LOCK is the one `lock` wrote (the stale one had no `since`), and releasing it removes it. */
async function expectOwnLockReleased(lock: DirLock): Promise<void> {
  const content = JSON.parse(await readFile(lock.path, 'utf8')) as { pid: number; since?: string };
  expect(content.pid).to.equal(process.pid);
  expect(content.since).to.be.a('string');
  await lock.release();
  expect(await rejection(stat(lock.path))).to.have.property('code', 'ENOENT');
}

describe('dir-lock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dir-lock-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a LOCK file naming this process and removes it on release', async () => {
    const lock = await acquireDirLock(dir);
    const content = JSON.parse(await readFile(join(dir, LOCK_FILE_NAME), 'utf8')) as { pid: number };
    expect(content.pid).to.equal(process.pid);
    await lock.release();
    expect(await rejection(stat(join(dir, LOCK_FILE_NAME)))).to.have.property('code', 'ENOENT');
  });

  it('refuses a second open of the same directory while the first is open, and allows it after close', async () => {
    const first = await openAppendLog(dir);
    const error = await rejection(openAppendLog(dir));
    expect(error).to.be.instanceOf(LogLockedError);
    expect(error).to.include({ code: 'LOG_LOCKED', name: 'LogLockedError', pid: process.pid });
    await first.log.close();
    const second = await openAppendLog(dir);
    await second.log.close();
  });

  it('refuses two opens started in the same tick: exactly one wins', async () => {
    const results = await Promise.allSettled([acquireDirLock(dir), acquireDirLock(dir)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).to.have.length(1);
    expect(lost).to.have.length(1);
    expect((lost[0] as PromiseRejectedResult).reason).to.be.instanceOf(LogLockedError);
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });

  it('takes over a lock left by a process that has died', async () => {
    await writeFile(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: deadPid() }));
    await expectOwnLockReleased(await acquireDirLock(dir));
  });

  it('takes over a lock naming this pid that this process does not hold (a restarted container is pid 1 again)', async () => {
    await writeFile(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: process.pid }));
    await expectOwnLockReleased(await acquireDirLock(dir));
  });

  it('takes over an unreadable LOCK file, which only a crash can leave', async () => {
    await writeFile(join(dir, LOCK_FILE_NAME), '');
    await expectOwnLockReleased(await acquireDirLock(dir));
  });

  it('refuses a lock held by another live process', async () => {
    // The parent of this test process is alive for as long as the test runs.
    await writeFile(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: process.ppid }));
    const error = await rejection(acquireDirLock(dir));
    expect(error).to.be.instanceOf(LogLockedError).with.property('pid', process.ppid);
  });
});
