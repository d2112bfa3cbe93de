// `agentmail-ops status`: listens to heartbeats for one heartbeat round, reads the conversation census and the
// JetStream depths and lags, and returns the snapshot. It changes nothing.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus } from '../bus/bus.ts';
import { jetstreamCensus } from '../bus/census.ts';
import { Streams } from '../bus/provision.ts';
import { contracts } from '../bus/contracts.ts';
import { ClusterView, distinguishedProposer } from '../actors/runtime/cluster-view.ts';
import { ConversationCensus } from '../actors/conversation/conversation-census.ts';
import type { ActorKind, Heartbeat } from '../schemas/bus.ts';
import type { ClusterState } from '../schemas/cluster-state.ts';
import type { ActorRow, StatusSnapshot } from './core/status.ts';

/** Heartbeats come every HEALTH_CHECK_INTERVAL / 5 (2 s by default); listen a little longer than the slowest heard. */
const defaultRoundMs = 2_500;

async function heardActors(bus: Bus, waitMs: number | undefined): Promise<ClusterView> {
  // A peer silent this long has stopped; nobody here sweeps, so `alive` only reflects goodbye heartbeats.
  const view = new ClusterView(Number.MAX_SAFE_INTEGER);
  let slowest = 0;
  const sub = bus.handle(
    contracts.heartbeat,
    'all',
    (hb: Heartbeat) => {
      slowest = Math.max(slowest, hb.intervalMs ?? 0);
      view.observe(hb);
    },
    { onInvalid: () => undefined },
  );
  const started = Date.now();
  for (;;) {
    const round = waitMs ?? Math.max(defaultRoundMs, Math.round(slowest * 1.25));
    const left = started + round - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(left, 100));
  }
  sub.unsubscribe();
  return view;
}

async function conversationsPerAgent(bus: Bus): Promise<Record<string, number> | undefined> {
  const census = new ConversationCensus();
  try {
    await census.start(bus);
    const deadline = Date.now() + 5_000;
    while (census.perOwner() === undefined && Date.now() < deadline) await sleep(50);
    return census.perOwner();
  } catch {
    return undefined;
  } finally {
    census.stop();
  }
}

export async function readStatus(
  bus: Bus,
  opts: { waitMs?: number; state?: ClusterState },
): Promise<StatusSnapshot> {
  const [view, perAgent, js] = await Promise.all([
    heardActors(bus, opts.waitMs),
    conversationsPerAgent(bus),
    jetstreamCensus(bus),
  ]);
  const now = Date.now();
  const actors: ActorRow[] = view.list().map((p) => ({
    actorId: p.actorId,
    kind: p.kind,
    nodeId: p.nodeId,
    status: p.status,
    load: p.load,
    capacity: p.capacity,
    specializations: p.specializations,
    heardAgoMs: now - p.lastHeartbeat,
  }));
  const notHeard = (actorId: string, kind: ActorKind | undefined, nodeId: string): ActorRow => ({
    actorId,
    kind,
    nodeId,
    status: 'not heard',
    load: 0,
    capacity: 0,
    specializations: [],
    heardAgoMs: undefined,
  });
  for (const node of opts.state?.nodes ?? [])
    for (const id of node.processes.flatMap((p) => p.actorIds))
      if (!view.get(id)) actors.push(notHeard(id, undefined, node.nodeId));
  // An agent that stopped before this listened left its durable behind (`agent-<id>`): show it, not forget it.
  for (const c of js.consumers) {
    const id = c.stream === Streams.work ? /^agent-(.+)$/.exec(c.name)?.[1] : undefined;
    if (id !== undefined && !actors.some((a) => a.actorId === id))
      actors.push(notHeard(id, 'agent', /^(.+)-agent-\d+$/.exec(id)?.[1] ?? '?'));
  }
  return {
    actors,
    distinguishedProposer: distinguishedProposer(view),
    conversationsPerAgent: perAgent,
    streams: js.streams,
    consumers: js.consumers,
  };
}
