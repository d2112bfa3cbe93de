// The gateway's GET /status page, in the seed's shape ({node_id, agents: {<id>: {...}}, conversations, cluster_size})
// with more fields an operator needs; the type derives from this schema, and the endpoint's e2e test
// (test/e2e/status-page.test.ts) checks the real answer against it.
import type { FromSchema } from 'json-schema-to-ts';
import { ActorKind, ActorEvent } from './bus.ts';
import { registerSchemas } from './codec.ts';

// recent_replies refers to ActorEvent by $id, so that schema is registered first; and this $id has no `/`, or ajv
// would resolve `cs/event` against it as a relative path (`cs/cs/event`) and every check would throw.
registerSchemas([ActorEvent]);

const isoTime = { type: 'string', format: 'date-time' } as const;
/** An actor's lifecycle as its heartbeats say, or `dead` once they stopped coming. */
const health = { type: 'string', enum: ['starting', 'running', 'draining', 'stopped', 'dead'] } as const;

export const StatusPage = {
  $id: 'cs.status',
  type: 'object',
  additionalProperties: false,
  required: [
    'node_id',
    'timestamp',
    'cluster_size',
    'nats_connected',
    'dry_run',
    'agents',
    'actors',
    'conversations',
    'distinguished_proposer',
    'recent_replies',
  ],
  properties: {
    node_id: { type: 'string' },
    timestamp: isoTime,
    /** Nodes with at least one live actor, from heartbeats. */
    cluster_size: { type: 'integer', minimum: 0 },
    nats_connected: { type: 'boolean' },
    /** No AGENTMAIL_API_KEY: replies go to the dry-run outbox, nothing is sent. */
    dry_run: { type: 'boolean' },
    /** Every agent heard since this gateway started, by actor id. */
    agents: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['status', 'load', 'capacity', 'specializations', 'last_heartbeat', 'node_id'],
        properties: {
          status: health,
          load: { type: 'integer', minimum: 0 },
          capacity: { type: 'integer', minimum: 0 },
          specializations: { type: 'array', items: { type: 'string' } },
          last_heartbeat: isoTime,
          node_id: { type: 'string' },
        },
      },
    },
    /** Every actor heard (all kinds), by actor id. */
    actors: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'status', 'load', 'node_id', 'last_heartbeat'],
        properties: {
          kind: { type: 'string', enum: ActorKind },
          status: health,
          load: { type: 'integer', minimum: 0 },
          node_id: { type: 'string' },
          last_heartbeat: isoTime,
        },
      },
    },
    /** Active conversations (work not yet answered or escalated); null until the count is known. */
    conversations: { type: ['integer', 'null'], minimum: 0 },
    /** The proposer that runs the Paxos fast path: the live one with the lowest id (null when none is alive). */
    distinguished_proposer: { type: ['string', 'null'] },
    /** The latest replies and escalations, newest first. */
    recent_replies: { type: 'array', items: { $ref: ActorEvent.$id } },
  },
} as const;
export type StatusPage = Omit<FromSchema<typeof StatusPage>, 'recent_replies'> & {
  recent_replies: ActorEvent[];
};
