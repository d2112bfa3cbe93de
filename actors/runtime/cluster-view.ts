// What one process knows of the cluster, built only from heartbeats on the bus: who is alive, their load and skills.
// It must not decide anything itself; processors, the gateway's /status and the failure detector read it.
import type { Subscription } from '@nats-io/transport-node';
import type { Bus, InvalidHandler } from '../../bus/bus.ts';
import { contracts } from '../../bus/contracts.ts';
import type { ActorKind, Heartbeat } from '../../schemas/bus.ts';

export interface PeerState {
  actorId: string;
  kind: ActorKind;
  nodeId: string;
  status: Heartbeat['status'];
  load: number;
  capacity: number;
  specializations: string[];
  lastHeartbeat: number;
  /** Missing heartbeats for longer than the dead-after window. */
  alive: boolean;
}

export type PeerChange = { type: 'up' | 'down'; peer: PeerState };

export class ClusterView {
  private readonly peers = new Map<string, PeerState>();
  private sub: Subscription | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(c: PeerChange) => void>();

  constructor(
    private readonly deadAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(bus: Bus, onInvalid: InvalidHandler): void {
    this.sub = bus.handle(contracts.heartbeat, 'all', (hb) => this.observe(hb), { onInvalid });
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.round(this.deadAfterMs / 4)));
    this.sweeper.unref();
  }

  stop(): void {
    this.sub?.unsubscribe();
    clearInterval(this.sweeper);
  }

  onChange(fn: (c: PeerChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  observe(hb: Heartbeat): void {
    const prev = this.peers.get(hb.actorId);
    const alive = hb.status !== 'stopped';
    const peer: PeerState = {
      actorId: hb.actorId,
      kind: hb.kind,
      nodeId: hb.nodeId,
      status: hb.status,
      load: hb.load,
      capacity: hb.capacity,
      specializations: hb.specializations ?? [],
      lastHeartbeat: this.now(),
      alive,
    };
    this.peers.set(hb.actorId, peer);
    if (alive !== (prev?.alive ?? false)) this.notify({ type: alive ? 'up' : 'down', peer });
  }

  /** Marks peers silent for longer than the window as dead (kill -9 sends no goodbye). */
  sweep(): void {
    const cutoff = this.now() - this.deadAfterMs;
    for (const p of this.peers.values()) {
      if (p.alive && p.lastHeartbeat < cutoff) {
        p.alive = false;
        this.notify({ type: 'down', peer: p });
      }
    }
  }

  private notify(c: PeerChange): void {
    for (const fn of this.listeners) fn(c);
  }

  list(kind?: ActorKind): PeerState[] {
    return [...this.peers.values()].filter((p) => kind === undefined || p.kind === kind);
  }

  get(actorId: string): PeerState | undefined {
    return this.peers.get(actorId);
  }

  /** Alive and taking work (running, not draining). */
  available(kind: ActorKind): PeerState[] {
    return this.list(kind).filter((p) => p.alive && p.status === 'running');
  }
}

/**
 * The distinguished proposer, the one that runs the Paxos fast path: the live, running proposer with the lowest
 * id (`self` counts as live: a proposer has not necessarily heard its own heartbeat yet). Null when none is.
 */
export function distinguishedProposer(view: ClusterView, self?: string): string | null {
  const ids = view.available('proposer').map((p) => p.actorId);
  return [...(self ? [self] : []), ...ids].sort()[0] ?? null;
}
