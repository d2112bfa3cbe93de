// Idempotent provisioning of the JetStream streams and KV buckets the system needs; running it twice changes nothing.
import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos, RequestError, TimeoutError } from '@nats-io/nats-core';
import type { Bus } from './bus.ts';
import type { Logger } from '../telemetry/logger.ts';
import { retryWithin } from './retry.ts';
import { patternOf, Subjects } from './subjects.ts';

const day = 24 * 3600_000;

/** Streams: durable mail in, work per agent, the human queue, Paxos decisions, dead letters, the ops events' trail. */
export const Streams = {
  mail: 'MAIL',
  work: 'WORK',
  human: 'HUMAN',
  decisions: 'DECISIONS',
  deadLetter: 'DEADLETTER',
  events: 'EVENTS',
} as const;

/** The stream behind a KV bucket (nats.js names it so). */
export const bucketStream = (bucket: string) => `KV_${bucket}`;

/** KV buckets: learned owners, conversation state, reply intent and outcome keyed by received message id. */
export const Buckets = {
  assignments: 'assignments',
  conversations: 'conversations',
  replies: 'replies',
} as const;

interface StreamSpec {
  name: string;
  subjects: string[];
  maxAgeMs: number;
  retention: RetentionPolicy;
  /** De-duplication window for msgID: AgentMail retries a webhook over hours, the gateway's dedup must cover the fast ones. */
  duplicateWindowMs: number;
  maxMsgsPerSubject?: number;
  maxBytes?: number;
  /** A fixed replica count instead of STATE_REPLICATION_FACTOR, for a stream that holds no state. */
  replicas?: number;
  /** Nothing depends on it: a node starts (and is ready) without it, with a warning, while its one server is away. */
  optional?: boolean;
}

const streamSpecs: StreamSpec[] = [
  {
    name: Streams.mail,
    subjects: [patternOf(Subjects.mailReceived), patternOf(Subjects.mailOther), Subjects.mailUnknown],
    maxAgeMs: 7 * day,
    retention: RetentionPolicy.Limits,
    duplicateWindowMs: 10 * 60_000,
  },
  {
    name: Streams.work,
    subjects: [patternOf(Subjects.agentWork)],
    maxAgeMs: 7 * day,
    retention: RetentionPolicy.Limits,
    duplicateWindowMs: 10 * 60_000,
  },
  {
    name: Streams.human,
    subjects: [patternOf(Subjects.humanQueue)],
    maxAgeMs: 30 * day,
    retention: RetentionPolicy.Limits,
    duplicateWindowMs: 10 * 60_000,
  },
  {
    name: Streams.decisions,
    subjects: [patternOf(Subjects.paxosDecided)],
    maxAgeMs: 0,
    retention: RetentionPolicy.Limits,
    duplicateWindowMs: 2 * 60_000,
    // One decision per instance is all a learner needs to catch up; older copies are dropped.
    maxMsgsPerSubject: 1,
  },
  {
    name: Streams.deadLetter,
    subjects: [patternOf(Subjects.deadLetter)],
    maxAgeMs: 30 * day,
    retention: RetentionPolicy.Limits,
    duplicateWindowMs: 2 * 60_000,
  },
  {
    // Every ops event as published (core NATS, so no actor waits for it): what `agentmail-ops trace` reads back.
    // A trail, not state: one replica, bounded in age and size, oldest dropped first; losing it loses no mail.
    name: Streams.events,
    subjects: [patternOf(Subjects.events)],
    maxAgeMs: 3 * day,
    maxBytes: 1024 ** 3,
    retention: RetentionPolicy.Limits,
    duplicateWindowMs: 60_000,
    replicas: 1,
    optional: true,
  },
];

export interface ProvisionReport {
  replicas: number;
  created: string[];
  updated: string[];
  unchanged: string[];
}

/** How many JetStream servers the cluster has, from what the server advertises (1 for a lone server). */
function clusterSize(bus: Bus): number {
  return Math.max(1, bus.nc.info?.connect_urls?.length ?? 1);
}

function clampReplicas(wanted: number, servers: number, logger: Logger): number {
  const r = Math.min(wanted, servers);
  if (r < wanted) {
    logger.warn(
      `STATE_REPLICATION_FACTOR ${wanted} is more than the ${servers} NATS server(s): using ${r} replica(s)`,
    );
  }
  return r;
}

function streamConfig(spec: StreamSpec, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: spec.subjects,
    storage: StorageType.File,
    retention: spec.retention,
    num_replicas: spec.replicas ?? replicas,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.duplicateWindowMs),
    discard: DiscardPolicy.Old,
    ...(spec.maxMsgsPerSubject ? { max_msgs_per_subject: spec.maxMsgsPerSubject } : {}),
    ...(spec.maxBytes ? { max_bytes: spec.maxBytes } : {}),
  };
}

function differs(want: Partial<StreamConfig>, have: StreamConfig): boolean {
  return (Object.keys(want) as (keyof StreamConfig)[]).some(
    (k) => JSON.stringify(want[k]) !== JSON.stringify(have[k]),
  );
}

async function ensureStream(
  jsm: JetStreamManager,
  cfg: Partial<StreamConfig> & { name: string },
  report: ProvisionReport,
) {
  try {
    const info = await jsm.streams.info(cfg.name);
    // The replica count of an existing stream is left alone: changing it is an operator's decision.
    const want = { ...cfg, num_replicas: info.config.num_replicas };
    if (differs(want, info.config)) {
      await jsm.streams.update(cfg.name, want);
      report.updated.push(cfg.name);
    } else {
      report.unchanged.push(cfg.name);
    }
  } catch (e) {
    if (!(e instanceof JetStreamApiError) || e.code !== 10059) throw e;
    await jsm.streams.add(cfg);
    report.created.push(cfg.name);
  }
}

async function ensureBucket(bus: Bus, name: string, replicas: number, report: ProvisionReport) {
  const jsm = await bus.jsm();
  try {
    await jsm.streams.info(bucketStream(name));
    report.unchanged.push(bucketStream(name));
  } catch (e) {
    if (!(e instanceof JetStreamApiError) || e.code !== 10059) throw e;
    // allow_direct false: reads go to the leader, so a write is visible to the next read (nats.md §5.6).
    await bus.kvm.create(name, { replicas, history: 5, allow_direct: false });
    report.created.push(bucketStream(name));
  }
}

/** Long enough for a JetStream leader election on 2.9 (4-9 s) and a slow R3 stream creation on a busy machine. */
const provisionRetryMs = 30_000;

/**
 * A stream setup call that timed out, found no responder, or that JetStream answered with 503 (no leader yet)
 * may work when asked again; any other refusal (a bad config, a permission) will not.
 */
export function setupMayRecover(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.status === 503;
  // "No responders": nothing answers $JS.API yet (the server is still starting JetStream). A RequestError may
  // also wrap a permission violation, which asking again would only hide.
  return error instanceof TimeoutError || (error instanceof RequestError && error.isNoResponders());
}

export async function provision(bus: Bus, wantedReplicas: number, logger: Logger): Promise<ProvisionReport> {
  const replicas = clampReplicas(wantedReplicas, clusterSize(bus), logger);
  const jsm = await bus.jsm();
  const report: ProvisionReport = { replicas, created: [], updated: [], unchanged: [] };
  // Each step reads before it writes, so it is safe to repeat after a timeout (a stream may have been created).
  const step = (fn: () => Promise<void>) => retryWithin(provisionRetryMs, fn, setupMayRecover);
  for (const spec of streamSpecs) {
    const ensure = step(() => ensureStream(jsm, streamConfig(spec, replicas), report));
    await (spec.optional
      ? ensure.catch((e: unknown) =>
          logger.warn(`stream ${spec.name} not provisioned, going on without it: ${(e as Error).message}`),
        )
      : ensure);
  }
  for (const name of Object.values(Buckets)) await step(() => ensureBucket(bus, name, replicas, report));
  if (report.created.length || report.updated.length) logger.info('JetStream provisioned', { ...report });
  return report;
}

/** Readiness: every stream and bucket present. */
export async function missingStreams(bus: Bus): Promise<string[]> {
  const jsm = await bus.jsm();
  const names = [
    ...streamSpecs.filter((s) => !s.optional).map((s) => s.name),
    ...Object.values(Buckets).map(bucketStream),
  ];
  const missing: string[] = [];
  for (const n of names) {
    try {
      await jsm.streams.info(n);
    } catch {
      missing.push(n);
    }
  }
  return missing;
}
