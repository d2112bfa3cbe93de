// Which class runs each actor kind; the only place that knows every kind.
import type { ActorKind } from '../schemas/bus.ts';
import { AcceptorActor } from './acceptor.ts';
import { AgentActor } from './agent.ts';
import { GatewayActor } from './gateway.ts';
import type { ActorFactory } from './host.ts';
import { LearnerActor } from './learner.ts';
import { ProcessorActor } from './processor.ts';
import { ProposerActor } from './proposer.ts';

export const factories: Partial<Record<ActorKind, ActorFactory>> = {
  gateway: (id) => new GatewayActor(id),
  acceptor: (id) => new AcceptorActor(id),
  // Only each node's first proposer runs the Multi-Paxos fast path, so two proposers of one node never duel for it.
  proposer: (id, config, acceptors) =>
    new ProposerActor(id, acceptors, id.endsWith('-proposer-0') && config.paxosFastPath),
  learner: (id, _config, acceptors) => new LearnerActor(id, acceptors),
  processor: (id) => new ProcessorActor(id),
  agent: (id, config) => new AgentActor(id, config.agentSpecializations),
};
