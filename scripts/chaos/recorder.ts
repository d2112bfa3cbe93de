// Records one chaos run's history as JSON lines (scripts/chaos/core/history.ts): decisions and actor events heard on the
// bus, deliveries and faults from the runner, and at the end every request the fake AgentMail got, every email it sent
// and the DECISIONS stream as stored. It observes only; it never publishes anything.
import type { Subscription } from '@nats-io/transport-node';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DeliverPolicy } from '@nats-io/jetstream';
import { Bus } from '../../bus/bus.ts';
import { contracts } from '../../bus/contracts.ts';
import { setupMayRecover, Streams } from '../../bus/provision.ts';
import { retryWithin } from '../../bus/retry.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { decode } from '../../schemas/codec.ts';
import type { EventName } from '../../schemas/bus.ts';
import type { DecidedMsg } from '../../schemas/paxos.ts';
import type { FakeAgentMail } from '../fake-agentmail.ts';
import type { HistoryEntry } from './core/history.ts';

/** Events the checker or the scenarios read. */
const keptEvents = new Set<EventName>([
  'reply.sent',
  'escalation.queued',
  'mail.not-answered',
  'mail.routed',
  'paxos.safety-violation',
  'conversation.reassigned',
]);

export class Recorder {
  readonly entries: HistoryEntry[] = [];
  private subs: Subscription[] = [];
  private pending: Promise<void> = Promise.resolve();
  /** Owner agent of each message, from `mail.routed` (the latest one). */
  readonly routedTo = new Map<string, string>();

  private constructor(
    readonly bus: Bus,
    readonly path: string,
  ) {}

  static async open(servers: string[], path: string): Promise<Recorder> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '');
    const bus = await Bus.connect({ servers, name: 'chaos-recorder', logger: createLogger('error', {}) });
    const r = new Recorder(bus, path);
    r.subs.push(
      bus.handle(contracts.decision, 'all', (d) =>
        r.add({
          kind: 'decision',
          t: Date.now(),
          instance: d.instance,
          agentId: d.value.agentId,
          epoch: d.value.epoch ?? null,
          learner: d.from ?? 'unknown',
        }),
      ),
      bus.handle(contracts.events, { kind: '*' }, (e) => {
        if (!keptEvents.has(e.event)) return;
        const data = e.data ?? {};
        if (e.event === 'mail.routed' && e.messageId && typeof data['owner'] === 'string')
          r.routedTo.set(e.messageId, data['owner']);
        const epoch = typeof data['epoch'] === 'number' ? data['epoch'] : null;
        const reason =
          typeof data['reason'] === 'string'
            ? data['reason']
            : typeof data['error'] === 'string'
              ? data['error']
              : null;
        r.add({
          kind: 'event',
          t: Date.now(),
          event: e.event,
          actorId: e.actorId,
          messageId: e.messageId ?? null,
          threadId: e.threadId ?? null,
          epoch,
          reason,
          from: typeof data['from'] === 'string' ? data['from'] : null,
        });
      }),
    );
    await bus.nc.flush();
    return r;
  }

  add(e: HistoryEntry): void {
    this.entries.push(e);
    const line = `${JSON.stringify(e)}\n`;
    this.pending = this.pending.then(() => appendFile(this.path, line));
  }

  /** The fake's requests and sends since `since`, and the DECISIONS stream as stored; then stops listening. */
  async finish(
    agentMail: FakeAgentMail,
    since: number,
    agentOfKey: (key: string) => string | null,
  ): Promise<void> {
    for (const r of agentMail.requests) {
      if (r.route !== 'reply' || r.at < since) continue;
      const auth = r.headers['authorization'] ?? '';
      this.add({
        kind: 'agentmail-request',
        t: r.at,
        messageId: r.params.messageId ?? '',
        idempotencyKey: r.idempotencyKey ?? null,
        agent: agentOfKey(auth.replace(/^Bearer /, '')),
        status: r.status ?? null,
      });
    }
    for (const s of agentMail.sent) {
      if (s.at < since) continue;
      this.add({ kind: 'sent', t: s.at, messageId: s.inReplyTo, idempotencyKey: s.idempotencyKey ?? null });
    }
    await this.readStoredDecisions(since);
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    await this.pending;
  }

  private async readStoredDecisions(since: number): Promise<void> {
    // Right after a kill the DECISIONS stream may still be electing a leader (the runner died of one such timeout
    // at load 25): creating the reading consumer is asked again, as provisioning asks again about a stream.
    const { c, info } = await retryWithin(
      30_000,
      async () => {
        const c = await this.bus.js.consumers.get(Streams.decisions, {
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: new Date(since).toISOString(),
        });
        return { c, info: await c.info() };
      },
      setupMayRecover,
    );
    let left = info.num_pending;
    while (left > 0) {
      const m = await c.next({ expires: 5_000 });
      if (!m) break;
      left = m.info.pending;
      const r = decode<DecidedMsg>(contracts.decision.schema, m.data);
      if (!r.ok) continue;
      const d = r.value;
      this.add({
        kind: 'decision',
        t: Math.round(m.info.timestampNanos / 1e6),
        instance: d.instance,
        agentId: d.value.agentId,
        epoch: d.value.epoch ?? null,
        learner: 'stream',
      });
    }
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await this.bus.drain();
  }
}
