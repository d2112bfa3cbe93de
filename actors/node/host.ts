// Runs a set of actors in one process over one NATS connection; it wires, it never lets actors call each other.
import { ConfigError, type Config } from '../runtime/config.ts';
import { Bus } from '../../bus/bus.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { provision } from '../../bus/provision.ts';
import { ActorKind } from '../../schemas/bus.ts';
import type { Actor } from '../runtime/actor.ts';
import { contracts } from '../../bus/contracts.ts';
import { jetstreamCensus } from '../../bus/census.ts';
import { addMetricSources } from '../../telemetry/metrics.ts';
import { serveMetrics } from './metrics-server.ts';

export interface ActorSpec {
  kind: ActorKind;
  count: number;
  /** Index of the first actor (ids `<node>-<kind>-<first>`...); `kind@index` in a list, so one actor runs alone. */
  first?: number;
}

/** The single-node set: every kind, three acceptors (a majority survives one crash), three agents. */
export const defaultActors = 'gateway,processor,proposer,acceptor:3,learner,agent:3';

/**
 * Parses `--actors gateway,processor,acceptor:3`, or `acceptor@2` for the one acceptor of index 2 (a cluster
 * that runs each actor in its own process names them so); a bad entry is a ConfigError naming it.
 */
export function parseActorSpec(text: string): ActorSpec[] {
  const specs: ActorSpec[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+)(?::(\d+)|@(\d+))?$/.exec(part);
    const kind = m?.[1] ?? '';
    const count = m?.[3] === undefined ? Number(m?.[2] ?? '1') : 1;
    const first = m?.[3] === undefined ? undefined : Number(m[3]);
    if (
      !m ||
      !(ActorKind as readonly string[]).includes(kind) ||
      count < 1 ||
      count > 64 ||
      (first !== undefined && first > 63)
    ) {
      throw new ConfigError(
        '--actors',
        `a list of ${ActorKind.join('|')}, each with an optional :count from 1 to 64 or @index from 0 to 63`,
        part,
      );
    }
    const prev = specs.find((s) => s.kind === kind);
    if (first !== undefined) {
      if (specs.some((s) => s.kind === kind))
        throw new ConfigError('--actors', `${kind}@index alone for its kind`, part);
      specs.push({ kind: kind as ActorKind, count: 1, first });
    } else if (prev?.first !== undefined) {
      throw new ConfigError('--actors', `${kind}@index alone for its kind`, part);
    } else if (prev) prev.count += count;
    else specs.push({ kind: kind as ActorKind, count });
  }
  if (specs.length === 0) throw new ConfigError('--actors', 'at least one actor kind', text);
  return specs;
}

export function actorId(nodeId: string, kind: ActorKind, index: number): string {
  return `${nodeId}-${kind}-${index}`;
}

/** The ids of the actors of `kind` that `specs` runs on node `nodeId`. */
export function actorIdsOf(nodeId: string, specs: ActorSpec[], kind: ActorKind): string[] {
  const s = specs.find((x) => x.kind === kind);
  return s ? Array.from({ length: s.count }, (_, i) => actorId(nodeId, kind, (s.first ?? 0) + i)) : [];
}

/** Acceptor ids of the cluster: PAXOS_ACCEPTORS, or the ones this process runs. */
function clusterAcceptors(config: Config, specs: ActorSpec[]): string[] {
  return config.acceptorIds ?? actorIdsOf(config.nodeId, specs, 'acceptor');
}

/** Kinds whose safety rests on the acceptor set: they must agree with every acceptor on the bus about it. */
const paxosKinds: readonly ActorKind[] = ['acceptor', 'proposer', 'learner'];

/**
 * Two quorums by accident: a node that names no acceptor set uses its own acceptors only, so two such nodes on
 * one bus would each decide alone and could pick two owners for one conversation. Refuse to start when several
 * NATS servers are configured (a cluster) and no PAXOS_ACCEPTORS is named, or when an acceptor outside the set
 * is heard on the bus (listening two heartbeat periods, actors/runtime/actor.ts beats every interval / 5).
 */
async function checkAcceptorSet(
  bus: Bus,
  config: Config,
  specs: ActorSpec[],
  acceptors: string[],
): Promise<void> {
  if (!specs.some((s) => paxosKinds.includes(s.kind))) return;
  if (!config.acceptorIds && config.natsServers.length > 1) {
    throw new ConfigError(
      'PAXOS_ACCEPTORS',
      `the acceptor ids of the whole cluster when ${config.natsServers.length} NATS servers are configured`,
      '',
    );
  }
  const foreign = new Set<string>();
  const sub = bus.handle(contracts.heartbeat, { kind: 'acceptor', actorId: '*' }, (hb) => {
    if (hb.status !== 'stopped' && !acceptors.includes(hb.actorId)) foreign.add(hb.actorId);
  });
  await new Promise((r) => setTimeout(r, 2 * Math.max(100, config.healthCheckIntervalMs / 5) + 100));
  sub.unsubscribe();
  if (foreign.size > 0) {
    throw new ConfigError(
      'PAXOS_ACCEPTORS',
      `a list naming every acceptor on the bus (heard ${[...foreign].sort().join(',')} outside it)`,
      acceptors.join(','),
    );
  }
}

/** Start order: acceptors and learners first, since proposers and processors need them to answer. */
const startOrder: readonly ActorKind[] = ['acceptor', 'learner', 'proposer', 'agent', 'processor', 'gateway'];

/** What each kind gets to finish its in-flight work on SIGTERM, in turn (RunningNode.stop's default). */
const drainGraceMs = 10_000;

/**
 * The longest a SIGTERM drain can take: every kind in turn, then the connection's own drain. A supervisor's stop
 * grace (docker compose stop_grace_period, Kubernetes terminationGracePeriodSeconds) must be longer, or it kills the
 * node mid-drain (the deployment test checks the files under deploy/ against it).
 */
export const maxDrainMs = startOrder.length * drainGraceMs + 5_000;

export type ActorFactory = (id: string, config: Config, acceptors: string[]) => Actor;

export interface RunningNode {
  bus: Bus;
  actors: Actor[];
  /** Where this process serves its metrics (METRICS_PORT), when it could bind it. */
  metricsUrl: string | undefined;
  /** Drains every actor (finish or hand back in-flight work), then the connection. */
  stop(graceMs?: number): Promise<void>;
}

export async function runNode(opts: {
  config: Config;
  specs: ActorSpec[];
  logger: Logger;
  factories: Partial<Record<ActorKind, ActorFactory>>;
}): Promise<RunningNode> {
  const { config, specs, logger } = opts;
  const bus = await Bus.connect({
    servers: config.natsServers,
    name: `cs-${config.nodeId}`,
    logger,
    security: config.natsSecurity,
  });
  await provision(bus, config.stateReplicationFactor, logger);
  const acceptors = clusterAcceptors(config, specs);
  try {
    await checkAcceptorSet(bus, config, specs, acceptors);
  } catch (e) {
    await bus.drain();
    throw e;
  }
  const actors: Actor[] = [];
  for (const { kind } of specs) {
    const make = opts.factories[kind];
    if (!make)
      throw new ConfigError(
        '--actors',
        `a kind this build has (${Object.keys(opts.factories).join(', ')})`,
        kind,
      );
    for (const id of actorIdsOf(config.nodeId, specs, kind)) actors.push(make(id, config, acceptors));
  }
  const started: Actor[] = [];
  try {
    for (const kind of startOrder) {
      for (const a of actors.filter((x) => x.kind === kind)) {
        await a.start({ bus, config, logger });
        started.push(a);
      }
    }
  } catch (e) {
    await Promise.all(started.map((a) => a.stop(1_000)));
    await bus.drain();
    throw e;
  }
  // The connection is the process's, not one actor's: its first actor reports a refusal on cs.events.<kind>.
  bus.onPermissionDenied = (denial) => started[0]?.emit('nats.permission-denied', { ...denial });
  // One registry per process: process-wide values are computed once per scrape, whatever the number of actors, from
  // what each node of the process adds (system_health_status is 1 only while every node is healthy).
  const healthy = () => bus.connected && actors.every((a) => a.status === 'running');
  const runsGateway = specs.some((s) => s.kind === 'gateway');
  // Stream depths and lags are the cluster's, not this process's: only processes with a gateway read them, as
  // they do active conversations, so a scrape of every pod does not ask JetStream the same thing once per pod.
  const removeSources = addMetricSources({
    health: healthy,
    ...(runsGateway ? { jetstream: () => jetstreamCensus(bus) } : {}),
  });
  // The gateway serves the same registry on its own port's /metrics: no second server on that port (0 is not a
  // port but "any free one", so METRICS_PORT=0 still gets a server of its own).
  const ownPort = !(config.metricsPort === config.gatewayPort && config.metricsPort !== 0 && runsGateway);
  const metrics = ownPort
    ? await serveMetrics(config.metricsPort, config.gatewayHost, logger, healthy)
    : undefined;
  logger.info('node started', {
    nodeId: config.nodeId,
    actors: actors.map((a) => a.id),
    ...(metrics?.url ? { metrics: metrics.url } : {}),
  });
  return {
    bus,
    actors,
    metricsUrl: metrics?.url,
    async stop(graceMs = drainGraceMs) {
      metrics?.close();
      try {
        // Reverse order: the door closes first, so nothing new comes in while the rest drains.
        for (const kind of [...startOrder].reverse()) {
          await Promise.all(actors.filter((a) => a.kind === kind).map((a) => a.stop(graceMs)));
        }
        await bus.drain();
      } finally {
        removeSources();
      }
    },
  };
}
