// Maps the Paxos cores' destinations (roles and node ids) to subjects; the only Paxos code that knows the bus.
import { Counter, Histogram } from 'prom-client';
import type { Bus } from '../bus/bus.ts';
import { contracts } from '../bus/contracts.ts';
import { registry } from '../bus/metrics.ts';
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
} from '../schemas/paxos.ts';

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

/** Sends one core output: `acceptors` and `learners` fan out on their subject; anything else is a proposer id. */
export function sendPaxos(bus: Bus, to: string, msg: PaxosWireMessage): void {
  switch (msg.type) {
    case 'prepare':
    case 'prepare-all':
      consensusOps.inc({ phase: msg.type, result: 'sent' });
      return bus.publish(contracts.prepare, {}, msg);
    case 'accept':
      consensusOps.inc({ phase: 'accept', result: 'sent' });
      return bus.publish(contracts.accept, {}, msg);
    case 'accepted':
    case 'decided':
      if (to === 'learners') return bus.publish(contracts.toLearners, {}, msg);
      return bus.publish(contracts.toProposer, { proposerId: to }, msg);
    case 'promise':
    case 'promise-all':
    case 'nack':
      consensusOps.inc({ phase: msg.type, result: 'sent' });
      return bus.publish(contracts.toProposer, { proposerId: to }, msg);
    case 'error':
      throw new Error(`a Paxos error is a reply, not a send (to ${to})`);
    default: {
      const never: never = msg;
      throw new Error(`unknown Paxos message ${JSON.stringify(never)}`);
    }
  }
}
