// Runs a set of actors in one process over one NATS connection; it wires, it never lets actors call each other.
import { ConfigError, type Config } from '../runtime/config.ts';
import { Bus } from '../../bus/bus.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { provision } from '../../bus/provision.ts';
import { ActorKind } from '../../schemas/bus.ts';
import type { Actor } from '../runtime/actor.ts';

export interface ActorSpec {
  kind: ActorKind;
  count: number;
}

/** The single-node set: every kind, three acceptors (a majority survives one crash), three agents. */
export const defaultActors = 'gateway,processor,proposer,acceptor:3,learner,agent:3';

/** Parses `--actors gateway,processor,acceptor:3`; a bad entry is a ConfigError naming it. */
export function parseActorSpec(text: string): ActorSpec[] {
  const specs: ActorSpec[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [kind = '', countText = '1', extra] = part.split(':');
    const count = Number(countText);
    if (
      extra !== undefined ||
      !(ActorKind as readonly string[]).includes(kind) ||
      !Number.isInteger(count) ||
      count < 1 ||
      count > 64
    ) {
      throw new ConfigError(
        '--actors',
        `a list of ${ActorKind.join('|')} with an optional :count from 1 to 64`,
        part,
      );
    }
    const prev = specs.find((s) => s.kind === kind);
    if (prev) prev.count += count;
    else specs.push({ kind: kind as ActorKind, count });
  }
  if (specs.length === 0) throw new ConfigError('--actors', 'at least one actor kind', text);
  return specs;
}

export function actorId(nodeId: string, kind: ActorKind, index: number): string {
  return `${nodeId}-${kind}-${index}`;
}

/** Acceptor ids of the cluster: PAXOS_ACCEPTORS, or the ones this process runs. */
function clusterAcceptors(config: Config, specs: ActorSpec[]): string[] {
  if (config.acceptorIds) return config.acceptorIds;
  const n = specs.find((s) => s.kind === 'acceptor')?.count ?? 0;
  return Array.from({ length: n }, (_, i) => actorId(config.nodeId, 'acceptor', i));
}

export type ActorFactory = (id: string, config: Config, acceptors: string[]) => Actor;

export interface RunningNode {
  bus: Bus;
  actors: Actor[];
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
  const bus = await Bus.connect({ servers: config.natsServers, name: `cs-${config.nodeId}`, logger });
  await provision(bus, config.stateReplicationFactor, logger);
  const acceptors = clusterAcceptors(config, specs);
  const actors: Actor[] = [];
  for (const { kind, count } of specs) {
    const make = opts.factories[kind];
    if (!make)
      throw new ConfigError(
        '--actors',
        `a kind this build has (${Object.keys(opts.factories).join(', ')})`,
        kind,
      );
    for (let i = 0; i < count; i++) actors.push(make(actorId(config.nodeId, kind, i), config, acceptors));
  }
  // Acceptors and learners first: proposers and processors need them to answer.
  const order: ActorKind[] = ['acceptor', 'learner', 'proposer', 'agent', 'processor', 'gateway'];
  const started: Actor[] = [];
  try {
    for (const kind of order) {
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
  logger.info('node started', { nodeId: config.nodeId, actors: actors.map((a) => a.id) });
  return {
    bus,
    actors,
    async stop(graceMs = 10_000) {
      // Reverse order: the door closes first, so nothing new comes in while the rest drains.
      for (const kind of [...order].reverse()) {
        await Promise.all(actors.filter((a) => a.kind === kind).map((a) => a.stop(graceMs)));
      }
      await bus.drain();
    },
  };
}
