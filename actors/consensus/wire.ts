// Maps the Paxos cores' destinations (roles and node ids) to subjects; the only Paxos code that knows the bus.
import { Counter, Histogram } from 'prom-client';
import { PayloadTooLargeError, type Bus } from '../../bus/bus.ts';
import { contracts, maxBatch, type Batch, type OneOrBatch } from '../../bus/contracts.ts';
import { registry } from '../../telemetry/metrics.ts';
import type {
  AcceptMsg,
  AcceptedMsg,
  DecidedMsg,
  NackMsg,
  PaxosErrorMsg,
  PrepareAllMsg,
  PrepareMsg,
  PromiseAllMsg,
  PromiseMsg,
} from '../../schemas/paxos.ts';

export const consensusOps = new Counter({
  name: 'consensus_operations_total',
  help: 'Paxos operations by phase and result',
  labelNames: ['phase', 'result'] as const,
  registers: [registry],
});

export const decisionSeconds = new Histogram({
  name: 'consensus_decision_seconds',
  help: 'Time from a propose request to its decided answer, at the proposer',
  buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export type PaxosWireMessage =
  | PrepareMsg
  | PrepareAllMsg
  | AcceptMsg
  | PromiseMsg
  | PromiseAllMsg
  | NackMsg
  | AcceptedMsg
  | DecidedMsg
  | PaxosErrorMsg;

/** Messages waiting for one destination; the contract's schema checks them when the batch is published. */
interface Queue {
  contract:
    | typeof contracts.prepare
    | typeof contracts.accept
    | typeof contracts.toLearners
    | typeof contracts.toProposer;
  params: Record<string, string>;
  messages: unknown[];
}

/**
 * Sends the cores' outputs, batched: everything one event-loop turn produces for one destination goes out
 * as one NATS message (in order), so 64 proposals in flight cost a handful of messages, not hundreds.
 * `acceptors` and `learners` fan out on their subject; any other destination is a proposer id.
 * One outbox per connection: the actors of a process share it, so three acceptors answering in the same turn
 * send one batch to the proposer, not three (every message names its sender).
 */
export class PaxosOutbox {
  private static readonly perBus = new WeakMap<Bus, PaxosOutbox>();
  private readonly queues = new Map<string, Queue>();
  private scheduled = false;

  private constructor(private readonly bus: Bus) {}

  /** The outbox of this connection. */
  static for(bus: Bus): PaxosOutbox {
    let o = PaxosOutbox.perBus.get(bus);
    if (!o) {
      o = new PaxosOutbox(bus);
      PaxosOutbox.perBus.set(bus, o);
    }
    return o;
  }

  send(to: string, msg: PaxosWireMessage): void {
    switch (msg.type) {
      case 'prepare':
      case 'prepare-all':
        consensusOps.inc({ phase: msg.type, result: 'sent' });
        return this.queue('prepare', contracts.prepare, {}, msg);
      case 'accept':
        consensusOps.inc({ phase: 'accept', result: 'sent' });
        return this.queue('accept', contracts.accept, {}, msg);
      case 'accepted':
      case 'decided':
        if (to === 'learners') {
          return this.queue('learners', contracts.toLearners, {}, msg);
        }
        return this.toProposer(to, msg);
      case 'promise':
      case 'promise-all':
      case 'nack':
        consensusOps.inc({ phase: msg.type, result: 'sent' });
        return this.toProposer(to, msg);
      case 'error':
        throw new Error(`a Paxos error is a reply, not a send (to ${to})`);
      default: {
        const never: never = msg;
        throw new Error(`unknown Paxos message ${JSON.stringify(never)}`);
      }
    }
  }

  private toProposer(
    proposerId: string,
    msg: PromiseMsg | PromiseAllMsg | NackMsg | AcceptedMsg | DecidedMsg,
  ) {
    this.queue(`proposer:${proposerId}`, contracts.toProposer, { proposerId }, msg);
  }

  private queue(
    key: string,
    contract: Queue['contract'],
    params: Record<string, string>,
    msg: unknown,
  ): void {
    let q = this.queues.get(key);
    if (!q) {
      q = { contract, params, messages: [] };
      this.queues.set(key, q);
    }
    q.messages.push(msg);
    if (q.messages.length >= maxBatch) this.flushOne(key, q);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    for (const [key, q] of this.queues) this.flushOne(key, q);
  }

  private flushOne(key: string, q: Queue): void {
    this.queues.delete(key);
    if (q.messages.length === 0 || !this.bus.connected) return;
    this.publish(q, q.messages);
  }

  /**
   * One NATS message for `messages`, or, when that is over the server's max_payload, two halves (recursively).
   * A message that cannot go out (too big alone, or failing its schema) is dropped with one log line: Paxos
   * tolerates lost messages (its sender retries or times out), while an exception here would end the process.
   */
  private publish(q: Queue, messages: readonly unknown[]): void {
    const body = messages.length === 1 ? messages[0] : { type: 'batch', messages };
    try {
      this.bus.publish(q.contract, q.params, body as never);
    } catch (e) {
      if (e instanceof PayloadTooLargeError && messages.length > 1) {
        const half = Math.ceil(messages.length / 2);
        this.publish(q, messages.slice(0, half));
        this.publish(q, messages.slice(half));
        return;
      }
      consensusOps.inc({ phase: 'send', result: 'dropped' });
      this.bus.logger.error(`dropped ${messages.length} Paxos message(s): ${(e as Error).message}`, {
        contract: q.contract.name,
        types: [...new Set(messages.map((m) => (m as { type?: unknown }).type))].join(','),
      });
    }
  }
}

/** The messages of one delivery, whether it came alone or in a batch. */
export function unbatch<M>(m: OneOrBatch<M>): M[] {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'batch'
    ? (m as Batch<M>).messages
    : [m as M];
}
