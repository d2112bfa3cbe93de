// The local cluster launcher's state file (`<dir>/cluster.json`): what listens where and every pid; ops tools read it.
import type { FromSchema } from 'json-schema-to-ts';

const url = { type: 'string', minLength: 1 } as const;
const pid = { type: ['integer', 'null'] } as const;

export const ClusterState = {
  $id: 'cs/cluster-state',
  type: 'object',
  additionalProperties: false,
  required: ['dir', 'startedAt', 'split', 'webhookSecretFile', 'acceptors', 'nats', 'nodes'],
  properties: {
    dir: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    split: { type: 'boolean' },
    webhookSecretFile: { type: 'string' },
    acceptors: { type: 'array', items: { type: 'string' } },
    nats: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'url', 'monitor', 'clusterPort', 'pid'],
        properties: {
          name: { type: 'string' },
          url,
          monitor: url,
          clusterPort: { type: ['integer', 'null'] },
          pid,
        },
      },
    },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['nodeId', 'dataDir', 'gateway', 'metrics', 'processes'],
        properties: {
          nodeId: { type: 'string' },
          dataDir: { type: 'string' },
          gateway: { type: ['string', 'null'] },
          /** The metrics page of the process that runs the node's gateway. */
          metrics: { type: ['string', 'null'] },
          processes: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'actors', 'actorIds', 'pid', 'log', 'metrics'],
              properties: {
                name: { type: 'string' },
                actors: { type: 'string' },
                actorIds: { type: 'array', items: { type: 'string' } },
                pid,
                log: { type: 'string' },
                /** This process's own METRICS_PORT page. */
                metrics: url,
              },
            },
          },
        },
      },
    },
  },
} as const;
export type ClusterState = FromSchema<typeof ClusterState>;
