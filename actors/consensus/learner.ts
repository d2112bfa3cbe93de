// The learner actor: feeds accepted votes and decided notices to the pure learner core, writes each decision to the
// durable record (KV `assignments` and the DECISIONS stream), announces it, and answers lookups. Nothing else.
import { contracts } from '../../bus/contracts.ts';
import type { LookupReplyMsg, OwnerValue } from '../../schemas/paxos.ts';
import * as core from './core/learner.ts';
import { parseConversationInstance } from './core/instance.ts';
import { AssignmentStore, ConflictingDecisionError } from './assignment-store.ts';
import { RecentSet } from './recent-set.ts';
import { consensusOps, unbatch } from './wire.ts';
import { Actor } from '../runtime/actor.ts';
import { agentAssignmentsTotal } from '../../telemetry/metrics.ts';

type V = OwnerValue;

/**
 * How often learned instances are dropped from the core, so its memory stays bounded (lookups fall through to
 * the durable record); late votes for them are dropped for about a second after.
 */
const forgetEveryMs = 250;
const forgetsPerGeneration = 4;

export class LearnerActor extends Actor {
  readonly kind = 'learner' as const;
  private state!: core.LearnerState<V>;
  private store!: AssignmentStore;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Learned recently: late votes for them are dropped instead of piling up as votes that never reach a quorum. */
  private readonly recent = new RecentSet();
  /** Learned this turn, recorded next turn (see recordLearned). */
  private readonly toRecord: Extract<core.LearnerOut<V>, { kind: 'decided' }>[] = [];

  constructor(
    id: string,
    private readonly acceptors: string[],
  ) {
    super(id);
  }

  load(): number {
    return this.inFlight;
  }

  protected async onStart(): Promise<void> {
    this.store = await AssignmentStore.open(this.ctx.bus);
    // Catching up after a restart needs no replay: lookups fall through to the durable record.
    this.state = core.initialState<V>({ id: this.id, acceptors: this.acceptors });
    this.handle(contracts.toLearners, {}, (m) => {
      for (const msg of unbatch(m)) {
        if (!this.recent.has(msg.instance)) this.apply(core.step(this.state, { type: 'message', msg }));
      }
    });
    this.handle(contracts.lookup, {}, (q) => this.lookup(q.instance), { queue: 'learners' });
    let forgets = 0;
    this.timer = setInterval(() => {
      const learned = [...this.state.learned.keys()];
      for (const i of learned) this.recent.add(i);
      this.state = core.forget(this.state, learned);
      if (++forgets % forgetsPerGeneration === 0) this.recent.rotate();
    }, forgetEveryMs);
    this.timer.unref();
  }

  protected async onStop(): Promise<void> {
    clearInterval(this.timer);
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private apply(r: ReturnType<typeof core.step<V>>): void {
    this.state = r.state;
    for (const o of r.out) {
      if (o.kind !== 'decided') continue;
      this.inFlight++;
      this.toRecord.push(o);
      if (this.toRecord.length === 1) setImmediate(() => this.recordLearned());
    }
  }

  /**
   * Records what was learned, one event-loop turn later: the votes that teach a learner a value reach the
   * proposer in the same socket read, and the proposer's answer to its caller is written only once that read
   * is handled; recording later keeps the learner's JetStream work off the caller's critical path.
   */
  private recordLearned(): void {
    for (const d of this.toRecord.splice(0)) void this.record(d.instance, d.value as V, d.ballot);
  }

  /** `inFlight` counts a decision from when it is learned until its record is written (or failed). */
  private async record(instance: string, value: V, ballot: core.Decision<V>['ballot']): Promise<void> {
    const conv = parseConversationInstance(instance);
    const ids = conv ? { threadId: conv.threadId } : {};
    try {
      if (await this.store.recordDecision(instance, value))
        agentAssignmentsTotal.inc({ specialization: value.specialization ?? 'general' });
      await this.ctx.bus.jsPublish(
        contracts.decision,
        { instance },
        { type: 'decided', instance, value, ...(ballot ? { ballot } : {}), from: this.id },
        { msgID: `decided:${instance}` },
      );
      consensusOps.inc({ phase: 'learn', result: 'ok' });
      this.emit(
        'paxos.decided',
        {
          instance,
          owner: value.agentId,
          ...(conv ? { epoch: conv.epoch } : {}),
          ...(ballot ? { round: ballot.round } : {}),
        },
        ids,
        'debug',
      );
    } catch (e) {
      consensusOps.inc({
        phase: 'learn',
        result: e instanceof ConflictingDecisionError ? 'conflict' : 'error',
      });
      if (e instanceof ConflictingDecisionError)
        this.emit('paxos.safety-violation', { instance, error: e.message }, ids);
      else this.log.error('could not record decision', { instance, error: (e as Error).message });
    } finally {
      this.inFlight--;
    }
  }

  private async lookup(instance: string): Promise<LookupReplyMsg> {
    const known = this.state.learned.get(instance);
    const value = known?.value ?? (await this.store.decision(instance));
    return value === undefined
      ? { type: 'lookup-reply', instance, found: false }
      : { type: 'lookup-reply', instance, found: true, value };
  }
}
