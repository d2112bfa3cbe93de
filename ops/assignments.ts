// `agentmail-ops assignments [thread]`: every thread's current owner, or one thread's owner for each epoch, from the
// `assignments` record the learners write. It changes nothing.
import type { Bus } from '../bus/bus.ts';
import { AssignmentStore } from '../actors/consensus/assignment-store.ts';
import { table } from './core/table.ts';

/** The table, and whether anything was found (a thread with no owner on record is not). */
export async function assignments(
  bus: Bus,
  threadId: string | undefined,
): Promise<{ text: string; found: boolean }> {
  const store = await AssignmentStore.open(bus);
  if (threadId === undefined) {
    const owners = (await store.owners()).sort((a, b) => a.threadId.localeCompare(b.threadId));
    if (owners.length === 0) return { text: 'no thread has an owner yet', found: true };
    const text = table([
      ['thread', 'epoch', 'owner', 'specialization', 'instance'],
      ...owners.map((o) => [
        o.threadId,
        String(o.epoch),
        o.owner.agentId,
        o.owner.specialization ?? '',
        o.instance,
      ]),
    ]);
    return { text, found: true };
  }
  const history = await store.history(threadId);
  if (history.length === 0) return { text: `thread ${threadId} has no owner on record`, found: false };
  const text = table([
    ['epoch', 'owner', 'specialization', 'instance'],
    ...history.map((h) => [
      String(h.epoch),
      h.owner?.agentId ?? '(no decision recorded)',
      h.owner?.specialization ?? '',
      h.instance,
    ]),
  ]);
  return { text, found: true };
}
