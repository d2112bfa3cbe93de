// `agentmail-ops drain|stop <actor-id>`: the command on the actor's control subject, and the actor's answer.
import { BusUnavailableError, type Bus } from '../bus/bus.ts';
import { contracts } from '../bus/contracts.ts';
import { UsageError } from './target.ts';

const actorIdPattern = /^[A-Za-z0-9_-]{1,200}$/;

export async function control(bus: Bus, command: 'drain' | 'stop', actorId: string): Promise<string> {
  if (!actorIdPattern.test(actorId)) throw new UsageError(`${JSON.stringify(actorId)} is not an actor id`);
  try {
    const reply = await bus.request(contracts.control, { actorId }, { type: 'control', command }, 3_000);
    return `${reply.actorId}: ${command} accepted, now ${reply.status}`;
  } catch (e) {
    if (e instanceof BusUnavailableError)
      throw new Error(`${actorId} did not answer ${command} within 3 s: no such actor running (see status)`);
    throw e;
  }
}
