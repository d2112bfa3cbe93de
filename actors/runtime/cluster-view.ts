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
  /** False once it said it stopped, or was silent for longer than the dead-after window. */
  alive: boolean;
  /** Alive, but silent for longer than half the dead-after window (about 2.5 heartbeats): maybe dying. */
  suspected: boolean;
}

/**
 * What changed about one peer: `up` (first heard, or heard again after it was suspected or down), `suspected`
 * (silent for half the dead-after window, still counted alive), `down` (said it stopped, or silent past the window).
 * `silentMs` is how long it had been silent when this was noticed (0 for a first heartbeat).
 */
export type PeerChange = { type: 'up' | 'suspected' | 'down'; peer: PeerState; silentMs: number };

export class ClusterView {
  private readonly peers = new Map<string, PeerState>();
  private sub: Subscription | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(c: PeerChange) => void>();
  /** When any heartbeat (this process's own included) was last heard. */
  private lastHeard = Number.NEGATIVE_INFINITY;

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
    const now = this.now();
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
      lastHeartbeat: now,
      alive,
      suspected: false,
    };
    this.peers.set(hb.actorId, peer);
    this.lastHeard = now;
    const silentMs = prev ? now - prev.lastHeartbeat : 0;
    const wasUp = prev !== undefined && prev.alive && !prev.suspected;
    if (alive && !wasUp) this.notify({ type: 'up', peer, silentMs });
    else if (!alive && prev?.alive) this.notify({ type: 'down', peer, silentMs });
  }

  /**
   * Suspects peers silent for half the window and marks those silent for longer than the window as dead (kill -9
   * sends no goodbye). Each verdict is told once: a peer is suspected once, and down once, until it is heard again.
   * Nobody is suspected or declared down while nobody at all (this process's own actors included) was heard for half
   * the window: that silence is this process's (a long turn of its event loop runs the sweep timer before the
   * heartbeats waiting in the socket, or its connection is down), not its peers'. The truly silent ones are declared
   * at the first sweep after anything is heard again.
   */
  sweep(): void {
    const now = this.now();
    const deaf = now - this.lastHeard > this.deadAfterMs / 2;
    if (deaf) return;
    for (const p of this.peers.values()) {
      if (!p.alive) continue;
      const silentMs = now - p.lastHeartbeat;
      if (silentMs > this.deadAfterMs) {
        p.alive = false;
        p.suspected = false;
        this.notify({ type: 'down', peer: p, silentMs });
      } else if (!p.suspected && silentMs > this.deadAfterMs / 2) {
        p.suspected = true;
        this.notify({ type: 'suspected', peer: p, silentMs });
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
