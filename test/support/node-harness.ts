// Test helper: runs a whole node in-process (or as a child process a test may SIGKILL) against a test NATS; never used by production code.
// Everything it starts is stopped by the returned stop(); it records every ops event so tests check the history as a whole.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from '@nats-io/transport-node';
import { loadConfig, type Config } from '../../actors/runtime/config.ts';
import { contracts } from '../../bus/contracts.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { defaultActors, parseActorSpec, runNode, type RunningNode } from '../../actors/node/host.ts';
import { factories } from '../../actors/node/registry.ts';
import { GatewayActor } from '../../gateway/server.ts';
import type { ActorEvent, ActorKind } from '../../schemas/bus.ts';

export interface TestNode {
  node: RunningNode;
  config: Config;
  /** Base URL of the gateway (empty when this node runs no gateway). */
  gatewayUrl: string;
  dataDir: string;
  /** Every event seen on cs.events.* since start, oldest first. */
  events: ActorEvent[];
  /** Resolves with the first recorded (or future) event matching `pred`; rejects after `timeoutMs`. */
  waitForEvent(pred: (e: ActorEvent) => boolean, timeoutMs?: number, what?: string): Promise<ActorEvent>;
  /** Resolves once `count` distinct running actors of `kind` have been heard on the heartbeat subject. */
  waitForActors(kind: ActorKind, count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Environment every test node shares: loopback only, fast failure detection, one NATS replica. */
export function baseEnv(servers: string[], nodeId: string, dataDir: string): Record<string, string> {
  return {
    NODE_ID: nodeId,
    NATS_URL: servers.join(','),
    DATA_DIR: dataDir,
    FLASK_PORT: '0',
    METRICS_PORT: '0',
    GATEWAY_HOST: '127.0.0.1',
    HEALTH_CHECK_INTERVAL: '1',
    PAXOS_TIMEOUT: '2',
    STATE_REPLICATION_FACTOR: '1',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'error',
  };
}

export async function startTestNode(opts: {
  servers: string[];
  nodeId: string;
  actors: string;
  env?: Record<string, string>;
}): Promise<TestNode> {
  const dataDir = await mkdtemp(join(tmpdir(), `cs-${opts.nodeId}-`));
  const config = loadConfig({ ...baseEnv(opts.servers, opts.nodeId, dataDir), ...opts.env });
  const logger = createLogger(config.logLevel, { nodeId: config.nodeId });
  const node = await runNode({ config, specs: parseActorSpec(opts.actors), logger, factories });
  const events: ActorEvent[] = [];
  const waiters = new Set<{ pred: (e: ActorEvent) => boolean; resolve: (e: ActorEvent) => void }>();
  const sub: Subscription = node.bus.handle(contracts.events, { kind: '*' }, (e) => {
    events.push(e);
    for (const w of waiters) {
      if (w.pred(e)) {
        waiters.delete(w);
        w.resolve(e);
      }
    }
  });
  await node.bus.nc.flush();
  const gateway = node.actors.find((a): a is GatewayActor => a instanceof GatewayActor);
  return {
    node,
    config,
    gatewayUrl: gateway?.url ?? '',
    dataDir,
    events,
    waitForEvent(pred, timeoutMs = 20_000, what = 'event') {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (!waiters.delete(w)) return;
          reject(
            new Error(`no ${what} within ${timeoutMs} ms; saw: ${events.map((e) => e.event).join(', ')}`),
          );
        }, timeoutMs).unref();
      });
    },
    async waitForActors(kind, count, timeoutMs = 20_000) {
      const seen = new Set<string>();
      await new Promise<void>((resolve, reject) => {
        const hb = node.bus.handle(contracts.heartbeat, { kind, actorId: '*' }, (h) => {
          if (h.status === 'running') seen.add(h.actorId);
          if (seen.size >= count) {
            hb.unsubscribe();
            resolve();
          }
        });
        setTimeout(() => {
          hb.unsubscribe();
          reject(new Error(`heard ${seen.size} of ${count} ${kind} actors within ${timeoutMs} ms`));
        }, timeoutMs).unref();
      });
    },
    async stop() {
      sub.unsubscribe();
      await node.stop(2_000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A node answering mail through a fake AgentMail, as the end-to-end suites run one: `actors` (default: the single-node
 * set) with the fake's key and URL and the webhook secret, resolved once all its agents are heard.
 */
export async function startServiceNode(opts: {
  servers: string[];
  nodeId: string;
  agentMail: { apiKey: string; url: string };
  secret: string;
  actors?: string;
  env?: Record<string, string>;
}): Promise<TestNode> {
  const actors = opts.actors ?? defaultActors;
  const node = await startTestNode({
    servers: opts.servers,
    nodeId: opts.nodeId,
    actors,
    env: {
      AGENTMAIL_API_KEY: opts.agentMail.apiKey,
      AGENTMAIL_BASE_URL: opts.agentMail.url,
      AGENTMAIL_WEBHOOK_SECRET: opts.secret,
      ...opts.env,
    },
  });
  const agents = parseActorSpec(actors).find((s) => s.kind === 'agent')?.count ?? 0;
  // Mail cannot be routed before agents are heard.
  if (agents > 0) await node.waitForActors('agent', agents);
  return node;
}

export interface ChildNode {
  proc: ChildProcess;
  dataDir: string;
  /** kill -9: no drain, no goodbye heartbeat. */
  kill(): Promise<void>;
}

/** Runs `--actors <actors>` in a separate Node process, so a test can crash it for real. */
export async function startChildNode(opts: {
  servers: string[];
  nodeId: string;
  actors: string;
  env?: Record<string, string>;
}): Promise<ChildNode> {
  const dataDir = await mkdtemp(join(tmpdir(), `cs-${opts.nodeId}-`));
  const proc = spawn(process.execPath, ['bin/agentmail-cs.js', '--actors', opts.actors], {
    cwd: join(import.meta.dirname, '..', '..'),
    env: { PATH: process.env['PATH'] ?? '', ...baseEnv(opts.servers, opts.nodeId, dataDir), ...opts.env },
    stdio: ['ignore', 'ignore', process.env['TEST_LOG_LEVEL'] ? 'inherit' : 'ignore'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    dataDir,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a value other than undefined; rejects after `timeoutMs` naming `what`. */
export async function eventually<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
