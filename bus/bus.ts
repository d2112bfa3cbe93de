// The NATS layer every actor uses: typed, validated publish/request/handle over contracts, and retried JetStream writes.
// It must not know any actor's logic; a message that fails its schema is reported, never thrown at the caller's handler.
import { createError } from '../schemas/errors.ts';
import {
  connect,
  headers as natsHeaders,
  PermissionViolationError,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { decode, encode, type SchemaFailure } from '../schemas/codec.ts';
import { JsApiError, JsErrCode, JsPublisher } from './js-publisher.ts';
import { retryWithin } from './retry.ts';
import type { AnyContract, BodyOf, Contract, ReplyOf } from './contracts.ts';
import type { Logger } from '../telemetry/logger.ts';
import {
  busMessagesTotal,
  handlerSeconds,
  natsConnected,
  natsPermissionDeniedTotal,
} from '../telemetry/metrics.ts';
import { natsSecurityOptions, noNatsSecurity, type NatsSecurity } from './nats-auth.ts';
import { subjectOf, patternOf, type SubjectParams, type SubjectTemplate } from './subjects.ts';

/** NATS or JetStream did not answer: the operation may or may not have happened; retry it with the same id. */
export class BusUnavailableError extends createError('BUS_UNAVAILABLE', 'BusUnavailableError', {
  retryable: true,
}) {
  readonly definite = false;
}

/**
 * The server refused this connection's publish (its user may not publish to the subject): nothing was delivered,
 * and a retry is refused again until the server's permissions change.
 */
export class PermissionDeniedError extends createError('NATS_PERMISSION_DENIED', 'PermissionDeniedError', {
  retryable: false,
}) {
  readonly definite = true;
  constructor(
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(`NATS refused to let this connection publish to ${subject} (permissions)`, options);
  }
}

/** A refusal the server sent (nats.js reports it on the status iterator, not on the publish that caused it). */
export interface PermissionDenial {
  operation: 'publish' | 'subscription';
  subject: string;
}

/** A reply that failed its schema, or an error answer from the other side. */
export class BadReplyError extends createError('BAD_REPLY', 'BadReplyError', { retryable: false }) {
  constructor(
    readonly contract: string,
    readonly failure: SchemaFailure,
  ) {
    super(`${contract} reply: ${failure.instancePath} ${failure.reason}`);
  }
}

/** An encoded message is bigger than the server's max_payload: nothing was sent. */
export class PayloadTooLargeError extends createError('PAYLOAD_TOO_LARGE', 'PayloadTooLargeError', {
  retryable: false,
}) {
  constructor(
    readonly contract: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${contract}: ${bytes} bytes is over the server's max_payload of ${limit}`);
  }
}

export interface JsPublishOptions {
  /** JetStream de-duplication id: a retry with the same id is stored once. */
  msgID: string;
  retryForMs?: number;
  timeoutMs?: number;
  headers?: Record<string, string>;
  /**
   * Wait one event-loop turn so publishes from many callbacks share one socket write (see nextTurn). Worth it
   * for a stream of independent requests (the gateway, quiet machine: 2,301 -> 3,322 webhooks/s, 361 -> 268 us
   * of CPU each); on the Paxos learner's path it cut decisions/s by half, so it is opt-in.
   */
  coalesce?: boolean;
}

/** nats.js KV's key rule (kv.js validKeyRe): tokens of letters, digits, `-/=_`, separated by single dots. */
const validKvKey = /^[-/=\w]+(\.[-/=\w]+)*$/;

export type InvalidHandler = (info: { contract: string; subject: string; failure: SchemaFailure }) => void;

export interface BusOptions {
  servers: string[];
  name: string;
  logger: Logger;
  /** Called for every inbound message that fails its schema (the runtime publishes cs.events.invalid). */
  onInvalid?: InvalidHandler;
  /** NATS credentials and TLS (config NATS_*); none by default. */
  security?: NatsSecurity;
}

/** nats-server's default max_payload, for the moment before the server's INFO says otherwise. */
const defaultMaxPayload = 1024 * 1024;

export type Params<C> = C extends Contract<infer T, unknown, unknown> ? SubjectParams<T> : never;

export class Bus {
  readonly js: JetStreamClient;
  readonly kvm: Kvm;
  /** Every JetStream write of this bus: one inbox subscription instead of an nc.request() per write. */
  readonly jsPublisher: JsPublisher;
  private jsmPromise: Promise<JetStreamManager> | undefined;
  onInvalid: InvalidHandler;
  /** Called for every refusal the server reports (the node host turns it into an ops event); logged and counted here. */
  onPermissionDenied: (denial: PermissionDenial) => void = () => undefined;
  /** JetStream writes waiting for their ack on a subject, failed the moment the server refuses a publish to it. */
  private readonly denialWaiters = new Map<string, Set<(e: PermissionDeniedError) => void>>();
  private up = true;
  private turnWaiters: (() => void)[] = [];

  private constructor(
    readonly nc: NatsConnection,
    readonly logger: Logger,
    onInvalid: InvalidHandler | undefined,
    /** Connected as a user the server may hold to subject permissions. */
    private readonly permissioned: boolean,
  ) {
    this.js = jetstream(nc, { timeout: 2_000 });
    this.kvm = new Kvm(nc);
    this.jsPublisher = new JsPublisher(nc);
    this.onInvalid = onInvalid ?? (() => undefined);
  }

  /** Connects to every server given, reconnecting forever: an actor never gives up on NATS. */
  static async connect(opts: BusOptions): Promise<Bus> {
    const nc = await connect({
      ...natsSecurityOptions(opts.security ?? noNatsSecurity),
      servers: opts.servers,
      name: opts.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      reconnectJitter: 250,
      pingInterval: 5_000,
      maxPingOut: 3,
      timeout: 3_000,
      waitOnFirstConnect: false,
      // nats.js otherwise builds two Error objects (stack captures) per request just in case it fails: 6% of a
      // Paxos node's CPU in the bench profile (every KV get/create and JetStream publish is a request).
      noAsyncTraces: true,
    });
    natsConnected.set(1);
    // Credentials in a server URL (nats://user:pass@host) count as much as NATS_USER.
    const permissioned =
      (opts.security?.auth.method ?? 'none') !== 'none' || opts.servers.some((s) => s.includes('@'));
    const bus = new Bus(nc, opts.logger, opts.onInvalid, permissioned);
    void bus.watchStatus();
    return bus;
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      switch (s.type) {
        case 'disconnect':
          this.up = false;
          natsConnected.set(0);
          this.logger.warn('NATS disconnected', { server: s.server });
          break;
        case 'reconnect':
          this.up = true;
          natsConnected.set(1);
          this.logger.info('NATS reconnected', { server: s.server });
          break;
        case 'error':
          if (s.error instanceof PermissionViolationError) this.denied(s.error);
          else this.logger.warn('NATS error', { error: String(s.error) });
          break;
        default:
          break;
      }
    }
  }

  /** A publish or subscription the server refused: never silent (one error line, a metric, the host's event). */
  private denied(e: PermissionViolationError): void {
    const operation = e.operation === 'publish' ? 'publish' : 'subscription';
    if (operation === 'publish')
      for (const fail of this.denialWaiters.get(e.subject) ?? []) fail(new PermissionDeniedError(e.subject));
    natsPermissionDeniedTotal.inc({ operation });
    this.logger.error(`NATS refused ${operation} to ${e.subject}: this user has no permission for it`, {
      operation,
      subject: e.subject,
    });
    this.onPermissionDenied({ operation, subject: e.subject });
  }

  /**
   * `work` (a JetStream write to `subject`), or PermissionDeniedError as soon as the server refuses a publish to that
   * subject: the ack would never come, and a retry would be refused again.
   */
  private unlessDenied<T>(subject: string, work: Promise<T>): Promise<T> {
    // Without credentials there are no permissions to refuse anything: keep the hot path free of the race.
    if (!this.permissioned) return work;
    let fail!: (e: PermissionDeniedError) => void;
    const denied = new Promise<never>((_resolve, reject) => (fail = reject));
    const waiters = this.denialWaiters.get(subject) ?? new Set();
    waiters.add(fail);
    this.denialWaiters.set(subject, waiters);
    return Promise.race([work, denied]).finally(() => {
      waiters.delete(fail);
      if (waiters.size === 0) this.denialWaiters.delete(subject);
    });
  }

  get connected(): boolean {
    return this.up && !this.nc.isClosed();
  }

  jsm(): Promise<JetStreamManager> {
    this.jsmPromise ??= jetstreamManager(this.nc, { checkAPI: false });
    return this.jsmPromise;
  }

  /** Throws PayloadTooLargeError (nothing sent) when the message is over the server's max_payload. */
  publish<C extends AnyContract>(c: C, params: Params<C>, body: BodyOf<C>): void {
    const data = encode(c.name, c.schema, body);
    const limit = this.nc.info?.max_payload ?? defaultMaxPayload;
    // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: measure only when it could be over.
    if (data.length * 3 > limit) {
      const bytes = Buffer.byteLength(data);
      if (bytes > limit) throw new PayloadTooLargeError(c.name, bytes, limit);
    }
    this.nc.publish(subjectOf(c.subject, params), data);
  }

  /** Core request/reply; the reply is validated against the contract's reply schema. */
  async request<C extends AnyContract>(
    c: C,
    params: Params<C>,
    body: BodyOf<C>,
    timeoutMs: number,
  ): Promise<ReplyOf<C>> {
    const subject = subjectOf(c.subject, params);
    let m: Msg;
    try {
      m = await this.nc.request(subject, encode(c.name, c.schema, body), { timeout: timeoutMs });
    } catch (e) {
      // nats.js fails a request the server refused with a RequestError caused by the refusal: definite, unlike a timeout.
      if ((e as Error).cause instanceof PermissionViolationError)
        throw new PermissionDeniedError(subject, { cause: e });
      throw new BusUnavailableError(`${c.name}: no answer on ${subject} within ${timeoutMs} ms`, {
        cause: e,
      });
    }
    if (!c.replySchema) throw new Error(`${c.name} has no reply schema`);
    const r = decode<ReplyOf<C>>(c.replySchema, m.data);
    if (!r.ok) throw new BadReplyError(c.name, r.failure);
    return r.value;
  }

  /**
   * Subscribes to a contract's subject (or its wildcard when params is 'all'). Each valid message goes to `fn`;
   * a value `fn` returns is validated and sent as the reply. Invalid messages go to onInvalid and are dropped:
   * core NATS messages are ephemeral, so the sender's timeout is its signal.
   */
  handle<C extends AnyContract>(
    c: C,
    params: Params<C> | 'all',
    fn: (body: BodyOf<C>, msg: Msg) => Promise<ReplyOf<C> | void> | ReplyOf<C> | void,
    opts: { queue?: string; onInvalid?: InvalidHandler } = {},
  ): Subscription {
    const onInvalid = opts.onInvalid ?? this.onInvalid;
    const subject = params === 'all' ? patternOf(c.subject) : subjectOf(c.subject, params);
    return this.nc.subscribe(subject, {
      ...(opts.queue ? { queue: opts.queue } : {}),
      callback: (err, msg) => {
        if (err) {
          this.logger.warn('subscription error', { subject, error: err.message });
          return;
        }
        const r = decode<BodyOf<C>>(c.schema, msg.data);
        if (!r.ok) {
          busMessagesTotal.inc({ contract: c.name, result: 'invalid' });
          onInvalid({ contract: c.name, subject: msg.subject, failure: r.failure });
          return;
        }
        void this.run(c, msg, () => fn(r.value, msg));
      },
    });
  }

  private async run<C extends AnyContract>(
    c: C,
    msg: Msg,
    fn: () => Promise<ReplyOf<C> | void> | ReplyOf<C> | void,
  ) {
    const stopTimer = handlerSeconds.startTimer({ contract: c.name });
    try {
      const reply = await fn();
      if (reply !== undefined && msg.reply) {
        if (!c.replySchema) throw new Error(`${c.name} has no reply schema`);
        msg.respond(encode(c.name, c.replySchema, reply));
      }
      busMessagesTotal.inc({ contract: c.name, result: 'ok' });
    } catch (e) {
      busMessagesTotal.inc({ contract: c.name, result: 'error' });
      this.logger.error('handler failed', {
        contract: c.name,
        subject: msg.subject,
        error: (e as Error).message,
      });
    } finally {
      stopTimer();
    }
  }

  /**
   * Durable publish to JetStream with a message id, so a retry is de-duplicated by the server. Retries the
   * errors that mean "maybe not stored" (timeouts, no responders during a leader election) until `retryForMs`.
   */
  async jsPublish<C extends AnyContract>(
    c: C,
    params: Params<C>,
    body: BodyOf<C>,
    opts: JsPublishOptions,
  ): Promise<PubAck> {
    return this.jsPublishRaw(subjectOf(c.subject, params), encode(c.name, c.schema, body), opts);
  }

  async jsPublishRaw(subject: string, data: string | Uint8Array, opts: JsPublishOptions): Promise<PubAck> {
    const h = natsHeaders();
    for (const [k, v] of Object.entries(opts.headers ?? {})) h.set(k, v);
    if (opts.coalesce) await this.nextTurn();
    return retryWithin(
      opts.retryForMs ?? 10_000,
      () =>
        this.unlessDenied(
          subject,
          this.jsPublisher.publish(subject, data, {
            msgID: opts.msgID,
            timeoutMs: opts.timeoutMs ?? 2_000,
            headers: h,
          }),
        ),
      // A refused write is refused again: retrying it would only hide the cause behind a timeout.
      (e) => !(e instanceof PermissionDeniedError) && !this.nc.isClosed(),
      (e) =>
        e instanceof PermissionDeniedError
          ? e
          : new BusUnavailableError(`JetStream did not acknowledge ${subject}: ${(e as Error).message}`, {
              cause: e,
            }),
    );
  }

  /**
   * KV put-if-absent in one JetStream publish (the `$KV.<bucket>.<key>` subject nats.js writes, with
   * Nats-Expected-Last-Subject-Sequence 0, as kv.create does). Resolves true when this call stored the value,
   * false when the key already has an entry. Not retried: a false after an earlier attempt timed out may be
   * that attempt's own write, so callers compare what is stored (as AssignmentStore does).
   *
   * Unlike nats.js kv.create, a key whose last entry is a DELETE/PURGE marker counts as existing (false):
   * telling the two apart costs a read on every "exists", and the buckets this serves (`assignments`) never
   * delete a key. Use kv.create for a bucket whose keys are deleted and created again.
   *
   * No answer from the server (timeout, no responders, closed connection, an unreadable reply) rejects with
   * BusUnavailableError (may or may not be stored); any other refusal by the server rejects with JsApiError.
   */
  async kvCreate(
    bucket: string,
    key: string,
    data: string | Uint8Array,
    opts: { timeoutMs?: number } = {},
  ): Promise<boolean> {
    if (!validKvKey.test(key)) throw new Error(`invalid KV key: ${JSON.stringify(key)}`);
    // No JetStream domain or API prefix is configured anywhere (jetstream(nc) defaults), so the plain $KV prefix.
    const subject = `$KV.${bucket}.${key}`;
    try {
      await this.jsPublisher.publish(subject, data, {
        expectLastSubjectSequence: 0,
        // What kv.create waited before: nats.js's default JetStream timeout for `new Kvm(nc)`.
        timeoutMs: opts.timeoutMs ?? 5_000,
      });
      return true;
    } catch (e) {
      if (e instanceof JsApiError) {
        if (e.errCode === JsErrCode.wrongLastSequence || e.errCode === JsErrCode.wrongLastSequenceUnknown)
          return false;
        throw e;
      }
      throw new BusUnavailableError(
        `KV ${bucket} did not acknowledge creating ${key}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  /**
   * Resolves on the next event-loop turn together with every other caller of this turn. nats.js writes its
   * buffer once per microtask checkpoint, so publishes started from separate callbacks (one per HTTP request)
   * would each cost a socket write; released together, they share one. Costs one turn of latency.
   */
  private nextTurn(): Promise<void> {
    return new Promise((resolve) => {
      this.turnWaiters.push(resolve);
      if (this.turnWaiters.length === 1) {
        setImmediate(() => {
          const waiters = this.turnWaiters;
          this.turnWaiters = [];
          for (const w of waiters) w();
        });
      }
    });
  }

  /** Finishes in-flight messages and subscriptions, then closes the connection. */
  async drain(): Promise<void> {
    if (this.nc.isClosed()) return;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close();
    }
    natsConnected.set(0);
  }
}

export type { SubjectTemplate };
