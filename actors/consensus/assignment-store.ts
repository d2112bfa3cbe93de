// The durable record of Paxos decisions in the `assignments` KV bucket: per instance, and the current owner per thread.
// It records what Paxos decided; it never decides. A second, different value for one instance is a safety alarm.
import { createError } from '../../schemas/errors.ts';
import type { KV } from '@nats-io/kv';
import type { Bus } from '../../bus/bus.ts';
import { compareAndSet } from '../../bus/kv-record.ts';
import { Buckets } from '../../bus/provision.ts';
import { token, untoken } from '../../bus/subjects.ts';
import type { OwnerValue } from '../../schemas/paxos.ts';
import { conversationInstance, parseConversationInstance } from './core/instance.ts';

const instancePrefix = 'i.';
const threadPrefix = 't.';

const instanceKey = (instance: string) => `${instancePrefix}${token(instance)}`;
const threadKey = (threadId: string) => `${threadPrefix}${token(threadId)}`;
export const instanceFromKey = (key: string) =>
  key.startsWith(instancePrefix) ? untoken(key.slice(instancePrefix.length)) : undefined;

export interface CurrentOwner {
  threadId: string;
  epoch: number;
  owner: OwnerValue;
  instance: string;
}

export class ConflictingDecisionError extends createError('PAXOS_SAFETY', 'ConflictingDecisionError', {
  retryable: false,
}) {
  constructor(
    readonly instance: string,
    readonly recorded: OwnerValue,
    readonly offered: OwnerValue,
  ) {
    super(
      `two values for ${instance}: recorded ${JSON.stringify(recorded)}, offered ${JSON.stringify(offered)}`,
    );
  }
}

const sameValue = (a: OwnerValue, b: OwnerValue) => JSON.stringify(a) === JSON.stringify(b);

export class AssignmentStore {
  private constructor(
    readonly kv: KV,
    private readonly bus: Bus,
  ) {}

  static async open(bus: Bus): Promise<AssignmentStore> {
    return new AssignmentStore(await bus.kvm.open(Buckets.assignments), bus);
  }

  async decision(instance: string): Promise<OwnerValue | undefined> {
    const e = await this.kv.get(instanceKey(instance));
    return e && e.operation === 'PUT' ? e.json<OwnerValue>() : undefined;
  }

  /**
   * Records a decision once (put-if-absent). Recording the same value again is a no-op; a different value
   * means two learners learned different values, which Paxos forbids: it throws so the alarm is loud.
   * True when this call wrote the record (exactly one learner does, so a count of trues counts decisions once).
   */
  async recordDecision(instance: string, value: OwnerValue): Promise<boolean> {
    let created = false;
    let failure: Error | undefined;
    try {
      created = await this.createKey(instanceKey(instance), JSON.stringify(value));
    } catch (e) {
      // A timeout may still have stored it: what is recorded decides, as for an existing key.
      failure = e as Error;
    }
    if (!created) {
      const existing = await this.decision(instance);
      if (existing === undefined) {
        // bus.kvCreate counts a delete marker as existing; nothing here deletes an `i.` key.
        throw failure ?? new Error(`${instance}: the record's last entry is not a value, cannot confirm it`);
      }
      if (!sameValue(existing, value)) throw new ConflictingDecisionError(instance, existing, value);
    }
    const parsed = parseConversationInstance(instance);
    if (parsed) await this.advanceOwner({ ...parsed, owner: value, instance });
    return created;
  }

  async currentOwner(threadId: string): Promise<CurrentOwner | undefined> {
    const e = await this.kv.get(threadKey(threadId));
    return e && e.operation === 'PUT' ? e.json<CurrentOwner>() : undefined;
  }

  /** Every thread with an owner, as recorded (for ops tools: it reads the whole bucket's keys). */
  async owners(): Promise<CurrentOwner[]> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys(`${threadPrefix}>`)) keys.push(k);
    const owners = await Promise.all(
      keys.map(async (k) => {
        const e = await this.kv.get(k);
        return e && e.operation === 'PUT' ? e.json<CurrentOwner>() : undefined;
      }),
    );
    return owners.filter((o) => o !== undefined);
  }

  /** The thread's decision for every epoch from 0 to its current one (undefined where none was recorded). */
  async history(
    threadId: string,
  ): Promise<{ epoch: number; instance: string; owner: OwnerValue | undefined }[]> {
    const current = await this.currentOwner(threadId);
    if (!current) return [];
    const epochs = Array.from({ length: current.epoch + 1 }, (_, e) => e);
    return Promise.all(
      epochs.map(async (epoch) => {
        const instance = conversationInstance(threadId, epoch);
        return { epoch, instance, owner: await this.decision(instance) };
      }),
    );
  }

  /** Moves the thread's current owner forward to a later epoch (compare-and-set); never backwards. */
  private async advanceOwner(next: CurrentOwner): Promise<void> {
    const key = threadKey(next.threadId);
    const body = JSON.stringify(next);
    // Most decisions are a thread's first owner: one put-if-absent, no read.
    if (await this.createIfAbsent(key, body)) return;
    await compareAndSet<CurrentOwner>(
      key,
      {
        read: async () => {
          const e = await this.kv.get(key);
          return e && e.operation === 'PUT'
            ? { value: e.json<CurrentOwner>(), revision: e.revision }
            : undefined;
        },
        write: async (_value, revision) => {
          if (revision === undefined) return this.createKey(key, body);
          await this.kv.update(key, body, revision);
          return true;
        },
      },
      (prev) => (prev !== undefined && prev.epoch >= next.epoch ? undefined : next),
    );
  }

  private async createIfAbsent(key: string, body: string): Promise<boolean> {
    try {
      return await this.createKey(key, body);
    } catch {
      return false;
    }
  }

  /**
   * Put-if-absent through the bus's JetStream publisher: kv.create costs an nc.request() per call, a share of
   * the learner's CPU (2-3 writes per decision). `i.`/`t.` keys are never deleted, which the fast create needs.
   */
  private createKey(key: string, body: string): Promise<boolean> {
    return this.bus.kvCreate(Buckets.assignments, key, body);
  }
}
