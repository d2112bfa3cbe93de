// Whether an agent may act on a work item it received: pure, from the item and the conversation's current owner record.
// No I/O: the agent adapter reads the owner record and passes it in.

/**
 * Whether an agent may act on a work item. A later epoch decided for someone else means the conversation was
 * reassigned: the item is stale and its new owner got (or will get) its own copy.
 */
export function workVerdict(
  item: { owner: string; epoch: number },
  current: { epoch: number; agentId: string } | undefined,
  me: string,
): 'own' | 'stale' | 'misrouted' {
  if (item.owner !== me) return 'misrouted';
  if (current !== undefined && current.epoch > item.epoch && current.agentId !== me) return 'stale';
  return 'own';
}
