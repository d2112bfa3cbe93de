// Which class runs each actor kind; the only place that knows every kind.
import type { ActorKind } from '../schemas/bus.ts';
import { GatewayActor } from './gateway.ts';
import type { ActorFactory } from './host.ts';

export const factories: Partial<Record<ActorKind, ActorFactory>> = {
  gateway: (id) => new GatewayActor(id),
};
