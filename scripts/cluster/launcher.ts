// Starts a whole local cluster on 127.0.0.1: a nats-server JetStream cluster and N nodes of this system (each node
// one process, or with `split` one process per actor), and stops all of it; it never binds anything but loopback and
// never leaves a process it started behind (node-process's exit hook, and this module's for the nats-servers).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultActors, parseActorSpec } from '../../actors/node/host.ts';
import { freePort, startLocalNats, type LocalNats } from '../../actors/node/nats-server.ts';
import { NodeProcess } from '../../actors/node/node-process.ts';
import type { ActorKind } from '../../schemas/bus.ts';
import type { ClusterState } from '../../schemas/cluster-state.ts';
import { randomWebhookSecret } from '../sign-webhook.ts';
import { table } from '../../ops/core/table.ts';

/** What other tools (the chaos runner, agentmail-ops) read is schemas/cluster-state.ts: everything that listens, every pid. */
export type { ClusterState };

export interface ClusterOptions {
  /** Nodes of this system, 1 to 5. */
  nodes: number;
  /** One OS process per actor, so one actor can be killed alone. */
  split: boolean;
  /** Data folder: NATS stores, node data, logs and the state file (`cluster.json`). */
  dir: string;
  /** Actors of each node, as `--actors` takes them. */
  actors?: string;
  /** NATS servers, 1, 3 or 5. */
  natsSize?: 1 | 3 | 5;
  /** Extra environment for every node process (HEALTH_CHECK_INTERVAL, AGENTMAIL_BASE_URL, ...). */
  env?: Record<string, string>;
  /** Extra environment for one process, given its node and actor ids (e.g. its own API key). */
  envFor?: (p: { nodeId: string; actorIds: string[] }) => Record<string, string>;
  /** Node flags for every node process (`--cpu-prof ...`), before the entry point. */
  execArgv?: string[];
  /** How many node processes start at once: each start compiles TypeScript, which costs a core for seconds. */
  startConcurrency?: number;
}

export interface ClusterProcess {
  name: string;
  nodeId: string;
  actors: string;
  kinds: ActorKind[];
  actorIds: string[];
  /** This process's METRICS_PORT: every process serves its own registry. */
  metricsPort: number;
  proc: NodeProcess;
}

export interface ClusterNode {
  nodeId: string;
  dataDir: string;
  gatewayPort: number;
  processes: ClusterProcess[];
}

export interface LocalCluster {
  dir: string;
  statePath: string;
  webhookSecret: string;
  nats: LocalNats;
  nodes: ClusterNode[];
  processes: ClusterProcess[];
  acceptorIds: string[];
  state(): ClusterState;
  /** Rewrites the state file (after a restart changed pids). */
  writeState(): Promise<void>;
  /** Stops every node process (SIGTERM, drain, SIGKILL after graceMs), then the NATS servers; removes the state file. */
  stop(graceMs?: number): Promise<void>;
}

const natsPids = new Set<number>();
process.once('exit', () => {
  for (const pid of natsPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Runs `fns` with at most `n` at once; rejects with the first failure once every started one has settled. */
async function limited(n: number, fns: (() => Promise<void>)[]): Promise<void> {
  const queue = [...fns];
  const errors: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(n, queue.length) }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) await f().catch((e: unknown) => errors.push(e));
    }),
  );
  if (errors.length > 0) throw errors[0];
}

/** The process layout of one node: the whole actor list in one process, or each actor `kind@index` alone. */
function layout(
  nodeId: string,
  actors: string,
  split: boolean,
): Omit<ClusterProcess, 'proc' | 'metricsPort'>[] {
  const specs = parseActorSpec(actors);
  const whole = {
    name: nodeId,
    nodeId,
    actors,
    kinds: specs.map((s) => s.kind),
    actorIds: specs.flatMap((s) =>
      Array.from({ length: s.count }, (_, i) => `${nodeId}-${s.kind}-${(s.first ?? 0) + i}`),
    ),
  };
  if (!split) return [whole];
  return whole.actorIds.map((id) => {
    const [kind, index] = id.slice(nodeId.length + 1).split('-') as [ActorKind, string];
    return { name: id, nodeId, actors: `${kind}@${index}`, kinds: [kind], actorIds: [id] };
  });
}

export async function startCluster(opts: ClusterOptions): Promise<LocalCluster> {
  const dir = resolve(opts.dir);
  const actors = opts.actors ?? defaultActors;
  const natsSize = opts.natsSize ?? 3;
  await mkdir(dir, { recursive: true });
  const webhookSecret = opts.env?.['AGENTMAIL_WEBHOOK_SECRET'] ?? randomWebhookSecret();
  const webhookSecretFile = join(dir, 'webhook-secret');
  await writeFile(webhookSecretFile, `${webhookSecret}\n`, { mode: 0o600 });

  const nats = await startLocalNats({ dir: join(dir, 'nats'), size: natsSize });
  for (const n of nats.nodes) if (n.proc?.pid) natsPids.add(n.proc.pid);
  const nodes: ClusterNode[] = [];
  const processes: ClusterProcess[] = [];
  try {
    const nodeIds = Array.from({ length: opts.nodes }, (_, i) => `node${i + 1}`);
    const layouts = nodeIds.map((id) => layout(id, actors, opts.split));
    const acceptorIds = layouts.flat().flatMap((p) => p.actorIds.filter((a) => a.includes('-acceptor-')));
    for (const [i, nodeId] of nodeIds.entries()) {
      const node: ClusterNode = {
        nodeId,
        dataDir: join(dir, 'nodes', nodeId),
        gatewayPort: await freePort(),
        processes: [],
      };
      await mkdir(join(dir, 'logs'), { recursive: true });
      for (const p of layouts[i]!) {
        const metricsPort = await freePort();
        const env: Record<string, string> = {
          CLUSTER_NODES: nats.servers.join(','),
          FLASK_PORT: String(node.gatewayPort),
          METRICS_PORT: String(metricsPort),
          GATEWAY_HOST: '127.0.0.1',
          PAXOS_ACCEPTORS: acceptorIds.join(','),
          STATE_REPLICATION_FACTOR: String(Math.min(3, natsSize)),
          AGENTMAIL_WEBHOOK_SECRET: webhookSecret,
          ...opts.env,
          ...opts.envFor?.({ nodeId, actorIds: p.actorIds }),
          // The launcher waits for the "node started" line, which is logged at info.
          LOG_LEVEL: 'info',
        };
        const proc = new NodeProcess(
          { nodeId, actors: p.actors, env, ...(opts.execArgv ? { execArgv: opts.execArgv } : {}) },
          join(dir, 'logs', `${p.name}.log`),
          node.dataDir,
        );
        const cp = { ...p, metricsPort, proc };
        node.processes.push(cp);
        processes.push(cp);
      }
      nodes.push(node);
    }
    // The first process provisions the R3 streams and buckets alone; the rest find them made.
    await processes[0]!.proc.start();
    await limited(
      opts.startConcurrency ?? 3,
      processes.slice(1).map((p) => () => p.proc.start()),
    );

    const statePath = join(dir, 'cluster.json');
    const startedAt = new Date().toISOString();
    const state = (): ClusterState => ({
      dir,
      startedAt,
      split: opts.split,
      webhookSecretFile,
      acceptors: acceptorIds,
      nats: nats.nodes.map((n) => ({
        name: n.name,
        url: n.url,
        monitor: `http://127.0.0.1:${n.monitorPort}`,
        clusterPort: n.clusterPort ?? null,
        pid: n.proc?.pid ?? null,
      })),
      nodes: nodes.map((n) => {
        const gw = n.processes.find((p) => p.kinds.includes('gateway'));
        return {
          nodeId: n.nodeId,
          dataDir: n.dataDir,
          gateway: gw ? `http://127.0.0.1:${n.gatewayPort}` : null,
          metrics: gw ? metricsUrl(gw.metricsPort) : null,
          processes: n.processes.map((p) => ({
            name: p.name,
            actors: p.actors,
            actorIds: p.actorIds,
            pid: p.proc.running ? (p.proc.pid ?? null) : null,
            log: p.proc.logPath,
            metrics: metricsUrl(p.metricsPort),
          })),
        };
      }),
    });
    const writeState = () => writeFile(statePath, `${JSON.stringify(state(), null, 2)}\n`);
    await writeState();
    return {
      dir,
      statePath,
      webhookSecret,
      nats,
      nodes,
      processes,
      acceptorIds,
      state,
      writeState,
      async stop(graceMs = 10_000) {
        await Promise.all(processes.map((p) => p.proc.stop(graceMs)));
        await nats.stop();
        await rm(statePath, { force: true });
      },
    };
  } catch (e) {
    await Promise.all(processes.map((p) => p.proc.kill9()));
    await nats.stop();
    throw e;
  }
}

const metricsUrl = (port: number) => `http://127.0.0.1:${port}/metrics`;

/** One table of what listens where, and every pid. */
export function clusterTable(s: ClusterState): string {
  const rows: string[][] = [['what', 'name', 'listens', 'pid']];
  for (const n of s.nats) {
    rows.push(['nats', n.name, n.url, String(n.pid ?? '-')]);
    rows.push(['nats monitor', n.name, n.monitor, String(n.pid ?? '-')]);
  }
  for (const n of s.nodes) {
    const gw = n.processes.find((p) => p.actors.includes('gateway'));
    if (n.gateway) rows.push(['gateway', n.nodeId, `${n.gateway}/webhook/agentmail`, String(gw?.pid ?? '-')]);
    if (n.metrics && !s.split) rows.push(['metrics', n.nodeId, n.metrics, String(gw?.pid ?? '-')]);
    for (const p of n.processes) {
      rows.push(['process', p.name, p.actors, String(p.pid ?? '-')]);
      if (s.split) rows.push(['metrics', p.name, p.metrics, String(p.pid ?? '-')]);
    }
  }
  return table(rows);
}
