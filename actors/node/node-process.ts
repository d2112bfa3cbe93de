// One OS process running a set of actors through the real entry point (bin/agentmail-cs.js): start, kill -9, SIGSTOP,
// stop, restart, by pid. Used by the cluster launcher, tests and benches; it never binds a port itself, and every
// process it started is SIGKILLed when this process exits, however it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { actorIdsOf, parseActorSpec } from './host.ts';
import type { ActorKind } from '../../schemas/bus.ts';
import { createError } from '../../schemas/errors.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entryPoint = join(repoRoot, 'bin', 'agentmail-cs.js');

/** A node process did not become ready, or exited while we waited for it. */
export class NodeProcessError extends createError('NODE_PROCESS', 'NodeProcessError', { retryable: false }) {}

export interface NodeProcessOptions {
  /** NODE_ID of the process; actor ids are `<nodeId>-<kind>-<index>`. Also names its log file. */
  nodeId: string;
  /** The `--actors` list, e.g. `acceptor:1` or `proposer,learner`. */
  actors: string;
  /** Extra environment (NATS_URL, PAXOS_ACCEPTORS, PAXOS_TIMEOUT, ...); DATA_DIR defaults to a per-node folder. */
  env?: Record<string, string>;
  /** How long to wait for the "node started" log line. */
  readyTimeoutMs?: number;
}

// Every pid any group started and has not seen exit: if mocha exits abruptly (exit: true), none survives it.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** One OS process running a set of actors through the real entry point (bin/agentmail-cs.js). */
export class NodeProcess {
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Byte offset in the log where the current incarnation's output starts. */
  private logStart = 0;
  /** How many times this node was started (restarts included). */
  starts = 0;

  constructor(
    readonly opts: NodeProcessOptions,
    readonly logPath: string,
    readonly dataDir: string,
  ) {}

  get nodeId(): string {
    return this.opts.nodeId;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The actor ids this process runs, e.g. `a1-acceptor-0`, read from its actor list as the node reads it. */
  actorIds(kind: ActorKind): string[] {
    return actorIdsOf(this.nodeId, parseActorSpec(this.opts.actors), kind);
  }

  /** Starts the process (same env and data dir every time) and waits for its "node started" line. */
  async start(): Promise<void> {
    if (this.running) throw new NodeProcessError(`${this.nodeId} is already running (pid ${this.pid})`);
    this.logStart = fileSize(this.logPath);
    const fd = openSync(this.logPath, 'a');
    const proc = spawn(process.execPath, [entryPoint, '--actors', this.opts.actors], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_ID: this.nodeId,
        DATA_DIR: this.dataDir,
        LOG_LEVEL: 'info',
        ...this.opts.env,
      },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.proc = proc;
    this.starts++;
    live.add(proc);
    this.exited = new Promise((r) =>
      proc.once('exit', () => {
        live.delete(proc);
        r();
      }),
    );
    // Generous: five tsx processes starting at once on a busy 2-core machine took over 30 s.
    await this.waitReady(this.opts.readyTimeoutMs ?? 90_000);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.output().includes('"node started"')) return;
      if (!this.running)
        throw new NodeProcessError(
          `${this.nodeId} exited (code ${this.proc?.exitCode}, signal ${this.proc?.signalCode}) before it was ready:\n${this.tail()}`,
        );
      if (Date.now() > deadline) {
        await this.kill9();
        throw new NodeProcessError(`${this.nodeId} not ready after ${timeoutMs} ms:\n${this.tail()}`);
      }
      await sleep(25);
    }
  }

  /** kill -9: no drain, no flush; whatever was not synced is lost, as in a crash. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.proc!.kill('SIGKILL');
    // A stopped process dies of SIGKILL too; SIGCONT is harmless either way.
    this.proc!.kill('SIGCONT');
    await this.exited;
  }

  /** SIGSTOP: the process is frozen (no heartbeat, no work) but keeps its sockets, as under a long GC or VM pause. */
  pause(): void {
    if (this.running) this.proc!.kill('SIGSTOP');
  }

  /** SIGCONT after pause(): it runs on from where it stopped, unaware that time passed. */
  resume(): void {
    if (this.running) this.proc!.kill('SIGCONT');
  }

  /** SIGTERM (the node drains its actors), SIGKILL if it has not exited within graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    const p = this.proc!;
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }

  /** Starts again with the same env and data dir (after kill9 or stop). */
  async restart(): Promise<void> {
    await this.kill9();
    await this.start();
  }

  /** This incarnation's output (the log file holds every incarnation). */
  output(): string {
    try {
      return readFileSync(this.logPath).subarray(this.logStart).toString('utf8');
    } catch {
      return '';
    }
  }

  /** The last lines of the whole log, for failure reports. */
  tail(lines = 40): string {
    let text = '';
    try {
      text = readFileSync(this.logPath, 'utf8');
    } catch {
      return '(no log)';
    }
    return text.split('\n').slice(-lines).join('\n');
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
