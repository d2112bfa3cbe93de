// The processor's ownership loop as a pure decision: from the learned owner and the proposals made so far, the next step.
// No I/O: the adapter reads the owner record, asks Paxos, and passes back what it saw with a liveness view of the agents.
//
//  O1 A learned owner that is alive keeps the conversation (sticky); one not heard of yet is waited for, never stolen.
//  O2 No owner yet proposes epoch 0; a dead owner proposes the next epoch.
//  O3 The value Paxos decides is the owner, whoever proposed it; a decided owner already dead moves one epoch on,
//     at most `maxProposals` times, then the mail waits.
//  O4 No available agent, or Paxos answering an error, makes the mail wait (it is retried, never dropped).
//  O5 A reassignment hands every pending item not already with the new owner at its epoch to that owner.
import type { OwnerValue } from '../../../schemas/paxos.ts';
import type { ConversationState, WorkItem } from '../../../schemas/work.ts';
import { conversationInstance } from '../../consensus/core/instance.ts';
import { chooseCandidate, planOwnership, type AgentView, type Liveness } from './routing.ts';

export interface Owner {
  agentId: string;
  epoch: number;
  instance: string;
  specialization?: string | undefined;
}

/** What the adapter observed: the learned owner (null: none yet), and each proposal's answer in order. */
export interface OwnershipFacts {
  current?: Owner | null;
  proposals: { epoch: number; instance: string; answer: { decided: OwnerValue } | { error: string } }[];
}

export interface OwnershipView {
  liveness(agentId: string): Liveness;
  agents: readonly AgentView[];
  maxProposals: number;
}

export type OwnershipStep =
  | { kind: 'read-owner' }
  | { kind: 'propose'; epoch: number; instance: string; candidate: OwnerValue }
  | { kind: 'owned'; owner: Owner }
  /** The mail cannot get an owner now; retried after `retryInMs` (a suggestion the backoff grows from). */
  | { kind: 'wait'; reason: string; retryInMs: number };

export function ownershipStep(
  threadId: string,
  specialization: string | undefined,
  facts: OwnershipFacts,
  view: OwnershipView,
): OwnershipStep {
  if (facts.current === undefined) return { kind: 'read-owner' };
  const current = facts.current;
  const last = facts.proposals.at(-1);
  if (last === undefined) {
    // O1, O2
    const plan = planOwnership(current ?? undefined, current ? view.liveness(current.agentId) : 'alive');
    if (plan.kind === 'keep') return { kind: 'owned', owner: current! };
    if (plan.kind === 'wait')
      return { kind: 'wait', reason: `owner of ${threadId} not heard from yet`, retryInMs: 1_000 };
    return proposal(threadId, specialization, plan.epoch, view);
  }
  // O4
  if ('error' in last.answer)
    return { kind: 'wait', reason: `Paxos for ${last.instance}: ${last.answer.error}`, retryInMs: 500 };
  // O3
  const decided = last.answer.decided;
  if (view.liveness(decided.agentId) !== 'dead')
    return {
      kind: 'owned',
      owner: {
        agentId: decided.agentId,
        epoch: last.epoch,
        instance: last.instance,
        specialization: decided.specialization,
      },
    };
  if (facts.proposals.length >= view.maxProposals)
    return {
      kind: 'wait',
      reason: `no live owner for ${threadId} after ${view.maxProposals} epochs`,
      retryInMs: 2_000,
    };
  return proposal(threadId, specialization, last.epoch + 1, view);
}

function proposal(
  threadId: string,
  specialization: string | undefined,
  epoch: number,
  view: OwnershipView,
): OwnershipStep {
  const candidate = chooseCandidate(view.agents, specialization);
  // O4
  if (!candidate)
    return { kind: 'wait', reason: 'no agent is alive to own the conversation', retryInMs: 2_000 };
  return {
    kind: 'propose',
    epoch,
    instance: conversationInstance(threadId, epoch),
    candidate: {
      agentId: candidate.actorId,
      epoch,
      ...(specialization && candidate.specializations.includes(specialization) ? { specialization } : {}),
    },
  };
}

/**
 * O5: the work items a reassignment re-publishes to the conversation's new owner, or undefined when the owner did
 * not change (a sweep that found the same owner, or an older epoch than the record's).
 */
export function reassignedItems(conv: ConversationState, owner: Owner, now: string): WorkItem[] | undefined {
  if (owner.epoch <= conv.epoch && owner.agentId === conv.owner) return undefined;
  return conv.pending
    .filter((p) => !(p.epoch >= owner.epoch && p.owner === owner.agentId))
    .map((p) => ({
      ...p,
      owner: owner.agentId,
      epoch: owner.epoch,
      instance: owner.instance,
      routedAt: now,
      reassignedFrom: p.owner,
    }));
}
