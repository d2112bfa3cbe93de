// The process's one prom-client registry and the metrics shared by every actor kind; no actor creates its own registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

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
