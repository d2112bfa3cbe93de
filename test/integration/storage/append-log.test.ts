// Crash test of the append log: a child process appends and compacts, gets kill -9'd, and every acknowledged record must survive.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { openAppendLog } from '../../../actors/storage/append-log.ts';
import { LogLockedError } from '../../../actors/storage/errors.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'append-log-child.ts');
const ROUNDS = 6;

type Child = ChildProcessByStdio<null, Readable, Readable>;

interface Running {
  readonly child: Child;
  readonly exited: Promise<void>;
  /** Resolves once `count` acks were read (or the child exits first). */
  acked(count: number): Promise<void>;
  readonly acks: [number, number][];
  readonly opened: Promise<void>;
  stderr(): string;
}

function start(dir: string, mode: 'write' | 'hold', children: Child[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const acks: [number, number][] = [];
  let stderr = '';
  let buffered = '';
  let waiter: { count: number; resolve: () => void } | undefined;
  let openedResolve: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (openedResolve = resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    openedResolve();
    waiter?.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      // Only whole lines count: a line the kill cut short was never fully reported.
      const line = JSON.parse(buffered.slice(0, newline)) as { ack?: [number, number]; open?: unknown };
      buffered = buffered.slice(newline + 1);
      if (line.open !== undefined) openedResolve();
      if (line.ack !== undefined) acks.push(line.ack);
    }
    if (waiter && acks.length >= waiter.count) waiter.resolve();
  });
  return {
    child,
    exited,
    acks,
    opened,
    stderr: () => stderr,
    acked: (count) =>
      new Promise<void>((resolve) => {
        if (acks.length >= count || child.exitCode !== null) return resolve();
        waiter = { count, resolve };
      }),
  };
}

describe('append-log', () => {
  let dir: string;
  const children: Child[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'append-log-crash-'));
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged record, in order, across repeated kill -9 at random moments', async function () {
    this.timeout(120_000);
    const acknowledged = new Map<number, number>(); // worker -> highest acked counter, over all rounds
    const targets: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const target = 1 + Math.floor(Math.random() * 1200);
      targets.push(target);
      const running = start(dir, 'write', children);
      await running.acked(target);
      running.child.kill('SIGKILL');
      await running.exited;
      const context = `round ${round}, kill targets ${JSON.stringify(targets)}, child stderr: ${running.stderr()}`;
      expect(running.child.signalCode, context).to.equal('SIGKILL');
      expect(running.acks.length, context).to.be.at.least(target);
      for (const [w, i] of running.acks) acknowledged.set(w, Math.max(acknowledged.get(w) ?? -1, i));

      const { log, records } = await openAppendLog(dir); // also proves the dead child's lock is stale
      await log.close();
      const last = new Map<number, number>();
      for (const record of records) {
        const { w, i } = record as { w: number; i: number };
        const previous = last.get(w);
        // The snapshot gives each worker a starting point; after it, a worker's records must be
        // consecutive: a gap would be a lost record, a repeat or step back a reordering.
        if (previous !== undefined)
          expect(i, `worker ${w} after ${previous}; ${context}`).to.equal(previous + 1);
        last.set(w, i);
      }
      for (const [w, i] of acknowledged) {
        expect(last.get(w) ?? -1, `worker ${w} acknowledged ${i}; ${context}`).to.be.at.least(i);
      }
    }
  });

  it('refuses to open a directory that another live process holds, and takes it over once that process is killed', async () => {
    const holder = start(dir, 'hold', children);
    await holder.opened;
    expect(holder.child.exitCode, holder.stderr()).to.equal(null);
    let error: unknown;
    try {
      const { log } = await openAppendLog(dir);
      await log.close();
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(LogLockedError).with.property('pid', holder.child.pid);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const { log } = await openAppendLog(dir);
    await log.close();
  });
});
