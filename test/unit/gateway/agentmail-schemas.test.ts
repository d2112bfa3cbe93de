// Tests that the AgentMail event schemas built by one helper keep exact derived types and match the documented data keys.
import { expect } from 'chai';
import {
  agentmailSchemas,
  otherEventDataKeys,
  type MessageBouncedEvent,
  type MessageSentEvent,
  type OtherEvent,
  type OtherEventType,
} from '../../../schemas/agentmail.ts';
import { validateEvent } from '../../../gateway/webhook.ts';
import { webhookFixture } from '../../support/webhook-fixtures.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// Type-level: these fail `npm run typecheck` if the helper ever widens event_type or loses the data key.
const exact: [
  Equal<MessageSentEvent['event_type'], 'message.sent'>,
  Equal<MessageBouncedEvent['event_type'], 'message.bounced'>,
  Equal<MessageSentEvent['send']['recipients'], string[]>,
  Equal<MessageBouncedEvent['bounce']['sub_type'], string>,
  Equal<OtherEvent['event_type'], OtherEventType>,
] = [true, true, true, true, true];

/** Compiles only while event_type discriminates the union down to the event's own data key. */
function dataOf(e: OtherEvent): unknown {
  switch (e.event_type) {
    case 'message.sent':
      return e.send;
    case 'message.delivered':
      return e.delivery;
    case 'message.bounced':
      return e.bounce;
    case 'message.complained':
      return e.complaint;
    case 'message.rejected':
      return e.reject;
    case 'message.opened':
      return e.open;
    case 'domain.verified':
      return e.domain;
    default: {
      const never: never = e;
      return never;
    }
  }
}

describe('agentmail-schemas', () => {
  // The exact types are checked by `npm run typecheck` (the `exact` tuple and dataOf above); here, that what the
  // gateway validates is shaped as those types say: each documented event's data sits under its own key.
  it('derives exact event types through the event schema helper', () => {
    void exact;
    for (const [eventType, key] of Object.entries(otherEventDataKeys)) {
      const payload = webhookFixture(eventType.replaceAll('.', '-'));
      const result = validateEvent(payload);
      if (!result.ok || result.kind !== 'other') throw new Error(`${eventType}: ${JSON.stringify(result)}`);
      expect(result.eventType).to.equal(eventType);
      expect(dataOf(result.payload), eventType).to.deep.equal(payload[key]).and.to.be.an('object');
    }
  });

  it('gives each delivery-side event its $id, its const event_type and its documented data key, required', () => {
    for (const [eventType, key] of Object.entries(otherEventDataKeys)) {
      const schema = agentmailSchemas.byEventType[eventType as OtherEventType];
      expect(schema.$id).to.equal(`agentmail.event.${eventType}`);
      expect(schema.properties.event_type).to.deep.equal({ const: eventType });
      expect(schema.required).to.deep.equal(['type', 'event_type', 'event_id', key]);
      expect(Object.keys(schema.properties)).to.deep.equal(['type', 'event_type', 'event_id', key]);
    }
  });
});
