// The chaos history: one JSON line per thing that happened in a run, as the runner saw it; plain data, no logic.
// Times are ms since the epoch, from the runner's clock (one process), so they compare with each other.

/** One attempt to deliver a webhook (AgentMail's delivery retries the same svix-id). */
export interface DeliveryAttempt {
  kind: 'delivery';
  t: number;
  svixId: string;
  messageId: string;
  threadId: string;
  gateway: string;
  attempt: number;
  /** HTTP status, or 0 when the connection failed (refused, reset, timed out). */
  status: number;
}

/** One request the fake AgentMail received on the reply route, answered or not. */
export interface AgentMailRequest {
  kind: 'agentmail-request';
  t: number;
  messageId: string;
  idempotencyKey: string | null;
  /** The agent that sent it, from its own API key (the launcher gives each agent process one); null if unknown. */
  agent: string | null;
  status: number | null;
}

/** An email the fake AgentMail actually sent (at most one per idempotency key). */
export interface Sent {
  kind: 'sent';
  t: number;
  /** The received message it answers. */
  messageId: string;
  idempotencyKey: string | null;
}

/** A decided owner, as one learner published it on the DECISIONS stream's subject. */
export interface Decision {
  kind: 'decision';
  t: number;
  instance: string;
  agentId: string;
  epoch: number | null;
  /** The learner that published it (`from`), or `stream` for the stored record read at the end. */
  learner: string;
}

/** An actor event (cs.events.*) the outcome depends on. */
export interface ActorEventRecord {
  kind: 'event';
  t: number;
  event: string;
  actorId: string;
  messageId: string | null;
  threadId: string | null;
  epoch: number | null;
  reason: string | null;
  /** The agent a conversation moved away from (`conversation.reassigned`). */
  from: string | null;
}

/** Something the runner did to the cluster. */
export interface Fault {
  kind: 'fault';
  t: number;
  action: 'kill' | 'restart' | 'pause' | 'resume';
  target: string;
  /** The actor kind, or `nats-server`. */
  what: string;
}

export interface RunMark {
  kind: 'run';
  t: number;
  phase: 'start' | 'load-done' | 'end';
  scenario: string;
  seed: number;
}

export type HistoryEntry =
  DeliveryAttempt | AgentMailRequest | Sent | Decision | ActorEventRecord | Fault | RunMark;
