// Starts local nats-server processes (one, or a 3-server JetStream cluster) on loopback; used by `npm start` and tests.
// It never binds anything but 127.0.0.1 and it stops every process it started, by pid.
import { createError } from '../../schemas/errors.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export class NatsServerError extends createError('NATS_SERVER', 'NatsServerError', { retryable: false }) {}

/** The nats-server binary on PATH (or /usr/sbin, where Debian puts it), if any. */
export function findNatsServer(): string | undefined {
  for (const candidate of ['nats-server', '/usr/sbin/nats-server', '/usr/local/bin/nats-server']) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface NatsNode {
  name: string;
  url: string;
  port: number;
  monitorPort: number;
  clusterPort: number | undefined;
  dir: string;
  proc: ChildProcess | undefined;
}

export interface LocalNats {
  servers: string[];
  nodes: NatsNode[];
  /** SIGKILLs one server (chaos), leaving its data. */
  kill(index: number): Promise<void>;
  /** Starts a killed or stopped server again on the same ports and data. */
  restart(index: number): Promise<void>;
  /** Stops every server this started (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** Index of the server leading `stream` (its Raft group), from the monitoring endpoint of a live one. */
  leaderOf(stream: string): Promise<number | undefined>;
}

/** A config file for every server (its flags below win over the file), and the environment it reads variables from. */
export interface ServerConfig {
  file?: string;
  env?: Record<string, string>;
}

function args(n: NatsNode, routes: string[] | undefined, config: ServerConfig): string[] {
  const a = [
    ...(config.file ? ['-c', config.file] : []),
    '-n',
    n.name,
    '-a',
    '127.0.0.1',
    '-p',
    String(n.port),
    '-m',
    String(n.monitorPort),
    '-js',
    '-sd',
    join(n.dir, 'js'),
  ];
  if (routes && n.clusterPort) {
    a.push(
      '--cluster_name',
      'cs',
      '--cluster',
      `nats://127.0.0.1:${n.clusterPort}`,
      '--routes',
      routes.join(','),
    );
  }
  return a;
}

async function waitReady(n: NatsNode, timeoutMs: number, path: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${n.monitorPort}${path}`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (n.proc?.exitCode != null)
      throw new NatsServerError(`nats-server ${n.name} exited with ${n.proc.exitCode}`);
    if (Date.now() > deadline)
      throw new NatsServerError(`nats-server ${n.name} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Output goes to `<dir>/nats-server.log` (appended across restarts), so an election or a crash can be read later. */
function launch(bin: string, n: NatsNode, routes: string[] | undefined, config: ServerConfig): ChildProcess {
  const fd = openSync(join(n.dir, 'nats-server.log'), 'a');
  try {
    return spawn(bin, args(n, routes, config), {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...config.env },
    });
  } finally {
    closeSync(fd);
  }
}

async function stopProc(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(t);
}

/** Names, folders and free loopback ports for `size` servers (the first on `port` when given). */
async function allocate(
  dir: string,
  size: number,
  port: number | undefined,
  ports: () => Promise<number>,
): Promise<NatsNode[]> {
  const nodes: NatsNode[] = [];
  for (let i = 0; i < size; i++) {
    const clientPort = i === 0 && port ? port : await ports();
    const nodeDir = join(dir, `n${i + 1}`);
    await mkdir(nodeDir, { recursive: true });
    nodes.push({
      name: `n${i + 1}`,
      url: `nats://127.0.0.1:${clientPort}`,
      port: clientPort,
      monitorPort: await ports(),
      clusterPort: size > 1 ? await ports() : undefined,
      dir: nodeDir,
      proc: undefined,
    });
  }
  return nodes;
}

/** Whether a server's log says it could not listen because the address was taken. */
async function anyPortTaken(nodes: NatsNode[]): Promise<boolean> {
  const logs = await Promise.all(
    nodes.map((n) => readFile(join(n.dir, 'nats-server.log'), 'utf8').catch(() => '')),
  );
  return logs.some((l) => l.includes('address already in use'));
}

/**
 * Starts `size` servers with JetStream under `dir` on free loopback ports (the first on `port` if given);
 * size 3 or 5 forms a cluster. The servers are children of this process.
 */
export async function startLocalNats(opts: {
  dir: string;
  size?: 1 | 3 | 5;
  port?: number;
  /** e.g. deploy/nats/auth.conf, to run with the deployment's users and permissions. */
  config?: ServerConfig;
  /** Where free ports come from (tests hand out a taken one to check the retry). */
  ports?: () => Promise<number>;
}): Promise<LocalNats> {
  const config = opts.config ?? {};
  const bin = findNatsServer();
  if (!bin) throw new NatsServerError('nats-server is not installed');
  const size = opts.size ?? 1;
  let nodes: NatsNode[] = [];
  let routes: string[] | undefined;
  // A port freePort() found can be taken by another process before the server binds it (the suites start servers
  // side by side): a server that exits because its address is in use is started again on new ports.
  for (let attempt = 1; ; attempt++) {
    nodes = await allocate(opts.dir, size, opts.port, opts.ports ?? freePort);
    routes = size > 1 ? nodes.map((n) => `nats://127.0.0.1:${n.clusterPort}`) : undefined;
    for (const n of nodes) n.proc = launch(bin, n, routes, config);
    try {
      // A cluster is ready once JetStream has a meta leader (about 1 s on loopback, nats.md §2).
      const readyPath = size > 1 ? '/healthz' : '/healthz?js-enabled-only=true';
      await Promise.all(nodes.map((n) => waitReady(n, 15_000, readyPath)));
      if (size > 1) await waitMetaLeader(nodes[0]!, 20_000);
      break;
    } catch (e) {
      await Promise.all(nodes.map((n) => stopProc(n.proc)));
      if (attempt >= 3 || !(await anyPortTaken(nodes))) throw e;
    }
  }
  return {
    servers: nodes.map((n) => n.url),
    nodes,
    async kill(i) {
      const p = nodes[i]?.proc;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGKILL');
      await exited;
    },
    async restart(i) {
      const n = nodes[i];
      if (!n) throw new NatsServerError(`no server ${i}`);
      await stopProc(n.proc);
      n.proc = launch(bin, n, routes, config);
      await waitReady(n, 15_000, '/healthz');
    },
    async stop() {
      await Promise.all(nodes.map((n) => stopProc(n.proc)));
    },
    async leaderOf(stream) {
      for (const n of nodes) {
        if (!n.proc || n.proc.exitCode !== null || n.proc.signalCode !== null) continue;
        try {
          const r = await fetch(`http://127.0.0.1:${n.monitorPort}/jsz?accounts=true&streams=true`);
          const j = (await r.json()) as JszStreams;
          const leader = j.account_details
            ?.flatMap((a) => a.stream_detail ?? [])
            .find((d) => d.name === stream)?.cluster?.leader;
          const i = nodes.findIndex((x) => x.name === leader);
          if (i >= 0) return i;
        } catch {
          // this one is not answering: ask the next
        }
      }
      return undefined;
    },
  };
}

/** The part of nats-server's /jsz?accounts=true&streams=true answer that names stream leaders. */
interface JszStreams {
  account_details?: { stream_detail?: { name: string; cluster?: { leader?: string } }[] }[];
}

async function waitMetaLeader(n: NatsNode, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${n.monitorPort}/jsz`);
      const j = (await r.json()) as { meta_cluster?: { leader?: string } };
      if (j.meta_cluster?.leader) return;
    } catch {
      // retry
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new NatsServerError(`no JetStream meta leader after ${timeoutMs} ms`);
}
