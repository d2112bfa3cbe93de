// The HUMAN stream as its writers (agents escalating, processors holding mail of a thread a person has) use it:
// one message per received email, whoever writes it and however often; no decisions here.
import type { Bus } from '../../bus/bus.ts';
import { contracts } from '../../bus/contracts.ts';
import type { HumanEscalation } from '../../schemas/work.ts';
import { humanMsgId } from './message-ids.ts';

/** Queues one received email for a person; the fixed msgID makes a repeat (redelivery, crash, race) harmless. */
export async function queueForPerson(bus: Bus, escalation: Omit<HumanEscalation, 'type'>): Promise<void> {
  await bus.jsPublish(
    contracts.humanQueue,
    { inbox: escalation.inboxId },
    { type: 'human-escalation', ...escalation },
    { msgID: humanMsgId(escalation.inboxId, escalation.messageId) },
  );
}
