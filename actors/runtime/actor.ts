// The shared actor lifecycle: start, heartbeat with load, a control subject, ops events, graceful drain.
// It must not hold any actor's logic, and an actor never crashes on a bad message: it reports it and goes on.
import type { Msg, Subscription } from '@nats-io/transport-node';
import type { Bus, Params } from '../../bus/bus.ts';
import type { ConsumeContext } from '../../bus/consume.ts';
import type { SchemaFailure } from '../../schemas/codec.ts';
import type { Config } from './config.ts';
import { contracts, type AnyContract, type BodyOf, type ReplyOf } from '../../bus/contracts.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { actorLoad, invalidMessagesTotal } from '../../telemetry/metrics.ts';
import type { ActorKind, ControlReply, EventData, EventName, Heartbeat } from '../../schemas/bus.ts';

export type ActorStatus = Heartbeat['status'];

/** The ids an event about one email carries (a conversation's events carry only the thread). */
export interface EmailIds {
  messageId?: string;
  threadId?: string;
}

export interface ActorContext {
  bus: Bus;
  config: Config;
  logger: Logger;
}

/** Every actor kind extends this; it implements onStart/onStop and says its load. */
export abstract class Actor {
  abstract readonly kind: ActorKind;
  status: ActorStatus = 'starting';
  protected ctx!: ActorContext;
  protected log!: Logger;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private controlSub: Subscription | undefined;
  private stopping: Promise<void> | undefined;
  /** Resolves when the actor has stopped, whoever asked (signal, control subject). */
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(readonly id: string) {
    this.stopped = new Promise((r) => (this.resolveStopped = r));
  }

  protected abstract onStart(): Promise<void>;
  /** Stop taking work, finish or hand back (nak) in-flight work within graceMs. */
  protected abstract onStop(graceMs: number): Promise<void>;
  /** Work items in flight. */
  abstract load(): number;
  capacity(): number {
    return 0;
  }
  specializations(): string[] | undefined {
    return undefined;
  }

  get heartbeatIntervalMs(): number {
    return Math.max(100, Math.round(this.ctx.config.healthCheckIntervalMs / 5));
  }

  async start(ctx: ActorContext): Promise<void> {
    this.ctx = ctx;
    this.log = ctx.logger.child({ actorId: this.id, actorKind: this.kind });
    this.controlSub = this.handle(contracts.control, { actorId: this.id }, (cmd): ControlReply => {
      if (cmd.command === 'stop' || cmd.command === 'drain')
        void this.stop(cmd.command === 'drain' ? 30_000 : 5_000);
      return { type: 'control-reply', actorId: this.id, status: this.status };
    });
    await this.onStart();
    this.status = 'running';
    this.heartbeat();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
    this.emit('actor.started', {});
  }

  /** Subscribes on the bus with this actor named in every invalid-message report. */
  protected handle<C extends AnyContract>(
    c: C,
    params: Params<C> | 'all',
    fn: (body: BodyOf<C>, msg: Msg) => Promise<ReplyOf<C> | void> | ReplyOf<C> | void,
    opts: { queue?: string } = {},
  ): Subscription {
    return this.ctx.bus.handle(c, params, fn, { ...opts, onInvalid: this.reportInvalid });
  }

  /**
   * What this actor's durable consumers run with: invalid messages reported as this actor, and every message they
   * dead-letter told as mail.dead-lettered, with the email's ids (`idsOf`) when its body passed its schema.
   */
  protected consumeContext<B>(idsOf: (body: B) => EmailIds): ConsumeContext<B> {
    return {
      bus: this.ctx.bus,
      actorId: this.id,
      logger: this.log,
      reportInvalid: this.reportInvalid,
      onDeadLettered: (dl, body) =>
        this.emit(
          'mail.dead-lettered',
          { ...dl, reason: dl.reason.slice(0, 300) },
          body === undefined ? {} : idsOf(body),
        ),
    };
  }

  stop(graceMs: number): Promise<void> {
    this.stopping ??= (async () => {
      this.status = 'draining';
      this.heartbeat();
      try {
        await this.onStop(graceMs);
      } catch (e) {
        this.log.error('stop failed', { error: (e as Error).message });
      }
      clearInterval(this.heartbeatTimer);
      this.controlSub?.unsubscribe();
      this.status = 'stopped';
      this.heartbeat();
      // A stopped actor has no load: its series leaves the page instead of lingering at its last value.
      actorLoad.remove({ actor_id: this.id, actor_kind: this.kind });
      this.emit('actor.stopped', {});
      this.resolveStopped();
    })();
    return this.stopping;
  }

  protected heartbeat(): void {
    if (!this.ctx.bus.connected) return;
    const load = this.load();
    actorLoad.set({ actor_id: this.id, actor_kind: this.kind }, load);
    const specs = this.specializations();
    this.ctx.bus.publish(
      contracts.heartbeat,
      { kind: this.kind, actorId: this.id },
      {
        type: 'heartbeat',
        actorId: this.id,
        kind: this.kind,
        nodeId: this.ctx.config.nodeId,
        status: this.status,
        load,
        capacity: this.capacity(),
        intervalMs: this.heartbeatIntervalMs,
        at: new Date().toISOString(),
        ...(specs ? { specializations: specs } : {}),
      },
    );
  }

  /** A structured event on cs.events.<kind> for ops, mirrored to the log; only the catalogue's names and fields (schemas/bus.ts). */
  emit<E extends EventName>(
    event: E,
    data: EventData<E>,
    ids: EmailIds = {},
    /** Per-decision events (thousands a second) log at debug: the event on the bus is the record. */
    logLevel: 'info' | 'debug' = 'info',
  ): void {
    this.log[logLevel](event, { ...ids, ...data });
    if (!this.ctx.bus.connected) return;
    this.ctx.bus.publish(
      contracts.events,
      { kind: this.kind },
      {
        type: 'event',
        event,
        kind: this.kind,
        actorId: this.id,
        nodeId: this.ctx.config.nodeId,
        at: new Date().toISOString(),
        ...ids,
        data,
      },
    );
  }

  /** Bad input on the bus: one log line naming subject, schema path and reason, an event on cs.events.invalid. */
  reportInvalid = (info: {
    contract: string;
    subject: string;
    failure: SchemaFailure;
    streamSeq?: number;
  }): void => {
    invalidMessagesTotal.inc({ contract: info.contract });
    this.log.warn(`invalid message on ${info.subject}: ${info.failure.instancePath} ${info.failure.reason}`, {
      contract: info.contract,
      schemaPath: info.failure.schemaPath,
    });
    if (!this.ctx.bus.connected) return;
    this.ctx.bus.publish(
      contracts.invalid,
      {},
      {
        type: 'invalid',
        subject: info.subject,
        contract: info.contract,
        instancePath: info.failure.instancePath,
        schemaPath: info.failure.schemaPath,
        reason: info.failure.reason,
        actorId: this.id,
        at: new Date().toISOString(),
        ...(info.streamSeq !== undefined ? { streamSeq: info.streamSeq } : {}),
      },
    );
  };
}
