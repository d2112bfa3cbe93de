// Configuration from environment variables (and the BUSINESS_CONFIG file they may name), validated once at start;
// it must not read anything else.
import { readFileSync } from 'node:fs';
import { check } from '../../schemas/codec.ts';
import { createError } from '../../schemas/errors.ts';
import { LogLevel } from '../../telemetry/logger.ts';
import { deriveTimeouts, type Timeouts } from './timeouts.ts';
import type { NatsAuth, NatsSecurity } from '../../bus/nats-auth.ts';
import { adminTokenPattern, adminTokenRule } from '../../schemas/admin-token.ts';
import { hostname } from 'node:os';
import {
  DEFAULT_SPECIALIZATIONS,
  parseSpecializations,
  SpecializationsConfigError,
  type SpecializationMap,
} from '../../schemas/specializations.ts';

/** A bad environment variable: the process prints `message` as one line and exits with code 2. */
export class ConfigError extends createError('CONFIG_INVALID', 'ConfigError', { retryable: false }) {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${variable} must be ${expected} (got ${JSON.stringify(got)})`);
  }
}

export interface Config {
  nodeId: string;
  /** NATS servers, from CLUSTER_NODES (comma-separated) or NATS_URL. */
  natsServers: string[];
  /** How this process authenticates to NATS (NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_NKEY_SEED_FILE, NATS_CREDS_FILE) and its TLS files. */
  natsSecurity: NatsSecurity;
  /** ADMIN_TOKEN: the bearer token for /status, the status page and admin endpoints; unset: one kept in DATA_DIR. */
  adminToken: string | undefined;
  paxosTimeoutMs: number;
  healthCheckIntervalMs: number;
  stateReplicationFactor: number;
  gatewayPort: number;
  /** Interface the gateway listens on; 0.0.0.0 so AgentMail (through a proxy) can reach it. */
  gatewayHost: string;
  /** Largest webhook body accepted (WEBHOOK_MAX_BYTES); AgentMail caps payloads at 1 MB, so 1 MiB plus headroom. */
  webhookMaxBytes: number;
  metricsPort: number;
  logLevel: LogLevel;
  agentmailApiKey: string | undefined;
  agentmailBaseUrl: string | undefined;
  agentmailWebhookSecret: string | undefined;
  openai: { apiKey: string; baseUrl: string | undefined; model: string } | undefined;
  /** OPENAI_TIMEOUT: one deadline for a model classification, retries included (at most 30 s). */
  openaiTimeoutMs: number;
  /** Every deadline derived from PAXOS_TIMEOUT and OPENAI_TIMEOUT, nested as timeouts.ts asserts. */
  timeouts: Timeouts;
  /** Paxos acceptor ids of the whole cluster (PAXOS_ACCEPTORS); unset means the acceptors this process runs. */
  acceptorIds: string[] | undefined;
  /** Multi-Paxos leader fast path (PAXOS_FAST_PATH); safety never depends on it. */
  paxosFastPath: boolean;
  dataDir: string;
  /** AGENT_SPECIALIZATIONS: specialization -> topics; agents take the keys round-robin by index. */
  agentSpecializations: SpecializationMap;
  /** VIP_DOMAINS: sender domains whose mail is raised one priority level. */
  vipDomains: string[];
  /** ESCALATE_REFUND_ABOVE: refund requests above this amount go to a person. */
  escalateRefundAbove: number;
  /** SENDER_RATE_LIMIT `<count>/<s|m|h|d>`: answered mails per sender per window (per processor). */
  senderRateLimit: { max: number; windowMs: number };
  /** KNOWLEDGE_BASE_DIR: the Markdown folder the responders answer from. */
  knowledgeBaseDir: string;
  /** AGENT_CAPACITY: work items one agent handles at once (its heartbeat capacity). */
  agentCapacity: number;
  /** ESCALATION_ACK: text sent to a customer whose mail went to a person; unset means none is sent. */
  escalationAck: string | undefined;
  /** The business answered for: no brand is written in code, it all comes from here. */
  business: BusinessConfig;
}

export interface BusinessConfig {
  /** COMPANY_NAME: named in sign-offs and the model's rules; unset means neutral wording, no brand. */
  readonly companyName: string | undefined;
  /** REPLY_SIGNATURE: ends every reply verbatim; unset means "<regards>,\n<company> Support" in the reply's language. */
  readonly signature: string | undefined;
  /** SUPPORT_ADDRESSES: the addresses replies go out from; mail from them is never answered (a loop). */
  readonly supportAddresses: readonly string[];
  /** AGENT_ROSTER: agent id -> its specializations; an agent not listed takes the map's keys round-robin. */
  readonly roster: Readonly<Record<string, readonly string[]>>;
}

const address = {
  type: 'string',
  pattern: '^[^\\s@<>,]+@[^\\s@<>,]+\\.[^\\s@<>,]+$',
  maxLength: 254,
} as const;
const rosterSchema = {
  type: 'object',
  propertyNames: { pattern: '^[A-Za-z0-9_-]{1,200}$' },
  additionalProperties: {
    type: 'array',
    minItems: 1,
    maxItems: 16,
    items: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' },
  },
} as const;

/**
 * The BUSINESS_CONFIG file: the keys of the evaluation's business.json (snake_case). `name`, `industry`,
 * `languages`, `currency` and `handled_by_a_person` describe the business for people and are not read: what the
 * responder obeys is what the knowledge base itself says a person handles.
 */
export const businessFileSchema = {
  $id: 'cs.runtime.business-file',
  type: 'object',
  additionalProperties: false,
  properties: {
    company_name: { type: 'string', minLength: 1, maxLength: 100 },
    signature: { type: 'string', minLength: 1, maxLength: 1000 },
    support_addresses: { type: 'array', maxItems: 50, items: address },
    refund_limit: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
    specializations: { type: 'object' },
    agent_roster: rosterSchema,
    name: { type: 'string' },
    industry: { type: 'string' },
    languages: { type: 'array', items: { type: 'string' } },
    currency: { type: 'string' },
    handled_by_a_person: { type: 'array', items: { type: 'string' } },
  },
} as const;

interface BusinessFile {
  company_name?: string;
  signature?: string;
  support_addresses?: string[];
  refund_limit?: number;
  specializations?: object;
  agent_roster?: Record<string, string[]>;
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  }
  return n;
}

/** Seconds in the seed's table (PAXOS_TIMEOUT=5, HEALTH_CHECK_INTERVAL=10); fractions allowed. */
function seconds(env: Env, name: string, fallbackSeconds: number, maxSeconds: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackSeconds * 1000;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || n <= 0 || n > maxSeconds) {
    throw new ConfigError(name, `a number of seconds above 0 and at most ${maxSeconds}`, raw);
  }
  return Math.round(n * 1000);
}

function natsUrl(name: string, raw: string): string {
  const url = raw.includes('://') ? raw : `nats://${raw}`;
  try {
    const u = new URL(url);
    if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(u.protocol) || u.hostname === '') throw new Error();
  } catch {
    throw new ConfigError(name, 'a comma-separated list of NATS URLs like nats://127.0.0.1:4222', raw);
  }
  return url;
}

function httpUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(name, 'an http(s) URL', raw);
  }
  return raw;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, 'true or false', raw);
}

const periods: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function rateLimitOf(env: Env): { max: number; windowMs: number } {
  const raw = text(env, 'SENDER_RATE_LIMIT', '20/h');
  const m = /^\s*(\d{1,6})\s*\/\s*([smhd])\s*$/.exec(raw);
  if (!m)
    throw new ConfigError('SENDER_RATE_LIMIT', 'a count per period like 20/h (period s, m, h or d)', raw);
  return { max: Number(m[1]), windowMs: periods[m[2]!]! };
}

/** A variable set in the environment wins over its BUSINESS_CONFIG field; errors name whichever one was read. */
function envOverFile(env: Env, name: string, field: string): { variable: string; raw: string | undefined } {
  const raw = env[name];
  return raw !== undefined && raw.trim() !== ''
    ? { variable: name, raw }
    : { variable: `BUSINESS_CONFIG ${field}`, raw: undefined };
}

function specializationsOf(env: Env, file: BusinessFile): SpecializationMap {
  const { variable, raw } = envOverFile(env, 'AGENT_SPECIALIZATIONS', 'specializations');
  if (raw === undefined && file.specializations === undefined) return DEFAULT_SPECIALIZATIONS;
  const json = raw ?? JSON.stringify(file.specializations);
  try {
    return parseSpecializations(json, variable);
  } catch (e) {
    if (e instanceof SpecializationsConfigError)
      throw new ConfigError(variable, `a JSON map of specialization -> [topics] (${e.message})`, json);
    throw e;
  }
}

/** BUSINESS_CONFIG: the JSON file it names, validated against businessFileSchema; unset means an empty one. */
function businessFileOf(env: Env, read: (path: string) => string): BusinessFile {
  const path = env['BUSINESS_CONFIG'];
  if (path === undefined || path.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(read(path));
  } catch (e) {
    throw new ConfigError('BUSINESS_CONFIG', `a readable JSON file (${(e as Error).message})`, path);
  }
  const r = check<BusinessFile>(businessFileSchema, value);
  if (!r.ok)
    throw new ConfigError(
      'BUSINESS_CONFIG',
      `a business file whose ${r.failure.instancePath} ${r.failure.reason}`,
      path,
    );
  return r.value;
}

function rosterOf(env: Env, file: BusinessFile, map: SpecializationMap): BusinessConfig['roster'] {
  const { variable, raw } = envOverFile(env, 'AGENT_ROSTER', 'agent_roster');
  let value: unknown = file.agent_roster ?? {};
  if (raw !== undefined) {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ConfigError(variable, 'a JSON map of agent id -> [specializations]', raw);
    }
  }
  const r = check<Record<string, string[]>>(rosterSchema, value);
  if (!r.ok)
    throw new ConfigError(variable, 'a JSON map of agent id -> [specializations]', JSON.stringify(value));
  for (const [agent, specs] of Object.entries(r.value)) {
    const unknown = specs.find((spec) => !Object.hasOwn(map, spec));
    if (unknown !== undefined)
      throw new ConfigError(
        variable,
        `specializations of the map (${Object.keys(map).join(', ')})`,
        `${agent}: ${unknown}`,
      );
  }
  return r.value;
}

function businessOf(env: Env, file: BusinessFile, map: SpecializationMap): BusinessConfig {
  const addresses = env['SUPPORT_ADDRESSES'];
  const supportAddresses =
    addresses !== undefined && addresses.trim() !== ''
      ? list(addresses).map((a) => {
          if (!check(address, a).ok)
            throw new ConfigError(
              'SUPPORT_ADDRESSES',
              'a comma-separated list of addresses like support@example.com',
              a,
            );
          return a;
        })
      : (file.support_addresses ?? []);
  const signature = env['REPLY_SIGNATURE'] ? env['REPLY_SIGNATURE'].replace(/\\n/g, '\n') : file.signature;
  if (signature !== undefined && signature.length > 1000)
    throw new ConfigError('REPLY_SIGNATURE', 'a text of at most 1000 characters', signature.slice(0, 40));
  const companyName = text(env, 'COMPANY_NAME', file.company_name ?? '').trim();
  if (companyName.length > 100 || /[\r\n]/.test(companyName))
    throw new ConfigError('COMPANY_NAME', 'one line of at most 100 characters', companyName.slice(0, 40));
  return {
    companyName: companyName === '' ? undefined : companyName,
    signature,
    supportAddresses: supportAddresses.map((a) => a.toLowerCase()),
    roster: rosterOf(env, file, map),
  };
}

// A bare "true" asks for the built-in wording rather than sending the word "true" to a customer.
const defaultEscalationAck =
  'Thank you for your message. A member of our team will get back to you personally as soon as possible.';

function escalationAckOf(env: Env): string | undefined {
  const raw = env['ESCALATION_ACK']?.trim();
  if (raw === undefined || raw === '' || /^(0|false|no|off)$/i.test(raw)) return undefined;
  if (/^(1|true|yes|on)$/i.test(raw)) return defaultEscalationAck;
  if (raw.length > 5_000)
    throw new ConfigError('ESCALATION_ACK', 'a text of at most 5000 characters', raw.slice(0, 40));
  return raw;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** One authentication method at most: nats-server takes one per connection, and two set is a mistake to say out loud. */
function natsAuthOf(env: Env): NatsAuth {
  const set = (name: string) => (env[name] ?? '') !== '';
  const methods = [
    set('NATS_USER') || set('NATS_PASSWORD') ? 'NATS_USER' : undefined,
    set('NATS_TOKEN') ? 'NATS_TOKEN' : undefined,
    set('NATS_NKEY_SEED_FILE') ? 'NATS_NKEY_SEED_FILE' : undefined,
    set('NATS_CREDS_FILE') ? 'NATS_CREDS_FILE' : undefined,
  ].filter((m) => m !== undefined);
  if (methods.length > 1)
    throw new ConfigError(
      methods[1]!,
      `unset when ${methods[0]} is set (one NATS authentication method)`,
      '<redacted>',
    );
  switch (methods[0]) {
    case undefined:
      return { method: 'none' };
    case 'NATS_USER':
      if (!set('NATS_USER')) throw new ConfigError('NATS_USER', 'set when NATS_PASSWORD is', '');
      if (!set('NATS_PASSWORD')) throw new ConfigError('NATS_PASSWORD', 'set when NATS_USER is', '');
      return { method: 'user', user: env['NATS_USER']!, pass: env['NATS_PASSWORD']! };
    case 'NATS_TOKEN':
      return { method: 'token', token: env['NATS_TOKEN']! };
    case 'NATS_NKEY_SEED_FILE':
      return { method: 'nkey', seedFile: env['NATS_NKEY_SEED_FILE']! };
    default:
      return { method: 'creds', credsFile: env['NATS_CREDS_FILE']! };
  }
}

function natsSecurityOf(env: Env, servers: string[]): NatsSecurity {
  const caFile = text(env, 'NATS_TLS_CA_FILE', '');
  const certFile = text(env, 'NATS_TLS_CERT_FILE', '');
  const keyFile = text(env, 'NATS_TLS_KEY_FILE', '');
  if ((certFile === '') !== (keyFile === ''))
    throw new ConfigError(
      certFile === '' ? 'NATS_TLS_CERT_FILE' : 'NATS_TLS_KEY_FILE',
      'set together with the other of NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE',
      '',
    );
  const enabled =
    flag(env, 'NATS_TLS', false) ||
    caFile !== '' ||
    certFile !== '' ||
    servers.some((s) => s.startsWith('tls:'));
  return {
    auth: natsAuthOf(env),
    tls: {
      enabled,
      ...(caFile ? { caFile } : {}),
      ...(certFile ? { certFile, keyFile } : {}),
    },
  };
}

function adminTokenOf(env: Env): string | undefined {
  const raw = env['ADMIN_TOKEN'];
  if (raw === undefined || raw === '') return undefined;
  if (!adminTokenPattern.test(raw)) throw new ConfigError('ADMIN_TOKEN', adminTokenRule, '<redacted>');
  return raw;
}

/** Where NATS is and how to prove who we are to it: the part of the configuration an ops tool shares with the nodes. */
export function loadNatsSettings(env: Env = process.env): Pick<Config, 'natsServers' | 'natsSecurity'> {
  const serversRaw = text(env, 'CLUSTER_NODES', text(env, 'NATS_URL', 'nats://127.0.0.1:4222'));
  const serverVar = env['CLUSTER_NODES'] ? 'CLUSTER_NODES' : 'NATS_URL';
  const natsServers = list(serversRaw).map((s) => natsUrl(serverVar, s));
  if (natsServers.length === 0) throw new ConfigError(serverVar, 'at least one NATS URL', serversRaw);
  return { natsServers, natsSecurity: natsSecurityOf(env, natsServers) };
}

/** `read` reads the BUSINESS_CONFIG file (tests pass their own); nothing else is read. */
export function loadConfig(
  env: Env = process.env,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Config {
  const file = businessFileOf(env, read);
  const agentSpecializations = specializationsOf(env, file);
  const nodeId = text(
    env,
    'NODE_ID',
    hostname()
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 64) || 'node-1',
  );
  if (!idPattern.test(nodeId))
    throw new ConfigError('NODE_ID', 'letters, digits, - or _ (1-64 chars)', nodeId);

  const { natsServers, natsSecurity } = loadNatsSettings(env);

  const logLevel = text(env, 'LOG_LEVEL', 'info').toLowerCase();
  if (!(LogLevel as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `one of ${LogLevel.join(', ')}`, logLevel);
  }

  const webhookSecret = env['AGENTMAIL_WEBHOOK_SECRET'] || undefined;
  if (webhookSecret !== undefined && !/^whsec_[A-Za-z0-9+/=]{16,}$/.test(webhookSecret)) {
    throw new ConfigError('AGENTMAIL_WEBHOOK_SECRET', 'a Svix secret starting with whsec_', '<redacted>');
  }

  const openaiKey = env['OPENAI_API_KEY'] || undefined;
  const acceptorIds = env['PAXOS_ACCEPTORS'] ? list(env['PAXOS_ACCEPTORS']) : undefined;
  for (const id of acceptorIds ?? []) {
    if (!idPattern.test(id))
      throw new ConfigError('PAXOS_ACCEPTORS', 'a comma-separated list of actor ids', id);
  }

  const paxosTimeoutMs = seconds(env, 'PAXOS_TIMEOUT', 5, 600);
  const openaiTimeoutMs = seconds(env, 'OPENAI_TIMEOUT', 10, 30);
  return {
    nodeId,
    natsServers,
    natsSecurity,
    adminToken: adminTokenOf(env),
    paxosTimeoutMs,
    healthCheckIntervalMs: seconds(env, 'HEALTH_CHECK_INTERVAL', 10, 3600),
    stateReplicationFactor: integer(env, 'STATE_REPLICATION_FACTOR', 3, 1, 5),
    gatewayPort: integer(env, 'FLASK_PORT', 5000, 0, 65535),
    gatewayHost: text(env, 'GATEWAY_HOST', '0.0.0.0'),
    webhookMaxBytes: integer(env, 'WEBHOOK_MAX_BYTES', 1024 * 1024 + 64 * 1024, 1024, 64 * 1024 * 1024),
    metricsPort: integer(env, 'METRICS_PORT', 8000, 0, 65535),
    logLevel: logLevel as LogLevel,
    agentmailApiKey: env['AGENTMAIL_API_KEY'] || undefined,
    agentmailBaseUrl: httpUrl(env, 'AGENTMAIL_BASE_URL'),
    agentmailWebhookSecret: webhookSecret,
    openai: openaiKey
      ? {
          apiKey: openaiKey,
          baseUrl: httpUrl(env, 'OPENAI_BASE_URL'),
          model: text(env, 'OPENAI_MODEL', 'gpt-4o-mini'),
        }
      : undefined,
    openaiTimeoutMs,
    timeouts: deriveTimeouts({ openaiTimeoutMs, paxosTimeoutMs }),
    acceptorIds,
    paxosFastPath: flag(env, 'PAXOS_FAST_PATH', true),
    dataDir: text(env, 'DATA_DIR', '.data'),
    agentSpecializations,
    vipDomains: list(text(env, 'VIP_DOMAINS', '')).map((d) => {
      if (!/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(d))
        throw new ConfigError('VIP_DOMAINS', 'a comma-separated list of domains like example.com', d);
      return d.toLowerCase();
    }),
    escalateRefundAbove: integer(env, 'ESCALATE_REFUND_ABOVE', file.refund_limit ?? 100, 0, 1_000_000_000),
    senderRateLimit: rateLimitOf(env),
    knowledgeBaseDir: text(env, 'KNOWLEDGE_BASE_DIR', 'knowledge-base'),
    agentCapacity: integer(env, 'AGENT_CAPACITY', 16, 1, 256),
    escalationAck: escalationAckOf(env),
    business: businessOf(env, file, agentSpecializations),
  };
}
