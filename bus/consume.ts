// Durable pull consumption with explicit outcomes (ack, nak with delay, term); it never drops an invalid message silently.
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Bus } from './bus.ts';
import { decode, type SchemaFailure } from '../schemas/codec.ts';
import type { AnyContract, BodyOf } from './contracts.ts';
import { contracts } from './contracts.ts';
import type { Logger } from '../telemetry/logger.ts';
import { busMessagesTotal, handlerSeconds, redeliveriesTotal } from '../telemetry/metrics.ts';

/** What a handler decided about one message. `nak` redelivers after `delayMs`; `term` gives up (after recording why). */
export type Outcome =
  { ack: true } | { nak: true; delayMs: number } | { term: true; reason: string; code: string };
export const ack: Outcome = { ack: true };
export const nak = (delayMs: number): Outcome => ({ nak: true, delayMs });
export const term = (code: string, reason: string): Outcome => ({ term: true, code, reason });

export interface DurableSpec {
  stream: string;
  durable: string;
  filterSubject: string;
  /**
   * The longest a handler may hold a message: while it runs, consumeDurable tells the server it is working every
   * third of `heldAckWaitMs`, up to this long. A consumer that dies stops telling, so its messages come back after
   * `heldAckWaitMs`, not after this budget (a processor's was 40 s, an agent's 90 s: replies stopped that long).
   */
  ackWaitMs: number;
  /** Deliveries before JetStream stops redelivering; -1 for mail that must wait as long as it takes. */
  maxDeliver: number;
  /** Handler failures (throws) after which the message is dead-lettered whole; defaults to maxDeliver. */
  failuresBeforeDeadLetter?: number;
  maxAckPending?: number;
}

/** What became of a message copied to the dead-letter stream (its payload stays there, whole). */
export interface DeadLettered {
  /** The stream and subject it came from, and its sequence there. */
  stream: string;
  subject: string;
  streamSeq: number;
  /** The durable that gave up on it: the dead-letter subject is cs.dlq.<source>. */
  source: string;
  code: string;
  reason: string;
  deliveries: number;
}

export interface ConsumeContext<B = unknown> {
  bus: Bus;
  actorId: string;
  logger: Logger;
  /** Publishes cs.events.invalid for a message that fails its schema. */
  reportInvalid: (info: {
    contract: string;
    subject: string;
    failure: SchemaFailure;
    streamSeq: number;
  }) => void;
  /**
   * Told once a message is on the dead-letter stream and termed; with its body when it passed its schema.
   * The actor turns it into its mail.dead-lettered event (the bus knows no events' names).
   */
  onDeadLettered?: (dl: DeadLettered, body: B | undefined) => void;
}

/** The server's ack wait for a held message: how soon a dead (or frozen) consumer's messages are redelivered. */
export const heldAckWaitMs = 4_000;
/**
 * How long one pull request lives. nats.js notices a lost pull (its server died, or the consumer's leader moved)
 * only after two missed idle heartbeats of half this each: the 30 s default held replies for 31 s after one NATS
 * server of three was killed.
 */
export const pullExpiresMs = 4_000;

/** Creates the durable consumer, or updates it to the given config; idempotent. */
async function ensureConsumer(bus: Bus, spec: DurableSpec): Promise<void> {
  const jsm = await bus.jsm();
  const cfg: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    ack_wait: nanos(Math.min(spec.ackWaitMs, heldAckWaitMs)),
    max_deliver: spec.maxDeliver,
    max_ack_pending: spec.maxAckPending ?? 1000,
  };
  try {
    const info = await jsm.consumers.info(spec.stream, spec.durable);
    const c = info.config;
    if (
      c.ack_wait !== cfg.ack_wait ||
      c.max_deliver !== cfg.max_deliver ||
      c.max_ack_pending !== cfg.max_ack_pending
    ) {
      await jsm.consumers.update(spec.stream, spec.durable, {
        ack_wait: cfg.ack_wait,
        max_deliver: cfg.max_deliver,
        max_ack_pending: cfg.max_ack_pending,
      });
    }
  } catch (e) {
    if (!(e instanceof JetStreamApiError) || e.code !== 10014) throw e;
    await jsm.consumers.add(spec.stream, cfg);
  }
}

/** Copies a message that cannot be processed to the dead-letter stream, whole, before it is termed. */
export async function deadLetter(
  ctx: Pick<ConsumeContext, 'bus' | 'actorId'>,
  m: JsMsg,
  source: string,
  code: string,
  reason: string,
): Promise<DeadLettered> {
  const text = Buffer.from(m.data).toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(Buffer.from(m.data));
  await ctx.bus.jsPublish(
    contracts.deadLetter,
    { source },
    {
      type: 'dead-letter',
      subject: m.subject,
      reason,
      code,
      actorId: ctx.actorId,
      at: new Date().toISOString(),
      streamSeq: m.seq,
      deliveries: m.info.deliveryCount,
      payload: utf8 ? text : Buffer.from(m.data).toString('base64'),
      payloadEncoding: utf8 ? 'utf8' : 'base64',
    },
    { msgID: `dlq:${m.info.stream}:${m.seq}` },
  );
  const { stream } = m.info;
  return {
    stream,
    subject: m.subject,
    streamSeq: m.seq,
    source,
    code,
    reason,
    deliveries: m.info.deliveryCount,
  };
}

export interface RunningConsumer {
  /** In-flight handler count. */
  readonly inFlight: number;
  /** Stops pulling, waits up to `graceMs` for in-flight handlers, naks what is left so another actor takes it. */
  stop(graceMs: number): Promise<void>;
  readonly done: Promise<void>;
}

/**
 * Consumes a durable with a contract: each message is decoded and validated; an invalid one is reported on
 * cs.events.invalid, copied to the dead-letter stream and termed (never silently dropped, never retried forever).
 * A handler that throws gets its message nak'ed with a delay; past maxDeliver the message is dead-lettered.
 */
export async function consumeDurable<C extends AnyContract>(
  ctx: ConsumeContext<BodyOf<C>>,
  spec: DurableSpec,
  c: C,
  handler: (body: BodyOf<C>, m: JsMsg) => Promise<Outcome>,
  opts: { concurrency: number },
): Promise<RunningConsumer> {
  await ensureConsumer(ctx.bus, spec);
  const consumer = await ctx.bus.js.consumers.get(spec.stream, spec.durable);
  const messages: ConsumerMessages = await consumer.consume({
    max_messages: Math.max(opts.concurrency, 1) * 2,
    expires: pullExpiresMs,
  });
  const inFlight = new Map<JsMsg, Promise<void>>();
  let stopping = false;
  let release: (() => void) | undefined;

  const failureCap = spec.failuresBeforeDeadLetter ?? spec.maxDeliver;
  const settle = async (m: JsMsg, decided: Outcome, body?: BodyOf<C>) => {
    // JetStream redelivers no more after max_deliver: a nak on the last delivery would lose the message
    // without a trace, so it goes whole to the dead-letter stream instead.
    const exhausted = 'nak' in decided && spec.maxDeliver > 0 && m.info.deliveryCount >= spec.maxDeliver;
    const outcome = exhausted
      ? term('MAX_DELIVERIES', `still not done after ${m.info.deliveryCount} deliveries`)
      : decided;
    busMessagesTotal.inc({
      contract: c.name,
      result: 'ack' in outcome ? 'ack' : 'nak' in outcome ? 'nak' : 'term',
    });
    // Pipelined: the ack leaves with the next socket write and the slot is free at once (waiting for the server's
    // confirmation held every handler slot one more round trip). A lost ack only redelivers a message that every
    // handler recognises as handled from its durable records.
    if ('ack' in outcome) return m.ack();
    if ('nak' in outcome) return m.nak(outcome.delayMs);
    const dead = await deadLetter(ctx, m, spec.durable, outcome.code, outcome.reason);
    m.term(); // no reason: nats-server 2.9 ignores term(reason) and redelivers (nats.md §1).
    ctx.onDeadLettered?.(dead, body);
  };

  const handleOne = async (m: JsMsg) => {
    if (m.info.redelivered) redeliveriesTotal.inc({ contract: c.name });
    const r = decode<BodyOf<C>>(c.schema, m.data);
    if (!r.ok) {
      ctx.reportInvalid({ contract: c.name, subject: m.subject, failure: r.failure, streamSeq: m.seq });
      await settle(m, term('INVALID_MESSAGE', `${r.failure.instancePath} ${r.failure.reason}`));
      return;
    }
    let outcome: Outcome;
    // Working, every third of the server's ack wait, until the handler's own budget is spent.
    const budgetEnds = Date.now() + spec.ackWaitMs;
    const keepAlive = setInterval(
      () => (Date.now() < budgetEnds ? m.working() : clearInterval(keepAlive)),
      Math.max(100, Math.min(spec.ackWaitMs, heldAckWaitMs) / 3),
    );
    try {
      const stopTimer = handlerSeconds.startTimer({ contract: c.name });
      outcome = await handler(r.value, m).finally(() => {
        clearInterval(keepAlive);
        stopTimer();
      });
    } catch (e) {
      const last = failureCap > 0 && m.info.deliveryCount >= failureCap;
      ctx.logger.warn('handler failed', {
        durable: spec.durable,
        seq: m.seq,
        deliveries: m.info.deliveryCount,
        error: (e as Error).message,
      });
      outcome = last
        ? term('HANDLER_FAILED', (e as Error).message)
        : nak(Math.min(250 * 2 ** m.info.deliveryCount, 10_000));
    }
    await settle(m, outcome, r.value);
  };

  const done = (async () => {
    for await (const m of messages) {
      if (stopping) {
        m.nak();
        continue;
      }
      const p = handleOne(m)
        .catch((e: Error) => {
          ctx.logger.error('could not settle message', {
            durable: spec.durable,
            seq: m.seq,
            error: e.message,
          });
          m.nak(1_000);
        })
        .finally(() => {
          inFlight.delete(m);
          release?.();
        });
      inFlight.set(m, p);
      while (inFlight.size >= opts.concurrency && !stopping) {
        await new Promise<void>((r) => (release = r));
      }
    }
  })();

  return {
    get inFlight() {
      return inFlight.size;
    },
    done,
    async stop(graceMs: number) {
      stopping = true;
      release?.();
      const all = Promise.all(inFlight.values());
      const timedOut = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
      ]);
      if (timedOut) for (const m of inFlight.keys()) m.nak();
      await messages.close();
      await done;
    },
  };
}
