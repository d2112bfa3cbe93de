// Pure routing decisions: which agent to propose as a conversation's owner, when to keep or replace an owner, whether a work item is stale,
// whether new mail stays with the person who has its thread.
// Nothing here reads the clock, the bus or the disk: callers pass in what they observed, so every rule has a plain unit test.

/** What a processor knows of one agent, from its heartbeats (ClusterView). */
export interface AgentView {
  actorId: string;
  /** Alive (heartbeats inside the window) and `running` (not draining). */
  available: boolean;
  load: number;
  capacity: number;
  specializations: readonly string[];
}

/**
 * The candidate to propose as owner: among available agents, those with the wanted specialization first (any
 * agent when none has it), then the lowest load/capacity ratio, then the lowest load, then the smallest id,
 * so two processors looking at the same heartbeats propose the same agent.
 */
export function chooseCandidate(
  agents: readonly AgentView[],
  specialization: string | undefined,
): AgentView | undefined {
  const pool = agents.filter((a) => a.available);
  const skilled =
    specialization === undefined ? [] : pool.filter((a) => a.specializations.includes(specialization));
  const among = skilled.length > 0 ? skilled : pool;
  let best: AgentView | undefined;
  for (const a of among) if (best === undefined || better(a, best)) best = a;
  return best;
}

function ratio(a: AgentView): number {
  // A capacity of 0 (not announced) counts as 1, so such an agent is not treated as infinitely free.
  return a.load / Math.max(1, a.capacity);
}

function better(a: AgentView, b: AgentView): boolean {
  const ra = ratio(a);
  const rb = ratio(b);
  if (ra !== rb) return ra < rb;
  if (a.load !== b.load) return a.load < b.load;
  return a.actorId < b.actorId;
}

/** How a processor sees an owner: `unknown` when it has not heard heartbeats long enough to say it is dead. */
export type Liveness = 'alive' | 'dead' | 'unknown';

export type OwnershipPlan =
  /** The learned owner is alive: the conversation stays with it (sticky). */
  | { kind: 'keep'; agentId: string; epoch: number }
  /** No owner yet (epoch 0), or the owner died (next epoch): ask Paxos. */
  | { kind: 'propose'; epoch: number }
  /** Cannot tell yet whether the owner lives: try again shortly rather than steal the conversation. */
  | { kind: 'wait' };

export function planOwnership(
  current: { agentId: string; epoch: number } | undefined,
  liveness: Liveness,
): OwnershipPlan {
  if (current === undefined) return { kind: 'propose', epoch: 0 };
  switch (liveness) {
    case 'alive':
      return { kind: 'keep', agentId: current.agentId, epoch: current.epoch };
    case 'dead':
      return { kind: 'propose', epoch: current.epoch + 1 };
    case 'unknown':
      return { kind: 'wait' };
    default: {
      const never: never = liveness;
      return never;
    }
  }
}

/**
 * Liveness from a heartbeat view. A peer never heard of is `unknown` while the observer is still warming up
 * (it may simply not have heard the first heartbeat yet), and `dead` afterwards.
 */
export function livenessOf(
  peer: { alive: boolean; status: string } | undefined,
  warmedUp: boolean,
): Liveness {
  if (peer === undefined) return warmedUp ? 'dead' : 'unknown';
  // A draining agent finishes what it holds but takes nothing new: for new work it is as good as gone.
  return peer.alive && peer.status === 'running' ? 'alive' : 'dead';
}

/** Which durable record proved that a delivery's email was already handled. */
export type DeliveryMatch = 'reply-record' | 'conversation';

/**
 * Whether a delivery of a received email is one the system already handled, judged from durable records only:
 * the message's reply record (written before any send or at escalation, so it exists once an agent acted on it),
 * else the conversation listing the message as routed and settled. A message still pending in its conversation
 * is routed again: same epoch, same work msgID, so the work stream keeps one copy.
 */
export function recognizeDelivery(
  messageId: string,
  replyRecord: { status: string } | undefined,
  conversation: { messageIds: readonly string[]; pending: readonly { messageId: string }[] } | undefined,
): DeliveryMatch | undefined {
  if (replyRecord !== undefined) return 'reply-record';
  if (
    conversation?.messageIds.includes(messageId) &&
    !conversation.pending.some((p) => p.messageId === messageId)
  )
    return 'conversation';
  return undefined;
}
