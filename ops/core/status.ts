// The cluster as `agentmail-ops status` prints it: one summary line and tables of actors, streams and consumers. Pure.
import type { ActorKind, Heartbeat } from '../../schemas/bus.ts';
import { table } from './table.ts';

export interface ActorRow {
  actorId: string;
  kind: ActorKind | undefined;
  nodeId: string;
  /** As the heartbeats said, or `not heard` for an actor the launcher's state file names that sent none. */
  status: Heartbeat['status'] | 'not heard';
  load: number;
  capacity: number;
  specializations: string[];
  /** Milliseconds since its last heartbeat (undefined when never heard). */
  heardAgoMs: number | undefined;
}

export interface StatusSnapshot {
  actors: ActorRow[];
  distinguishedProposer: string | null;
  /** Active conversations per owning agent; undefined when the count could not be read. */
  conversationsPerAgent: Record<string, number> | undefined;
  streams: { name: string; messages: number }[];
  consumers: { stream: string; name: string; pending: number; ackPending: number }[];
}

const kindOrder = ['gateway', 'processor', 'proposer', 'acceptor', 'learner', 'agent'];

/** Actors grouped by kind in pipeline order, then by id. */
function sortActors(rows: ActorRow[]): ActorRow[] {
  const rank = (r: ActorRow) => (r.kind ? kindOrder.indexOf(r.kind) : kindOrder.length);
  return [...rows].sort((a, b) => rank(a) - rank(b) || a.actorId.localeCompare(b.actorId));
}

export function renderStatus(s: StatusSnapshot): string {
  const nodes = new Set(s.actors.filter((a) => a.status !== 'not heard').map((a) => a.nodeId));
  const running = s.actors.filter((a) => a.status === 'running').length;
  const conversations = s.conversationsPerAgent
    ? String(Object.values(s.conversationsPerAgent).reduce((a, b) => a + b, 0))
    : 'unknown';
  const healthyAgents = s.actors.filter((a) => a.kind === 'agent' && a.status === 'running').length;
  const summary =
    `${nodes.size} node(s), ${s.actors.length} actor(s), ${running} running, ${healthyAgents} healthy agent(s); ` +
    `distinguished proposer ${s.distinguishedProposer ?? 'none'}; active conversations ${conversations}`;
  const actors = table([
    ['kind', 'actor', 'node', 'status', 'load', 'heard', 'conversations', 'specializations'],
    ...sortActors(s.actors).map((a) => [
      a.kind ?? '?',
      a.actorId + (a.actorId === s.distinguishedProposer ? ' *' : ''),
      a.nodeId,
      a.status,
      a.status === 'not heard' ? '-' : a.kind === 'agent' ? `${a.load}/${a.capacity}` : String(a.load),
      a.heardAgoMs === undefined ? '-' : `${(a.heardAgoMs / 1000).toFixed(1)} s ago`,
      a.kind === 'agent' ? String(s.conversationsPerAgent?.[a.actorId] ?? 0) : '',
      a.specializations.join(','),
    ]),
  ]);
  const streams = table([['stream', 'messages'], ...s.streams.map((x) => [x.name, String(x.messages)])]);
  const consumers = table([
    ['consumer', 'pending', 'ack pending'],
    ...s.consumers.map((c) => [`${c.stream}/${c.name}`, String(c.pending), String(c.ackPending)]),
  ]);
  return [summary, '', actors, '', streams, '', consumers].join('\n');
}
