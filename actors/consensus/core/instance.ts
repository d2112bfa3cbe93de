// Names of the Paxos instances that decide conversation owners: one per conversation and epoch. Pure.

/** The Paxos instance that decides the owner of one conversation for one epoch (DESIGN: conv/<thread>/<epoch>). */
export function conversationInstance(threadId: string, epoch: number): string {
  return `conv/${threadId}/${epoch}`;
}

export function parseConversationInstance(instance: string): { threadId: string; epoch: number } | undefined {
  const m = /^conv\/(.+)\/(\d+)$/.exec(instance);
  return m ? { threadId: m[1]!, epoch: Number(m[2]) } : undefined;
}
