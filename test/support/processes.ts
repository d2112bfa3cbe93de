// Spawns real agentmail-cs node processes for tests and benches, kills -9 / stops / restarts them by pid; it never
// binds anything itself and never leaves a process behind: `killAll()` (and a last-resort exit hook) SIGKILLs the rest.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { actorId, parseActorSpec } from '../../actors/node/host.ts';
import type { ActorKind } from '../../schemas/bus.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entryPoint = join(repoRoot, 'bin', 'agentmail-cs.js');

/** A node process did not become ready, or exited while we waited for it. */
export class NodeProcessError extends Error {
  override readonly name = 'NodeProcessError';
  readonly code = 'NODE_PROCESS';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

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
    const count = parseActorSpec(this.opts.actors).find((s) => s.kind === kind)?.count ?? 0;
    return Array.from({ length: count }, (_, i) => actorId(this.nodeId, kind, i));
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
    await this.exited;
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

/** The processes of one suite, their logs in one temp dir; `killAll()` belongs in the suite's after hook. */
export class ProcessGroup {
  readonly nodes: NodeProcess[] = [];

  private constructor(readonly dir: string) {}

  static async create(prefix = 'cs-procs-'): Promise<ProcessGroup> {
    return new ProcessGroup(await mkdtemp(join(tmpdir(), prefix)));
  }

  /** Creates and starts a node; its data lives in `<dir>/data/<nodeId>` unless env.DATA_DIR says otherwise. */
  async spawn(opts: NodeProcessOptions): Promise<NodeProcess> {
    const n = this.add(opts);
    await n.start();
    return n;
  }

  /** Creates a node without starting it (start several at once with Promise.all). */
  add(opts: NodeProcessOptions): NodeProcess {
    if (this.nodes.some((n) => n.nodeId === opts.nodeId))
      throw new NodeProcessError(`node id ${opts.nodeId} is already used in this group`);
    const n = new NodeProcess(
      opts,
      join(this.dir, `${opts.nodeId}.log`),
      opts.env?.['DATA_DIR'] ?? join(this.dir, 'data', opts.nodeId),
    );
    this.nodes.push(n);
    return n;
  }

  /** SIGKILLs every process still running. Safe to call twice. */
  async killAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill9()));
  }

  /** The tail of every node's log, to print when a test failed. */
  report(lines = 30): string {
    return this.nodes.map((n) => `--- ${n.nodeId} (${n.logPath}) ---\n${n.tail(lines)}`).join('\n');
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
