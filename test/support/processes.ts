// The node processes of one test suite (actors/node/node-process.ts), their logs in one temp dir; `killAll()` in the
// suite's after hook, and node-process's exit hook, leave no process behind.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, NodeProcessError, type NodeProcessOptions } from '../../actors/node/node-process.ts';

export {
  NodeProcess,
  NodeProcessError,
  sleep,
  type NodeProcessOptions,
} from '../../actors/node/node-process.ts';

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
    // Loopback only, and each process's metrics on a free port of its own.
    const env = { METRICS_PORT: '0', GATEWAY_HOST: '127.0.0.1', ...opts.env };
    const n = new NodeProcess(
      { ...opts, env },
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
