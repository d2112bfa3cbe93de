// Rule-by-rule tests of the processor's ownership loop (rules O1-O5 at the top of the module).
import { expect } from 'chai';
import {
  ownershipStep,
  reassignedItems,
  type OwnershipFacts,
  type OwnershipView,
} from '../../../../actors/processing/core/ownership.ts';
import type { AgentView, Liveness } from '../../../../actors/processing/core/routing.ts';
import type { ConversationState, WorkItem } from '../../../../schemas/work.ts';

const agent = (actorId: string, over: Partial<AgentView> = {}): AgentView => ({
  actorId,
  available: true,
  load: 0,
  capacity: 4,
  specializations: ['support'],
  ...over,
});

function view(
  alive: Record<string, Liveness>,
  agents = [agent('n-agent-0'), agent('n-agent-1')],
): OwnershipView {
  return { liveness: (id) => alive[id] ?? 'dead', agents, maxProposals: 3 };
}

const owner = (agentId: string, epoch: number) => ({ agentId, epoch, instance: `conv/t/${epoch}` });

describe('ownership', function () {
  it('reads the learned owner first', function () {
    expect(ownershipStep('t', 'support', { proposals: [] }, view({}))).to.deep.equal({ kind: 'read-owner' });
  });

  it('O1: keeps a living learned owner, and waits for one it has not heard of yet', function () {
    const facts: OwnershipFacts = { current: owner('n-agent-1', 2), proposals: [] };
    expect(ownershipStep('t', 'support', facts, view({ 'n-agent-1': 'alive' }))).to.deep.equal({
      kind: 'owned',
      owner: owner('n-agent-1', 2),
    });
    expect(ownershipStep('t', 'support', facts, view({ 'n-agent-1': 'unknown' })).kind).to.equal('wait');
  });

  it('O2: proposes epoch 0 for a new conversation and the next epoch for a dead owner, with a chosen candidate', function () {
    const fresh = ownershipStep('t', 'support', { current: null, proposals: [] }, view({}));
    expect(fresh).to.deep.equal({
      kind: 'propose',
      epoch: 0,
      instance: 'conv/t/0',
      candidate: { agentId: 'n-agent-0', epoch: 0, specialization: 'support' },
    });
    const dead = ownershipStep('t', 'sales', { current: owner('n-agent-9', 4), proposals: [] }, view({}));
    // Nobody has "sales": any agent may own it, and the value names no specialization it lacks.
    expect(dead).to.deep.equal({
      kind: 'propose',
      epoch: 5,
      instance: 'conv/t/5',
      candidate: { agentId: 'n-agent-0', epoch: 5 },
    });
  });

  it('O3: the decided value is the owner, whoever proposed it; a dead decided owner moves one epoch on, a few times', function () {
    const decided = (agentId: string, epoch: number) => ({
      epoch,
      instance: `conv/t/${epoch}`,
      answer: { decided: { agentId, epoch } },
    });
    const other: OwnershipFacts = { current: null, proposals: [decided('n-agent-1', 0)] };
    expect(ownershipStep('t', undefined, other, view({ 'n-agent-1': 'alive' }))).to.deep.equal({
      kind: 'owned',
      owner: { agentId: 'n-agent-1', epoch: 0, instance: 'conv/t/0', specialization: undefined },
    });
    const deadOne: OwnershipFacts = { current: null, proposals: [decided('n-agent-7', 0)] };
    expect(ownershipStep('t', undefined, deadOne, view({})).kind).to.equal('propose');
    const exhausted: OwnershipFacts = {
      current: null,
      proposals: [decided('n-agent-7', 0), decided('n-agent-8', 1), decided('n-agent-9', 2)],
    };
    expect(ownershipStep('t', undefined, exhausted, view({}))).to.deep.include({ kind: 'wait' });
  });

  it('O4: waits when no agent is available or Paxos answers an error', function () {
    const none = view({}, [agent('n-agent-0', { available: false })]);
    expect(ownershipStep('t', 'support', { current: null, proposals: [] }, none)).to.deep.equal({
      kind: 'wait',
      reason: 'no agent is alive to own the conversation',
      retryInMs: 2_000,
    });
    const timedOut: OwnershipFacts = {
      current: null,
      proposals: [{ epoch: 0, instance: 'conv/t/0', answer: { error: 'PAXOS_TIMEOUT no decision' } }],
    };
    expect(ownershipStep('t', 'support', timedOut, view({}))).to.deep.equal({
      kind: 'wait',
      reason: 'Paxos for conv/t/0: PAXOS_TIMEOUT no decision',
      retryInMs: 500,
    });
  });

  it('O5: hands every pending item not already with the new owner to it, and nothing when the owner did not change', function () {
    const pending = (messageId: string, owner: string, epoch: number) =>
      ({ messageId, owner, epoch, instance: `conv/t/${epoch}` }) as unknown as WorkItem;
    const conv = {
      owner: 'n-agent-0',
      epoch: 0,
      pending: [pending('m1', 'n-agent-0', 0), pending('m2', 'n-agent-1', 1)],
    } as unknown as ConversationState;
    const moved = reassignedItems(conv, owner('n-agent-1', 1), 'now')!;
    expect(moved.map((m) => [m.messageId, m.owner, m.epoch, m.reassignedFrom])).to.deep.equal([
      ['m1', 'n-agent-1', 1, 'n-agent-0'],
    ]);
    expect(reassignedItems(conv, owner('n-agent-0', 0), 'now')).to.equal(undefined);
  });
});
