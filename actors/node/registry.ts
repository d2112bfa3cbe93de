// Which class runs each actor kind; the only place that knows every kind.
import type { ActorKind } from '../../schemas/bus.ts';
import { AcceptorActor } from '../consensus/acceptor.ts';
import { AgentActor } from '../answering/agent.ts';
import { GatewayActor } from '../../gateway/server.ts';
import type { ActorFactory } from './host.ts';
import { LearnerActor } from '../consensus/learner.ts';
import { ProcessorActor } from '../processing/processor.ts';
import { ProposerActor } from '../consensus/proposer.ts';

export const factories: Partial<Record<ActorKind, ActorFactory>> = {
  gateway: (id) => new GatewayActor(id),
  acceptor: (id, _config, acceptors) => new AcceptorActor(id, { cluster: acceptors }),
  // The proposer itself elects one distinguished fast-path proposer cluster-wide (actors/proposer.ts).
  proposer: (id, config, acceptors) => new ProposerActor(id, acceptors, config.paxosFastPath),
  learner: (id, _config, acceptors) => new LearnerActor(id, acceptors),
  processor: (id) => new ProcessorActor(id),
  agent: (id, config) => new AgentActor(id, config.agentSpecializations, { roster: config.business.roster }),
};
