// The process's one prom-client registry and every metric name an operator reads; no actor creates its own registry.
// Several actors in one process share these series: per-actor values carry an actor_id label, process-wide ones
// (health, queue depths, active conversations) are computed once per scrape from what each node adds here.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

// --- The seed's six names, with the seed's meaning. ---
// webhook_requests_total{event_type,status} and webhook_processing_duration_seconds{event_type,status} are made by
// the gateway's HTTP app on the registry it is given (gateway/app.ts: webhookMetrics), so a test can give its own.

/**
 * What one node (or one gateway of it) contributes to the process-wide values. A process may run several nodes (tests
 * do): each adds its own and removes them when it stops, so no node's value stands in for another's or outlives it.
 */
export interface MetricSources {
  /** Is this node healthy: connected to NATS, every actor running. */
  health?: () => boolean;
  /** Conversations with unsettled work, cluster-wide (from the `conversations` bucket). */
  activeConversations?: () => number | undefined;
  /** Stream depths and consumer lags, read from JetStream at scrape time. */
  jetstream?: () => Promise<JetStreamCensus>;
}

export interface JetStreamCensus {
  streams: { name: string; messages: number }[];
  consumers: { stream: string; name: string; pending: number; ackPending: number }[];
}

const sources = new Set<MetricSources>();

/** Adds `s` to this process's sources until the returned function is called (at the stop of what added it). */
export function addMetricSources(s: MetricSources): () => void {
  const own = { ...s };
  sources.add(own);
  return () => void sources.delete(own);
}

/** The process is healthy when it runs at least one node and every node it runs is healthy. */
export function processHealthy(): boolean {
  const checks = [...sources].flatMap((s) => (s.health ? [s.health] : []));
  return checks.length > 0 && checks.every((healthy) => healthy());
}

// Active conversations and the JetStream census are the cluster's: the same whichever node of the process reads them.

/** Active conversations from the first gateway of the process that knows them. */
function activeConversationCount(): number | undefined {
  for (const s of sources) {
    const n = s.activeConversations?.();
    if (n !== undefined) return n;
  }
  return undefined;
}

export const activeConversations = new Gauge({
  name: 'active_conversations_total',
  help: 'Conversations with work not yet answered or escalated, cluster-wide; 0 where no gateway has counted them (take the max)',
  registers: [registry],
  collect() {
    const n = activeConversationCount();
    if (n === undefined) this.reset();
    else this.set(n);
  },
});

export const agentAssignmentsTotal = new Counter({
  name: 'agent_assignments_total',
  help: 'Conversation owners decided by Paxos and first recorded by this process, by specialization',
  labelNames: ['specialization'] as const,
  registers: [registry],
});

// consensus_operations_total{phase,result} is the Paxos wire's (actors/consensus/wire.ts), on this registry.

export const systemHealth = new Gauge({
  name: 'system_health_status',
  help: '1 while every node of this process is connected to NATS and has every actor running, else 0',
  registers: [registry],
  collect() {
    this.set(processHealthy() ? 1 : 0);
  },
});

// --- What an operator needs beyond them. ---

export const webhookToReplySeconds = new Histogram({
  name: 'webhook_to_reply_seconds',
  help: 'From the gateway receiving the webhook to the reply sent (or escalated), by outcome',
  labelNames: ['outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
  registers: [registry],
});

let censusInFlight: Promise<JetStreamCensus | undefined> | undefined;
/** One JetStream census per scrape: the gauges below collect together, and share the one in flight. */
function census(): Promise<JetStreamCensus | undefined> {
  const source = [...sources].find((s) => s.jetstream)?.jetstream;
  if (!source) return Promise.resolve(undefined);
  censusInFlight ??= source()
    .catch(() => undefined)
    .finally(() => (censusInFlight = undefined));
  return censusInFlight;
}

export const streamMessages = new Gauge({
  name: 'jetstream_stream_messages',
  help: 'Messages held by each stream (queue depth; processes with a gateway report it)',
  labelNames: ['stream'] as const,
  registers: [registry],
  async collect() {
    const c = await census();
    this.reset();
    for (const s of c?.streams ?? []) this.set({ stream: s.name }, s.messages);
  },
});

export const consumerPending = new Gauge({
  name: 'jetstream_consumer_pending_messages',
  help: 'Messages of a stream a durable consumer has not been delivered yet (its lag)',
  labelNames: ['stream', 'consumer'] as const,
  registers: [registry],
  async collect() {
    const c = await census();
    this.reset();
    for (const x of c?.consumers ?? []) this.set({ stream: x.stream, consumer: x.name }, x.pending);
  },
});

export const consumerAckPending = new Gauge({
  name: 'jetstream_consumer_ack_pending_messages',
  help: 'Messages delivered to a durable consumer and not acknowledged yet (in flight)',
  labelNames: ['stream', 'consumer'] as const,
  registers: [registry],
  async collect() {
    const c = await census();
    this.reset();
    for (const x of c?.consumers ?? []) this.set({ stream: x.stream, consumer: x.name }, x.ackPending);
  },
});

export const redeliveriesTotal = new Counter({
  name: 'bus_redeliveries_total',
  help: 'Durable messages this process received again (a consumer died, a nak, an ack wait ran out), by contract',
  labelNames: ['contract'] as const,
  registers: [registry],
});

export const replyFailuresTotal = new Counter({
  name: 'reply_failures_total',
  help: 'Failed reply sends to AgentMail by HTTP status (0: no answer) and whether they are retried',
  labelNames: ['status', 'retried'] as const,
  registers: [registry],
});

export const escalationsTotal = new Counter({
  name: 'escalations_total',
  help: 'Emails handed to a person instead of answered, by reason (thread-with-person: new mail of a held thread)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const duplicateDeliveriesTotal = new Counter({
  name: 'mail_duplicate_deliveries_total',
  help: 'Deliveries of an email already handled (a webhook sent again, a redelivery), not started over, by what matched',
  labelNames: ['matched'] as const,
  registers: [registry],
});

export const mailSkippedTotal = new Counter({
  name: 'mail_skipped_total',
  help: 'Received emails deliberately not answered (auto-replies, bounces, rate limit...), by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const ownerDecisionsTotal = new Counter({
  name: 'owner_decisions_total',
  help: 'Owner lookups by processors, by outcome: kept (the live learned owner), decided (a new epoch by Paxos), waiting',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

// --- Plumbing. ---

export const busMessagesTotal = new Counter({
  name: 'bus_messages_total',
  help: 'Messages handled from the bus, by contract and result (ok, error, invalid; ack, nak, term for durable ones)',
  labelNames: ['contract', 'result'] as const,
  registers: [registry],
});

export const invalidMessagesTotal = new Counter({
  name: 'bus_invalid_messages_total',
  help: 'Messages that failed their schema, by contract',
  labelNames: ['contract'] as const,
  registers: [registry],
});

export const actorLoad = new Gauge({
  name: 'actor_load',
  help: 'Work items in flight per actor',
  labelNames: ['actor_id', 'actor_kind'] as const,
  registers: [registry],
});

export const natsConnected = new Gauge({
  name: 'nats_connected',
  help: '1 while the NATS connection is up',
  registers: [registry],
});

export const handlerSeconds = new Histogram({
  name: 'actor_handler_seconds',
  help: 'Time to handle one bus message, by contract',
  labelNames: ['contract'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const natsPermissionDeniedTotal = new Counter({
  name: 'nats_permission_denied_total',
  help: 'Publishes and subscriptions the NATS server refused for lack of permission, by operation',
  labelNames: ['operation'] as const,
  registers: [registry],
});
