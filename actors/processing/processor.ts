// The email-processor actor: received mail in (shared durable on MAIL), understood, given a Paxos-agreed owner, handed on as durable work.
// It never writes or sends a reply, and it acks a mail only after the work is durably handed on (WORK stream) or its refusal recorded.
import { createError } from '../../schemas/errors.ts';
import type { JsMsg } from '@nats-io/jetstream';
import OpenAI from 'openai';
import { BusUnavailableError } from '../../bus/bus.ts';
import { ack, consumeDurable, nak, type Outcome, type RunningConsumer } from '../../bus/consume.ts';
import { contracts } from '../../bus/contracts.ts';
import { Streams } from '../../bus/provision.ts';
import { patternOf, Subjects } from '../../bus/subjects.ts';
import type { Classification } from '../../schemas/email.ts';
import type { MailReceived } from '../../schemas/mail.ts';
import { WorkItem, type ConversationState } from '../../schemas/work.ts';
import { AssignmentStore } from '../consensus/assignment-store.ts';
import { ownershipStep, reassignedItems, type Owner, type OwnershipFacts } from './core/ownership.ts';
import { ClusterView } from '../runtime/cluster-view.ts';
import { classifyByKeywords, type ClassifyOptions } from './email/classify.ts';
import { parseEmail, type ParsedEmail } from './email/parsed-email.ts';
import { buildClassificationPrompt, parseModelClassification } from './email/model-classification.ts';
import { emptyRateLimitState, pruneRateLimit, type RateLimitState } from './email/rate-limit.ts';
import { decideAnswerability, decideWithRateLimit } from './email/should-answer.ts';
import {
  livenessOf,
  recognizeDelivery,
  type DeliveryMatch,
  type AgentView,
  type Liveness,
} from './core/routing.ts';
import { Actor } from '../runtime/actor.ts';
import { maxProposals } from '../runtime/timeouts.ts';
import { ConversationStore } from '../conversation/conversation-store.ts';
import { isHeld, recordHeld, recordReassigned, recordRouted } from '../conversation/core/conversation.ts';
import { queueForPerson } from '../conversation/human-queue.ts';
import { workMsgId } from '../conversation/message-ids.ts';
import { ReplyStore } from '../conversation/reply-store.ts';
import {
  duplicateDeliveriesTotal,
  escalationsTotal,
  mailSkippedTotal,
  ownerDecisionsTotal,
} from '../../telemetry/metrics.ts';

/** Paxos could not give an owner now (timeout, no agent alive): the mail is retried later, never dropped. */
export class OwnerUnavailableError extends createError('OWNER_UNAVAILABLE', 'OwnerUnavailableError', {
  retryable: true,
}) {
  constructor(
    message: string,
    readonly retryInMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One durable for every processor of the cluster: they share the mail (a queue, not a fan-out). */
export const processorDurable = 'processors';
/** The work item's bounds on the email, read from its schema so the two cannot drift apart (a longer value fails on publish). */
const emailLimits = WorkItem.properties.email.properties;

/** The email as work items and the human queue carry it, cut to the schema's bounds. */
function emailPartOf(email: ParsedEmail, receivedAt: string): WorkItem['email'] {
  const { sender } = email;
  return {
    subject: email.subject.slice(0, emailLimits.subject.maxLength),
    text: email.text.slice(0, emailLimits.text.maxLength),
    from: email.from.slice(0, emailLimits.from.maxLength),
    ...(sender.name ? { senderName: sender.name.slice(0, emailLimits.senderName.maxLength) } : {}),
    ...(sender.address
      ? { senderAddress: sender.address.slice(0, emailLimits.senderAddress.maxLength) }
      : {}),
    receivedAt,
  };
}

/** How long unroutable mail waits before its next try: what the failure suggests, growing, never above 10 s. */
export function waitingDelayMs(suggestedMs: number, deliveries: number): number {
  return Math.min(Math.max(suggestedMs, 250 * 2 ** Math.min(deliveries - 1, 10)), 10_000);
}

export class ProcessorActor extends Actor {
  readonly kind = 'processor' as const;
  private consumer: RunningConsumer | undefined;
  private view!: ClusterView;
  private assignments!: AssignmentStore;
  private conversations!: ConversationStore;
  private replies!: ReplyStore;
  private model: OpenAI | undefined;
  private readonly rate: RateLimitState = emptyRateLimitState();
  /** Messages already counted against their sender here, so a redelivery does not count twice. */
  private readonly counted = new Set<string>();
  private inFlight = 0;
  private startedAt = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly reassigning = new Set<string>();
  private sweeping: Promise<void> | undefined;

  load(): number {
    return this.inFlight;
  }

  private get classifyOptions(): ClassifyOptions {
    const c = this.ctx.config;
    return {
      specializations: c.agentSpecializations,
      vipDomains: c.vipDomains,
      refundLimit: c.escalateRefundAbove,
    };
  }

  protected async onStart(): Promise<void> {
    const { bus, config } = this.ctx;
    this.startedAt = Date.now();
    this.view = new ClusterView(config.healthCheckIntervalMs);
    // An agent that dies takes its unanswered conversations with it unless someone moves them: do it at once
    // on the heartbeat verdict, and sweep periodically for what a restart or a missed event left behind.
    // Processors watch every peer (they route on it), so each verdict is told once per processor: actor.up,
    // actor.suspected, actor.down, from the first heartbeat it hears (so the listener comes before start). Its own
    // heartbeat is no news (actor.started says it). Sweeping waits for onStart to finish (sweep checks the status).
    this.view.onChange((c) => {
      if (c.peer.actorId !== this.id)
        this.emit(`actor.${c.type}`, {
          peer: c.peer.actorId,
          peerKind: c.peer.kind,
          peerNode: c.peer.nodeId,
          status: c.peer.status,
          silentMs: c.silentMs,
        });
      if (c.type === 'down' && c.peer.kind === 'agent') void this.sweep(`agent ${c.peer.actorId} down`);
    });
    this.view.start(bus, this.reportInvalid);
    this.assignments = await AssignmentStore.open(bus);
    this.conversations = await ConversationStore.open(bus);
    this.replies = await ReplyStore.open(bus);
    if (config.openai) {
      this.model = new OpenAI({
        apiKey: config.openai.apiKey,
        ...(config.openai.baseUrl ? { baseURL: config.openai.baseUrl } : {}),
        timeout: this.ctx.config.timeouts.classifyMs,
        maxRetries: 1,
      });
    }
    this.sweepTimer = setInterval(() => void this.sweep('periodic'), config.healthCheckIntervalMs);
    this.sweepTimer.unref();
    this.consumer = await consumeDurable(
      this.consumeContext<MailReceived>(({ payload: { message } }) => ({
        messageId: message.message_id,
        threadId: message.thread_id,
      })),
      {
        stream: Streams.mail,
        durable: processorDurable,
        filterSubject: patternOf(Subjects.mailReceived),
        ackWaitMs: this.ctx.config.timeouts.processorAckWaitMs,
        // Mail that cannot be routed yet (no agent alive, no Paxos majority, the bus down) waits with a bounded
        // backoff for as long as it takes; only a handler that keeps failing dead-letters it.
        maxDeliver: -1,
        failuresBeforeDeadLetter: 30,
      },
      contracts.mailReceived,
      (body, m) => this.onMail(body, m),
      // Each mail mostly waits on NATS round trips (records, Paxos, the work publish): enough in flight to keep a
      // core busy, and concurrent proposals share the Paxos batches.
      { concurrency: 64 },
    );
  }

  protected async onStop(graceMs: number): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.consumer?.stop(graceMs);
    await this.sweeping;
    this.view.stop();
  }

  /** Has this processor listened to heartbeats long enough to call a silent agent dead? */
  private get warmedUp(): boolean {
    return Date.now() - this.startedAt >= this.ctx.config.healthCheckIntervalMs;
  }

  private liveness(agentId: string): Liveness {
    return livenessOf(this.view.get(agentId), this.warmedUp);
  }

  private agents(): AgentView[] {
    return this.view.list('agent').map((p) => ({
      actorId: p.actorId,
      available: p.alive && p.status === 'running',
      load: p.load,
      capacity: p.capacity,
      specializations: p.specializations,
    }));
  }

  private async onMail(body: MailReceived, m: JsMsg): Promise<Outcome> {
    this.inFlight++;
    try {
      return await this.process(body, m);
    } catch (e) {
      if (e instanceof OwnerUnavailableError || e instanceof BusUnavailableError) {
        const deliveries = m.info.deliveryCount;
        const delayMs = waitingDelayMs(e instanceof OwnerUnavailableError ? e.retryInMs : 1_000, deliveries);
        const waitedMs = Math.max(0, Date.now() - Math.floor(m.info.timestampNanos / 1e6));
        this.emit(
          'mail.waiting',
          { reason: e.message.slice(0, 300), deliveries, waitedMs, retryInMs: delayMs },
          { messageId: body.payload.message.message_id, threadId: body.payload.message.thread_id },
        );
        return nak(delayMs);
      }
      throw e;
    } finally {
      this.inFlight--;
    }
  }

  private async process(body: MailReceived, m: JsMsg): Promise<Outcome> {
    const message = body.payload.message;
    const ids = { messageId: message.message_id, threadId: message.thread_id };
    // Parsed once here (text extracted, sender parsed); everything below reads this value.
    const email = parseEmail(message);

    const [record, conv] = await Promise.all([
      this.replies.get(message.inbox_id, message.message_id),
      this.conversations.get(message.thread_id),
    ]);
    const matched = recognizeDelivery(message.message_id, record, conv);
    if (matched) return this.duplicate(body, ids, matched);

    const verdict = this.answerability(email, message.message_id);
    if (!verdict.answer) {
      mailSkippedTotal.inc({ reason: verdict.reason });
      this.emit(
        'mail.not-answered',
        { reason: verdict.reason, detail: verdict.detail, inboxId: message.inbox_id, eventId: body.eventId },
        ids,
      );
      return ack;
    }

    const classification = await this.classify(email, ids);
    this.emit('mail.classified', { ...classification }, ids, 'debug');
    // H1: while a person has the thread, its new mail is theirs, never an agent's (escalated means hands off).
    if (isHeld(conv) && (await this.hold(body, email, classification, conv!, ids))) return ack;
    const owner = await this.ensureOwner(message.thread_id, classification.specialization);
    const item: WorkItem = {
      type: 'work-item',
      inboxId: message.inbox_id,
      threadId: message.thread_id,
      messageId: message.message_id,
      eventId: body.eventId,
      svixId: body.svixId,
      owner: owner.agentId,
      epoch: owner.epoch,
      instance: owner.instance,
      classification,
      email: emailPartOf(email, message.timestamp),
      routedAt: new Date().toISOString(),
      acceptedAt: body.receivedAt,
    };
    m.working();
    // Record first, then hand on: the owner's settle must find the item it settles. A redelivery that raced an
    // owner's settle sees the settled message here (compare-and-set re-reads) and is a duplicate, not new work.
    let settledMeanwhile = false;
    await this.conversations.update(item.threadId, (prev) => {
      const next = recordRouted(prev, item, new Date().toISOString());
      settledMeanwhile = next === undefined;
      return next;
    });
    if (settledMeanwhile) return this.duplicate(body, ids, 'conversation');
    await this.ctx.bus.jsPublish(contracts.agentWork, { agentId: owner.agentId }, item, {
      msgID: workMsgId(item.inboxId, item.messageId, owner.epoch),
    });
    this.emit(
      'mail.routed',
      { owner: owner.agentId, epoch: owner.epoch, instance: owner.instance, ...classification },
      ids,
    );
    return ack;
  }

  /**
   * H1: a person has this thread, so the mail goes to the HUMAN stream for them and is recorded in the
   * conversation; no agent sees it. The thread keeps the `escalated` label it got, until it is given back.
   * Queue first, record second: a crash between them redelivers the mail, and the fixed msgID dedups the queue.
   * False when the thread was given back after `conv` was read (the record has no hold any more): the mail is then
   * routed like any other, since the person let the thread go and nobody would answer it.
   */
  private async hold(
    body: MailReceived,
    email: ParsedEmail,
    classification: Classification,
    conv: ConversationState,
    ids: { messageId: string; threadId: string },
  ): Promise<boolean> {
    const hold = conv.hold!;
    const message = body.payload.message;
    const part = emailPartOf(email, message.timestamp);
    const now = new Date().toISOString();
    await queueForPerson(this.ctx.bus, {
      inboxId: message.inbox_id,
      threadId: message.thread_id,
      messageId: message.message_id,
      eventId: body.eventId,
      agentId: conv.owner,
      epoch: conv.epoch,
      reasons: ['thread-with-person'],
      classification,
      email: part,
      acknowledged: false,
      at: now,
    });
    let givenBack = false;
    await this.conversations.update(message.thread_id, (prev) => {
      givenBack = !isHeld(prev);
      return prev
        ? recordHeld(
            prev,
            {
              messageId: message.message_id,
              from: part.from,
              text: part.text,
              receivedAt: message.timestamp,
            },
            now,
          )
        : undefined;
    });
    if (givenBack) return false;
    escalationsTotal.inc({ reason: 'thread-with-person' });
    this.emit(
      'mail.held',
      {
        inboxId: message.inbox_id,
        since: hold.since,
        escalatedMessageId: hold.messageId,
        reasons: [...hold.reasons],
        owner: conv.owner,
      },
      ids,
    );
    return true;
  }

  /** A re-sent webhook (new Svix id, same email) or a redelivery of a handled email: never started over. */
  private duplicate(
    body: MailReceived,
    ids: { messageId: string; threadId: string },
    matched: DeliveryMatch,
  ): Outcome {
    duplicateDeliveriesTotal.inc({ matched });
    this.emit('mail.duplicate', { eventId: body.eventId, svixId: body.svixId, matched }, ids);
    return ack;
  }

  private answerability(email: ParsedEmail, messageId: string) {
    const ctx = { ownAddresses: this.ctx.config.business.supportAddresses };
    const now = Date.now();
    if (this.counted.has(messageId)) return decideAnswerability(email, ctx);
    const decision = decideWithRateLimit(email, ctx, this.rate, now, this.ctx.config.senderRateLimit);
    pruneRateLimit(this.rate, now, this.ctx.config.senderRateLimit.windowMs);
    this.counted.add(messageId);
    if (this.counted.size > 10_000) this.counted.delete(this.counted.values().next().value!);
    return decision;
  }

  /** The model classifies when one is configured; any trouble with it falls back to the keyword classifier. */
  private async classify(
    email: ParsedEmail,
    ids: { messageId: string; threadId: string },
  ): Promise<Classification> {
    const opts = this.classifyOptions;
    if (!this.model || !this.ctx.config.openai) return classifyByKeywords(email, opts);
    const prompt = buildClassificationPrompt(email, opts);
    try {
      const r = await this.model.chat.completions.create(
        {
          model: this.ctx.config.openai.model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: prompt.system },
            { role: 'user', content: prompt.user },
          ],
        },
        // One deadline for the call and the SDK's retries: a per-attempt timeout let a hung model hold a mail
        // for two timeouts plus backoff, longer than the ack wait budgets for classification.
        {
          timeout: this.ctx.config.timeouts.classifyMs,
          signal: AbortSignal.timeout(this.ctx.config.timeouts.classifyMs),
        },
      );
      const parsed = parseModelClassification(r.choices[0]?.message.content ?? '', email, opts);
      if (!parsed.usedModel) this.emit('classify.model-rejected', { problem: parsed.problem ?? '' }, ids);
      return parsed.classification;
    } catch (e) {
      this.emit('classify.model-failed', { error: (e as Error).message.slice(0, 300) }, ids);
      return classifyByKeywords(email, opts);
    }
  }

  /**
   * The conversation's owner: the learned one while it lives (sticky), else whatever Paxos decides for the next
   * epoch. A decided owner that is already dead moves us one more epoch on, a few times at most.
   */
  async ensureOwner(threadId: string, specialization: string | undefined): Promise<Owner> {
    const facts: OwnershipFacts = { proposals: [] };
    const view = {
      liveness: (agentId: string) => this.liveness(agentId),
      agents: this.agents(),
      maxProposals,
    };
    for (;;) {
      const step = ownershipStep(threadId, specialization, facts, view);
      switch (step.kind) {
        case 'read-owner': {
          const c = await this.assignments.currentOwner(threadId);
          facts.current = c
            ? {
                agentId: c.owner.agentId,
                epoch: c.epoch,
                instance: c.instance,
                specialization: c.owner.specialization,
              }
            : null;
          break;
        }
        case 'propose': {
          const reply = await this.ctx.bus.request(
            contracts.propose,
            {},
            { type: 'propose', instance: step.instance, candidate: step.candidate },
            this.ctx.config.timeouts.proposeRequestMs,
          );
          facts.proposals.push({
            epoch: step.epoch,
            instance: step.instance,
            answer:
              reply.type === 'error' ? { error: `${reply.code} ${reply.text}` } : { decided: reply.value },
          });
          break;
        }
        case 'owned':
          ownerDecisionsTotal.inc({ outcome: facts.proposals.length === 0 ? 'kept' : 'decided' });
          return step.owner;
        case 'wait':
          ownerDecisionsTotal.inc({ outcome: 'waiting' });
          throw new OwnerUnavailableError(step.reason, step.retryInMs);
        default: {
          const never: never = step;
          return never;
        }
      }
    }
  }

  /** Moves the unsettled work of conversations whose owner is dead to a new owner (next epoch, via Paxos). */
  sweep(why: string): Promise<void> {
    if (this.sweeping || this.status !== 'running' || !this.warmedUp)
      return this.sweeping ?? Promise.resolve();
    this.sweeping = (async () => {
      try {
        for (const conv of await this.conversations.withPending()) {
          if (this.liveness(conv.owner) !== 'dead') continue;
          await this.reassign(conv, why).catch((e: Error) =>
            this.log.warn('reassignment failed, will retry on the next sweep', {
              threadId: conv.threadId,
              error: e.message,
            }),
          );
        }
      } catch (e) {
        this.log.warn('sweep failed', { error: (e as Error).message });
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  private async reassign(conv: ConversationState, why: string): Promise<void> {
    if (this.reassigning.has(conv.threadId)) return;
    this.reassigning.add(conv.threadId);
    try {
      const owner = await this.ensureOwner(conv.threadId, conv.specialization);
      const now = new Date().toISOString();
      const moved = reassignedItems(conv, owner, now);
      if (moved === undefined) return;
      // Every processor may do this at once: same message, same epoch, same msgID, one work item.
      for (const item of moved) {
        await this.ctx.bus.jsPublish(contracts.agentWork, { agentId: owner.agentId }, item, {
          msgID: workMsgId(item.inboxId, item.messageId, owner.epoch),
        });
      }
      await this.conversations.update(conv.threadId, (prev) =>
        prev ? recordReassigned(prev, owner.agentId, owner.epoch, moved, now) : undefined,
      );
      this.emit(
        'conversation.reassigned',
        { from: conv.owner, to: owner.agentId, epoch: owner.epoch, moved: moved.length, why },
        { threadId: conv.threadId },
      );
    } finally {
      this.reassigning.delete(conv.threadId);
    }
  }
}
