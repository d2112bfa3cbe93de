// The gateway actor: AgentMail's webhooks in through the HTTP app, out as durable JetStream messages; nothing else.
// It answers 2xx only after JetStream acknowledged the write, so an acknowledged email is never lost.
import type { FastifyInstance } from 'fastify';
import type { Subscription } from '@nats-io/transport-node';
import { SinkUnavailableError } from './errors.ts';
import { buildGatewayApp, DEFAULT_PUBLISH_TIMEOUT_MS, type Readiness, type WebhookSink } from './app.ts';
import type { VerifiedWebhook } from './webhook.ts';
import { loadOrCreateWebhookSecret } from './webhook-secret.ts';
import { loadOrCreateAdminToken } from './admin-token.ts';
import { STATUS_PAGE_PATH, type LiveFeed } from './status-page.ts';
import { contracts } from '../bus/contracts.ts';
import { addMetricSources, registry } from '../telemetry/metrics.ts';
import { missingStreams } from '../bus/provision.ts';
import type { Bus } from '../bus/bus.ts';
import { ActorKind, type ActorEvent, type EventName } from '../schemas/bus.ts';
import type { StatusPage } from '../schemas/status.ts';
import { ClusterView, distinguishedProposer, type PeerState } from '../actors/runtime/cluster-view.ts';
import { ConversationCensus } from '../actors/conversation/conversation-census.ts';
import { Actor } from '../actors/runtime/actor.ts';

/** Publishes each verified webhook to its subject on the MAIL stream, with the svix-id as msgID. */
export function mailSink(bus: Bus, timeoutMs: number): WebhookSink {
  return {
    async publish(event: VerifiedWebhook, msgId: string) {
      const delivery = {
        svixId: event.svixId,
        eventId: event.eventId,
        eventType: event.eventType,
        receivedAt: event.receivedAt,
      };
      const opts = { msgID: msgId, retryForMs: timeoutMs, coalesce: true };
      try {
        if (event.kind === 'received' && event.eventType === 'message.received') {
          await bus.jsPublish(
            contracts.mailReceived,
            { inbox: event.payload.message.inbox_id },
            { type: 'mail-received', ...delivery, payload: event.payload },
            opts,
          );
        } else if (event.kind === 'unknown') {
          await bus.jsPublish(
            contracts.mailUnknown,
            {},
            { type: 'mail-event', kind: event.kind, ...delivery, payload: event.payload },
            opts,
          );
        } else {
          // Spam/blocked/unauthenticated mail is flagged by AgentMail: recorded for ops, never answered automatically.
          const eventType = event.eventType.replaceAll('.', '_');
          await bus.jsPublish(
            contracts.mailOther,
            { eventType },
            { type: 'mail-event', kind: event.kind, ...delivery, payload: event.payload },
            opts,
          );
        }
      } catch (e) {
        throw new SinkUnavailableError((e as Error).message, { cause: e });
      }
    },
  };
}

const recentLimit = 50;
/** What /status lists as recent replies: what became of a reply, not the draft before it (reply.drafted). */
const replyOutcomes = new Set<EventName>([
  'reply.sent',
  'reply.dry-run',
  'reply.failed',
  'reply.retry',
  'reply.already-done',
  'escalation.queued',
  'escalation.failed',
]);
/** The status page's event feed runs while someone polls it, and this long after the last poll. */
const eventWatchMs = 30_000;

export class GatewayActor extends Actor {
  readonly kind = 'gateway' as const;
  private app: FastifyInstance | undefined;
  private view: ClusterView | undefined;
  private inFlight = 0;
  /** Recent replies and escalations from the agents' events, for /status (dry-run replies are visible there). */
  private readonly recent: ActorEvent[] = [];
  private readonly census = new ConversationCensus();
  private removeMetricSources: (() => void) | undefined;
  private readinessCache: { at: number; value: Readiness } | undefined;
  /** Every kind's events for the status page, subscribed only while the page is watched (they can be thousands/s). */
  private eventWatch: { subs: Subscription[]; until: number; timer: NodeJS.Timeout } | undefined;
  private readonly events: ActorEvent[] = [];
  url = '';

  load(): number {
    return this.inFlight;
  }

  protected async onStart(): Promise<void> {
    const { config, bus } = this.ctx;
    const secret = await loadOrCreateWebhookSecret(config.dataDir, config.agentmailWebhookSecret);
    if (secret.created) this.log.info(`no AGENTMAIL_WEBHOOK_SECRET: made one and saved it in ${secret.path}`);
    else if (secret.path) this.log.info(`webhook secret from ${secret.path}`);
    const admin = await loadOrCreateAdminToken(config.dataDir, config.adminToken);
    if (admin.created) this.log.info(`no ADMIN_TOKEN: made one and saved it in ${admin.path}`);
    else if (admin.path) this.log.info(`admin token from ${admin.path}`);

    this.view = new ClusterView(config.healthCheckIntervalMs);
    this.view.start(bus, this.reportInvalid);
    await this.census.start(bus);
    this.removeMetricSources = addMetricSources({ activeConversations: () => this.census.count() });
    this.handle(contracts.events, { kind: 'agent' }, (e) => {
      if (!replyOutcomes.has(e.event)) return;
      this.recent.unshift(e);
      this.recent.length = Math.min(this.recent.length, recentLimit);
    });

    // The bus's retries end (and their error becomes the 503) before the app's own publish timeout cuts them off.
    const sink = mailSink(bus, DEFAULT_PUBLISH_TIMEOUT_MS - 2_000);
    const counted: WebhookSink = {
      publish: async (event, msgId) => {
        this.inFlight++;
        try {
          await sink.publish(event, msgId);
        } finally {
          this.inFlight--;
        }
        this.accepted(event);
      },
    };
    this.app = buildGatewayApp({
      sink: counted,
      secret: secret.secret,
      nodeId: config.nodeId,
      bodyLimitBytes: config.webhookMaxBytes,
      readiness: () => this.readiness(),
      status: () => this.statusPage(),
      adminToken: admin.secret,
      live: () => this.liveFeed(),
      registry,
      logger: this.log,
    });
    this.url = await this.app.listen({ port: config.gatewayPort, host: config.gatewayHost });
    this.log.info(
      `gateway listening on ${this.url} (POST /webhook/agentmail, GET /health, /status, /metrics); status page ${this.url}${STATUS_PAGE_PATH} (admin token)`,
    );
  }

  /** The first step of an email's story: durable on MAIL (the JetStream ack came), so it gets its 2xx. */
  private accepted(event: VerifiedWebhook): void {
    const message = event.kind === 'received' ? event.payload.message : undefined;
    this.emit(
      'webhook.accepted',
      {
        eventType: event.eventType,
        svixId: event.svixId,
        eventId: event.eventId,
        ...(message ? { inboxId: message.inbox_id } : {}),
      },
      message ? { messageId: message.message_id, threadId: message.thread_id } : {},
      'debug',
    );
  }

  protected async onStop(): Promise<void> {
    // fastify's close waits for in-flight requests: each either got its JetStream ack or a 503.
    await this.app?.close();
    this.stopEventWatch();
    this.view?.stop();
    this.removeMetricSources?.();
    this.census.stop();
  }

  private liveFeed(): LiveFeed {
    this.watchEvents();
    return { events: this.events, conversations_per_agent: this.census.perOwner() ?? null };
  }

  private watchEvents(): void {
    const until = Date.now() + eventWatchMs;
    if (this.eventWatch) {
      this.eventWatch.until = until;
      return;
    }
    // One subscription per kind, not cs.events.*: that would also match cs.events.invalid, another schema.
    const subs = ActorKind.map((kind) =>
      this.handle(contracts.events, { kind }, (e) => {
        this.events.unshift(e);
        this.events.length = Math.min(this.events.length, recentLimit);
      }),
    );
    const timer = setInterval(() => {
      if (this.eventWatch && Date.now() > this.eventWatch.until) this.stopEventWatch();
    }, 5_000);
    timer.unref();
    this.eventWatch = { subs, until, timer };
  }

  private stopEventWatch(): void {
    if (!this.eventWatch) return;
    clearInterval(this.eventWatch.timer);
    for (const s of this.eventWatch.subs) s.unsubscribe();
    this.eventWatch = undefined;
    this.events.length = 0;
  }

  private async readiness(): Promise<Readiness> {
    const now = Date.now();
    if (this.readinessCache && now - this.readinessCache.at < 1_000) return this.readinessCache.value;
    const nats = this.ctx.bus.connected;
    let missing: string[] = [];
    if (nats) {
      missing = await missingStreams(this.ctx.bus).catch(() => ['(JetStream not answering)']);
    }
    const value: Readiness = {
      ok: nats && missing.length === 0,
      checks: {
        nats: nats ? 'connected' : 'disconnected',
        streams: missing.length === 0 ? 'present' : { missing },
      },
    };
    this.readinessCache = { at: now, value };
    return value;
  }

  private statusPage(): StatusPage {
    const view = this.view!;
    const iso = (ms: number) => new Date(ms).toISOString();
    const health = (p: PeerState) => (p.alive ? p.status : 'dead');
    const agents: StatusPage['agents'] = {};
    for (const p of view.list('agent'))
      agents[p.actorId] = {
        status: health(p),
        load: p.load,
        capacity: p.capacity,
        specializations: p.specializations,
        last_heartbeat: iso(p.lastHeartbeat),
        node_id: p.nodeId,
      };
    const actors: StatusPage['actors'] = {};
    for (const p of view.list())
      actors[p.actorId] = {
        kind: p.kind,
        status: health(p),
        load: p.load,
        node_id: p.nodeId,
        last_heartbeat: iso(p.lastHeartbeat),
      };
    const alive = view.list().filter((p) => p.alive);
    const page: StatusPage = {
      node_id: this.ctx.config.nodeId,
      timestamp: new Date().toISOString(),
      cluster_size: new Set(alive.map((p) => p.nodeId)).size,
      nats_connected: this.ctx.bus.connected,
      dry_run: this.ctx.config.agentmailApiKey === undefined,
      agents,
      actors,
      conversations: this.census.count() ?? null,
      distinguished_proposer: distinguishedProposer(view),
      recent_replies: this.recent,
    };
    return page;
  }
}
