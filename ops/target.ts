// Which NATS the ops tool talks to: --nats, --state (the local cluster launcher's cluster.json), the nodes' own
// environment (NATS_URL / CLUSTER_NODES and the NATS_* credentials), or the launcher's default state file.
import { existsSync, readFileSync } from 'node:fs';
import { Bus } from '../bus/bus.ts';
import { loadNatsSettings } from '../actors/runtime/config.ts';
import { check } from '../schemas/codec.ts';
import { ClusterState } from '../schemas/cluster-state.ts';
import { createLogger } from '../telemetry/logger.ts';

/** Where `npm run cluster` writes its state file unless given --dir. */
export const defaultStateFile = '.data/cluster/cluster.json';

/** A problem with what the operator gave (a flag, a file, a variable): one line, exit 2. */
export class UsageError extends Error {}

export interface Target {
  servers: string[];
  /** Where the servers came from, for the first line of an error. */
  source: string;
  /** The launcher's state, when the servers came from one. */
  state: ClusterState | undefined;
}

export function readState(path: string): ClusterState {
  let raw: unknown;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--state ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`,
    );
  }
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`--state ${path}: not JSON, so not a cluster state file`);
  }
  const checked = check<ClusterState>(ClusterState, raw);
  if (!checked.ok)
    throw new UsageError(
      `--state ${path}: not a cluster state file (${checked.failure.instancePath} ${checked.failure.reason})`,
    );
  return checked.value;
}

export function resolveTarget(
  flags: { nats?: string; state?: string },
  env: NodeJS.ProcessEnv = process.env,
): Target & { env: NodeJS.ProcessEnv } {
  const fromState = (path: string): Target => {
    const state = readState(path);
    return { servers: state.nats.map((n) => n.url), source: path, state };
  };
  let target: Target;
  if (flags.nats !== undefined) {
    target = { servers: [], source: '--nats', state: undefined };
    env = { ...env, NATS_URL: flags.nats, CLUSTER_NODES: '' };
  } else if (flags.state !== undefined) target = fromState(flags.state);
  else if (env['NATS_URL'] || env['CLUSTER_NODES'] || !existsSync(defaultStateFile))
    target = { servers: [], source: env['CLUSTER_NODES'] ? 'CLUSTER_NODES' : 'NATS_URL', state: undefined };
  else target = fromState(defaultStateFile);
  if (target.servers.length === 0) {
    try {
      target.servers = loadNatsSettings(env).natsServers;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return { ...target, env };
}

/** Connects as the nodes do (same credentials and TLS variables); fails at once, in one line, when nothing answers. */
export async function connectTarget(target: Target & { env: NodeJS.ProcessEnv }): Promise<Bus> {
  let security;
  try {
    security = loadNatsSettings({
      ...target.env,
      NATS_URL: target.servers.join(','),
      CLUSTER_NODES: '',
    }).natsSecurity;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  try {
    return await Bus.connect({
      servers: target.servers,
      name: 'agentmail-ops',
      logger: createLogger('error', { tool: 'agentmail-ops' }),
      security,
    });
  } catch (e) {
    throw new Error(
      `cannot reach NATS at ${target.servers.join(', ')} (from ${target.source}): ${(e as Error).message}`,
    );
  }
}
