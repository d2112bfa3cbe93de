// The agent actor: owns conversations Paxos gave it, drafts each reply (responder + guardrails), sends it once, or escalates to a person.
// It never answers work it no longer owns, never sends without first recording the draft it will send, and never re-drafts a recorded reply.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsMsg } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import { ack, consumeDurable, nak, term, type Outcome, type RunningConsumer } from '../../bus/consume.ts';
import { contracts } from '../../bus/contracts.ts';
import { Streams } from '../../bus/provision.ts';
import { subjectOf, Subjects } from '../../bus/subjects.ts';
import type { ReplyDraft } from '../../schemas/reply.ts';
import type { GiveBack, GiveBackReply, ReplyRecord, WorkItem } from '../../schemas/work.ts';
import { AssignmentStore } from '../consensus/assignment-store.ts';
import { createReplySender } from './outbound/create-reply-sender.ts';
import { isSendError, type SendError } from './outbound/errors.ts';
import { deriveIdempotencyKey } from './outbound/idempotency-key.ts';
import type { ReplySender, SendResult } from './outbound/reply-sender.ts';
import { loadKnowledgeBase } from './drafting/knowledge-base.ts';
import { ReplyRequestError } from './drafting/reply-errors.ts';
import { createResponder, type Responder } from './drafting/responder.ts';
import {
  fenceVerdict,
  nextStep,
  retryDelayMs,
  type Facts,
  type OwnerFact,
  type SendFact,
} from './core/reply-lifecycle.ts';
import { Actor } from '../runtime/actor.ts';
import { ConversationStore } from '../conversation/conversation-store.ts';
import { historyFor, recordGivenBack, recordSettled } from '../conversation/core/conversation.ts';
import { queueForPerson } from '../conversation/human-queue.ts';
import { ReplyStore } from '../conversation/reply-store.ts';
import { agentSpecializations } from '../../schemas/specializations.ts';
import { escalationsTotal, replyFailuresTotal, webhookToReplySeconds } from '../../telemetry/metrics.ts';

/** Purpose of the escalation acknowledgement's idempotency key: never the same key as a reply. */
export const escalationAckPurpose = 'escalation-ack-v1';
const maxDeliver = 12;

/** The labels an agent puts on a thread it handled; set operations, so repeating them is harmless. */
export function threadLabels(agentId: string, specialization: string, escalated: boolean): string[] {
  return [`owner:${agentId}`, `specialization:${specialization}`, ...(escalated ? ['escalated'] : [])];
}

/** One send attempt as the agent keeps it: the lifecycle's fact, and what the records and events need. */
interface Attempt {
  fact: SendFact;
  result?: SendResult;
  error?: SendError;
}

/** Webhook accepted to reply sent (or escalated); items routed before acceptedAt existed are not counted. */
function observeWebhookToReply(item: WorkItem, outcome: 'sent' | 'dry-run' | 'escalated'): void {
  if (item.acceptedAt !== undefined)
    webhookToReplySeconds.observe({ outcome }, Math.max(0, Date.now() - item.acceptedAt) / 1000);
}

/** What the reply.drafted event tells of a draft: how it was written and what it rests on, never its text. */
function draftFacts(draft: ReplyDraft) {
  const r = draft.responder;
  return {
    responder: r.kind,
    ...(r.kind === 'model' ? { model: r.model } : r.fallback ? { fallback: r.fallback.reason } : {}),
    length: draft.text.length,
    language: draft.language,
    grounded: draft.grounded,
    passages: draft.passages.map((p) => p.docId),
    escalate: draft.escalate,
    ...(draft.escalateReason ? { escalateReason: draft.escalateReason } : {}),
    ...(draft.refusals?.length ? { refusals: draft.refusals } : {}),
    ...(draft.injectionSignals?.length ? { injectionSignals: draft.injectionSignals } : {}),
  };
}

export class AgentActor extends Actor {
  readonly kind = 'agent' as const;
  private consumer: RunningConsumer | undefined;
  private giveBackSub: Subscription | undefined;
  private responder!: Responder;
  private sender!: ReplySender;
  private assignments!: AssignmentStore;
  private conversations!: ConversationStore;
  private replies!: ReplyStore;
  private inFlight = 0;
  private readonly specs: string[];
  private readonly aborter = new AbortController();

  constructor(
    id: string,
    specializationMap: Parameters<typeof agentSpecializations>[0],
    opts: { sender?: ReplySender; roster?: Parameters<typeof agentSpecializations>[2] } = {},
  ) {
    super(id);
    this.specs = agentSpecializations(specializationMap, id, opts.roster);
    if (opts.sender) this.sender = opts.sender;
  }

  load(): number {
    return this.inFlight;
  }
  override capacity(): number {
    return this.ctx.config.agentCapacity;
  }
  override specializations(): string[] {
    return this.specs;
  }

  protected async onStart(): Promise<void> {
    const { bus, config } = this.ctx;
    const kb = await loadKnowledgeBase(config.knowledgeBaseDir);
    this.responder = createResponder({
      kb,
      model: config.openai
        ? {
            apiKey: config.openai.apiKey,
            ...(config.openai.baseUrl ? { baseURL: config.openai.baseUrl } : {}),
            model: config.openai.model,
            timeoutMs: this.ctx.config.timeouts.draftMs,
          }
        : undefined,
      secrets: await this.secrets(),
      // The addresses replies go out from may be cited in a reply, like those the knowledge base publishes.
      allowedAddresses: config.business.supportAddresses,
      builtin: {
        signing: { companyName: config.business.companyName, signature: config.business.signature },
      },
    });
    // `this.sender` is only preset by tests that inject a failing sender.
    this.sender ??= createReplySender({
      apiKey: config.agentmailApiKey,
      baseUrl: config.agentmailBaseUrl,
      outboxDir: join(config.dataDir, 'outbox'),
      // A few quick tries in-process; longer outages go back to JetStream (nak with Retry-After) so the
      // message is not held past its ack wait.
      retry: { maxAttempts: 3, maxTotalMs: this.ctx.config.timeouts.sendBudgetMs },
      logger: this.log,
    });
    this.assignments = await AssignmentStore.open(bus);
    this.conversations = await ConversationStore.open(bus);
    this.replies = await ReplyStore.open(bus);
    // Any one agent takes a give-back: it needs the conversation record and the AgentMail client, nothing of its own.
    this.giveBackSub = this.handle(contracts.giveBack, {}, (cmd) => this.giveBack(cmd), { queue: 'agents' });
    this.consumer = await consumeDurable(
      this.consumeContext<WorkItem>((item) => ({ messageId: item.messageId, threadId: item.threadId })),
      {
        stream: Streams.work,
        durable: `agent-${this.id}`,
        filterSubject: subjectOf(Subjects.agentWork, { agentId: this.id }),
        ackWaitMs: this.ctx.config.timeouts.agentAckWaitMs,
        maxDeliver,
        maxAckPending: Math.max(1, config.agentCapacity) * 4,
      },
      contracts.agentWork,
      (item, m) => this.onWork(item, m),
      { concurrency: Math.max(1, config.agentCapacity) },
    );
  }

  protected async onStop(graceMs: number): Promise<void> {
    this.giveBackSub?.unsubscribe();
    const timer = setTimeout(() => this.aborter.abort(new Error('agent stopping')), graceMs);
    timer.unref();
    await this.consumer?.stop(graceMs);
    clearTimeout(timer);
  }

  /** Every configured secret a draft must never contain (the responder's output filter refuses them). */
  private async secrets(): Promise<string[]> {
    const c = this.ctx.config;
    const out = [c.agentmailApiKey, c.agentmailWebhookSecret, c.openai?.apiKey].filter(
      (s): s is string => typeof s === 'string' && s !== '',
    );
    try {
      out.push((await readFile(join(c.dataDir, 'webhook-secret'), 'utf8')).trim());
    } catch {
      // No generated secret on this node.
    }
    return out.filter((s) => s !== '');
  }

  private async onWork(item: WorkItem, m: JsMsg): Promise<Outcome> {
    this.inFlight++;
    try {
      return await this.work(item, m);
    } finally {
      this.inFlight--;
    }
  }

  /** Runs the reply lifecycle (core/reply-lifecycle.ts): performs each step it names and tells it what happened. */
  private async work(item: WorkItem, m: JsMsg): Promise<Outcome> {
    const ids = { messageId: item.messageId, threadId: item.threadId };
    const facts: Facts = {};
    const lifecycleItem = {
      owner: item.owner,
      epoch: item.epoch,
      needsHuman: item.classification.needsHuman,
      humanReasons: item.classification.humanReasons,
    };
    let history: ReplyRecord['audit']['history'] = [];
    let attempt: Attempt | undefined;
    for (;;) {
      const step = nextStep(lifecycleItem, facts, {
        me: this.id,
        deliveries: m.info.deliveryCount,
        maxDeliver,
      });
      switch (step.kind) {
        case 'read-owner':
          facts.owner = await this.ownerOf(item.threadId);
          break;
        case 'read-record':
          facts.record = (await this.replies.get(item.inboxId, item.messageId)) ?? null;
          break;
        case 'draft': {
          history = historyFor(await this.conversations.get(item.threadId), item.messageId);
          try {
            facts.draft = await this.draft(item, history);
          } catch (e) {
            if (e instanceof ReplyRequestError) return term(e.code, e.message);
            throw e;
          }
          this.emit('reply.drafted', draftFacts(facts.draft), ids, 'debug');
          break;
        }
        case 'record-intent': {
          const now = new Date().toISOString();
          // Intent first: whoever sends this reply later (us after a crash, or a new owner) sends this exact
          // draft under this exact key, so AgentMail sees one request and sends one email.
          facts.record = await this.replies.createOrGet({
            type: 'reply-record',
            status: 'intent',
            inboxId: item.inboxId,
            threadId: item.threadId,
            messageId: item.messageId,
            agentId: this.id,
            epoch: item.epoch,
            idempotencyKey: deriveIdempotencyKey(item.inboxId, item.messageId),
            audit: this.audit(item, history, step.draft, now),
            updatedAt: now,
          });
          break;
        }
        case 'fence':
          facts.fence = await this.fence(item);
          break;
        case 'send':
          m.working();
          attempt = await this.sendDraft(item, step.record);
          facts.send = attempt.fact;
          break;
        case 'record-sent':
          return this.recordSent(item, step.record, attempt!.result!);
        case 'retry':
          replyFailuresTotal.inc({ status: String(attempt?.error?.status ?? 0), retried: 'true' });
          this.emit(
            'reply.retry',
            {
              code: step.code,
              status: attempt?.error?.status ?? 0,
              delayMs: step.delayMs,
              deliveries: m.info.deliveryCount,
            },
            ids,
          );
          return nak(step.delayMs);
        case 'record-failed':
          return this.recordFailed(item, step.record, attempt!.error!, m.info.deliveryCount);
        case 'escalate':
          return this.escalate(item, step.reasons, m, step.draft, history);
        case 'already-done': {
          const record = step.record;
          await this.settleConversation(item, record.status === 'sent' ? 'answered' : 'escalated', record);
          this.emit(
            'reply.already-done',
            { status: record.status, by: record.result?.agentId ?? record.agentId },
            ids,
          );
          return ack;
        }
        case 'skip': {
          // A later epoch gave the conversation to someone else: its copy of this item is theirs to answer.
          const owner = facts.owner ?? null;
          this.emit(
            step.event,
            { itemEpoch: item.epoch, currentEpoch: owner?.epoch ?? -1, owner: owner?.agentId ?? '' },
            ids,
          );
          return ack;
        }
        case 'give-up':
          return term(step.code, 'reply intent without a draft');
        default: {
          const never: never = step;
          return never;
        }
      }
    }
  }

  private async ownerOf(threadId: string): Promise<OwnerFact> {
    const current = await this.assignments.currentOwner(threadId);
    return current ? { epoch: current.epoch, agentId: current.owner.agentId } : null;
  }

  /**
   * L5: right before a send, the Paxos owner record is read again and the conversation record is claimed by
   * compare-and-set, so a reassignment recorded while we drafted stops this send (its new owner sends the intent).
   */
  private async fence(item: WorkItem): Promise<'clear' | 'fenced'> {
    const owner = await this.ownerOf(item.threadId);
    let verdict = fenceVerdict(item, this.id, owner, undefined);
    if (verdict === 'fenced') return verdict;
    await this.conversations.update(item.threadId, (prev) => {
      verdict = fenceVerdict(item, this.id, owner, prev);
      return verdict === 'clear' && prev ? { ...prev, updatedAt: new Date().toISOString() } : undefined;
    });
    return verdict;
  }

  private draft(item: WorkItem, history: ReplyRecord['audit']['history']): Promise<ReplyDraft> {
    return this.responder.reply(
      {
        email: {
          subject: item.email.subject,
          text: item.email.text,
          language: item.classification.language,
          ...(item.email.senderName ? { senderName: item.email.senderName } : {}),
          ...(item.email.senderAddress ? { senderAddress: item.email.senderAddress } : {}),
        },
        history,
        classification: {
          specialization: item.classification.specialization,
          topic: item.classification.topic,
          priority: item.classification.priority,
          language: item.classification.language,
          needsHuman: item.classification.needsHuman,
        },
      },
      { signal: this.aborter.signal },
    );
  }

  private audit(
    item: WorkItem,
    history: ReplyRecord['audit']['history'],
    draft: ReplyDraft | undefined,
    at: string,
  ): ReplyRecord['audit'] {
    return {
      version: 'audit-1',
      eventId: item.eventId,
      ...(item.svixId ? { svixId: item.svixId } : {}),
      instance: item.instance,
      email: item.email,
      history,
      classification: item.classification,
      ...(draft ? { draft } : {}),
      draftedAt: at,
      draftedBy: this.id,
    };
  }

  /** One send attempt: the fact the lifecycle decides on, and the result or error the records and events keep. */
  private async sendDraft(item: WorkItem, record: ReplyRecord): Promise<Attempt> {
    const draft = record.audit.draft!;
    try {
      const result = await this.sender.sendReply(
        {
          inboxId: item.inboxId,
          messageId: item.messageId,
          threadId: item.threadId,
          text: draft.text,
          ...(draft.html ? { html: draft.html } : {}),
          idempotencyKey: record.idempotencyKey,
        },
        this.aborter.signal,
      );
      return { fact: { ok: true }, result };
    } catch (e) {
      if (!isSendError(e)) throw e;
      return {
        fact: { ok: false, code: e.code, retryable: e.retryable, retryAfterMs: e.retryAfterMs },
        error: e,
      };
    }
  }

  private async recordSent(item: WorkItem, record: ReplyRecord, result: SendResult): Promise<Outcome> {
    const draft = record.audit.draft!;
    const at = new Date().toISOString();
    const done = await this.replies.settle(item.inboxId, item.messageId, (prev) => ({
      ...(prev ?? record),
      status: 'sent',
      result: {
        messageId: result.messageId,
        threadId: result.threadId,
        dryRun: result.dryRun,
        attempts: result.attempts,
        at,
        agentId: this.id,
      },
      updatedAt: at,
    }));
    await this.label(item, false);
    await this.settleConversation(item, 'answered', done ?? record);
    observeWebhookToReply(item, result.dryRun ? 'dry-run' : 'sent');
    this.emit(
      result.dryRun ? 'reply.dry-run' : 'reply.sent',
      {
        agentId: this.id,
        epoch: item.epoch,
        specialization: item.classification.specialization,
        replyMessageId: result.messageId,
        attempts: result.attempts,
        grounded: draft.grounded,
        responder: draft.responder.kind,
        passages: draft.passages.map((p) => p.docId),
        drafter: record.agentId,
        ...(item.reassignedFrom ? { reassignedFrom: item.reassignedFrom } : {}),
      },
      { messageId: item.messageId, threadId: item.threadId },
    );
    return ack;
  }

  private async recordFailed(
    item: WorkItem,
    record: ReplyRecord,
    e: SendError,
    deliveries: number,
  ): Promise<Outcome> {
    const at = new Date().toISOString();
    await this.replies.settle(item.inboxId, item.messageId, (prev) => ({
      ...(prev ?? record),
      status: 'failed',
      error: { code: e.code, text: e.message.slice(0, 500), definite: e.definite },
      updatedAt: at,
    }));
    replyFailuresTotal.inc({ status: String(e.status ?? 0), retried: 'false' });
    this.emit(
      'reply.failed',
      { code: e.code, status: e.status ?? 0, definite: e.definite, deliveries },
      { messageId: item.messageId, threadId: item.threadId },
    );
    // term: consumeDurable copies the work item to the dead-letter stream for a person.
    return term(e.code, e.message);
  }
  private async escalate(
    item: WorkItem,
    reasons: string[],
    m: JsMsg,
    draft?: ReplyDraft,
    history: ReplyRecord['audit']['history'] = [],
  ): Promise<Outcome> {
    const ids = { messageId: item.messageId, threadId: item.threadId };
    const ackText = this.ctx.config.escalationAck;
    const why = reasons.length > 0 ? reasons : ['needs-human'];
    m.working();
    // Each step is idempotent (label set, idempotency key, msgID), so a retry after a crash repeats none.
    // The acknowledgement goes first, so the human queue says truthfully whether the customer got one; a
    // refused acknowledgement never keeps the conversation from reaching a human.
    let acknowledged = false;
    try {
      await this.label(item, true);
      if (ackText !== undefined) {
        await this.sender.sendReply(
          {
            inboxId: item.inboxId,
            messageId: item.messageId,
            threadId: item.threadId,
            text: ackText,
            idempotencyKey: deriveIdempotencyKey(item.inboxId, item.messageId, escalationAckPurpose),
          },
          this.aborter.signal,
        );
        acknowledged = true;
      }
    } catch (e) {
      if (!isSendError(e)) throw e;
      if (e.retryable && m.info.deliveryCount < maxDeliver) return nak(retryDelayMs(e, m.info.deliveryCount));
      this.emit('escalation.failed', { code: e.code, status: e.status ?? 0 }, ids);
    }
    await queueForPerson(this.ctx.bus, {
      inboxId: item.inboxId,
      threadId: item.threadId,
      messageId: item.messageId,
      eventId: item.eventId,
      agentId: this.id,
      epoch: item.epoch,
      reasons: why,
      classification: item.classification,
      email: item.email,
      acknowledged,
      at: new Date().toISOString(),
    });
    const at = new Date().toISOString();
    const record: ReplyRecord = {
      type: 'reply-record',
      status: 'escalated',
      inboxId: item.inboxId,
      threadId: item.threadId,
      messageId: item.messageId,
      agentId: this.id,
      epoch: item.epoch,
      idempotencyKey: deriveIdempotencyKey(item.inboxId, item.messageId, escalationAckPurpose),
      audit: this.audit(item, history, draft, at),
      escalation: { reasons: why, at, acknowledged },
      updatedAt: at,
    };
    await this.replies.settle(item.inboxId, item.messageId, () => record);
    await this.settleConversation(item, 'escalated', record);
    for (const reason of why) escalationsTotal.inc({ reason });
    observeWebhookToReply(item, 'escalated');
    this.emit('escalation.queued', { agentId: this.id, reasons: why, acknowledged, epoch: item.epoch }, ids);
    return ack;
  }

  /**
   * A person gives a held thread back: the `escalated` label goes first (how people find held threads, so it must
   * not outlive the hold), then the hold, recording who and when. Repeating it is harmless: a thread no longer
   * held answers `not-held`.
   */
  private async giveBack(cmd: GiveBack): Promise<GiveBackReply> {
    const base = { type: 'give-back-reply', threadId: cmd.threadId } as const;
    try {
      const conv = await this.conversations.get(cmd.threadId);
      if (conv === undefined)
        return { ...base, outcome: 'unknown-thread', text: 'no conversation with this id' };
      if (conv.hold === undefined) return { ...base, outcome: 'not-held' };
      await this.sender.label(
        { inboxId: conv.inboxId, threadId: cmd.threadId, remove: ['escalated'] },
        this.aborter.signal,
      );
      const at = new Date().toISOString();
      let released = false;
      await this.conversations.update(cmd.threadId, (prev) => {
        const next = prev ? recordGivenBack(prev, cmd.by, at, cmd.note) : undefined;
        released = next !== undefined;
        return next;
      });
      if (!released) return { ...base, outcome: 'not-held' };
      this.emit(
        'conversation.given-back',
        { by: cmd.by, heldSince: conv.hold.since, ...(cmd.note !== undefined ? { note: cmd.note } : {}) },
        { threadId: cmd.threadId },
      );
      return { ...base, outcome: 'given-back', by: cmd.by, at };
    } catch (e) {
      return { ...base, outcome: 'error', text: (e as Error).message.slice(0, 1000) };
    }
  }

  /**
   * Labels the thread. After a sent reply a failure must not undo or repeat the reply, so it is only logged; for an
   * escalation the label is how a person finds the thread, so a failure is thrown to the caller.
   */
  private async label(item: WorkItem, escalated: boolean): Promise<void> {
    try {
      await this.sender.label(
        {
          inboxId: item.inboxId,
          threadId: item.threadId,
          add: threadLabels(this.id, item.classification.specialization, escalated),
        },
        this.aborter.signal,
      );
    } catch (e) {
      if (escalated) throw e;
      this.log.warn('labelling the thread failed', { threadId: item.threadId, error: (e as Error).message });
    }
  }

  private async settleConversation(
    item: WorkItem,
    outcome: 'answered' | 'escalated',
    record: ReplyRecord,
  ): Promise<void> {
    const text = outcome === 'answered' ? record.audit.draft?.text : undefined;
    await this.conversations.update(item.threadId, (prev) =>
      prev
        ? recordSettled(
            prev,
            {
              messageId: item.messageId,
              outcome,
              replyFrom: item.inboxId,
              ...(text !== undefined ? { replyText: text } : {}),
              ...(record.escalation ? { reasons: record.escalation.reasons } : {}),
            },
            new Date().toISOString(),
          )
        : undefined,
    );
  }
}
