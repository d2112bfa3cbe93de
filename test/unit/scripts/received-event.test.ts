// Unit tests for the demo's and the e2e tests' message.received builder: the gateway must take what it builds, unchanged.
import { expect } from 'chai';
import { validateEvent } from '../../../gateway/webhook.ts';
import { messageReceivedEvent, type ReceivedMail } from '../../../scripts/received-event.ts';

const mail: ReceivedMail = {
  inboxId: 'support@acme.agentmail.to',
  threadId: 'thd_builder',
  messageId: '<builder@mail.example.com>',
  from: 'Jane Doe <jane@example.com>',
  subject: 'Cannot log in',
  text: 'I forgot my password.',
};

describe('received-event', () => {
  it('builds a payload the gateway accepts as message.received, carrying the mail as given', () => {
    const at = new Date('2025-01-02T03:04:05.000Z');
    const result = validateEvent(JSON.parse(JSON.stringify(messageReceivedEvent(mail, at))));
    if (!result.ok || result.kind !== 'received') throw new Error(`refused: ${JSON.stringify(result)}`);
    expect(result.eventType).to.equal('message.received');
    expect(result.payload.message).to.include({
      inbox_id: mail.inboxId,
      thread_id: mail.threadId,
      message_id: mail.messageId,
      from: mail.from,
      subject: mail.subject,
      text: mail.text,
      timestamp: at.toISOString(),
    });
    expect(result.payload.message.headers).to.deep.equal({});
    expect(result.payload.thread).to.include({ thread_id: mail.threadId, last_message_id: mail.messageId });
  });

  it('gives every event its own id unless one is named', () => {
    const a = messageReceivedEvent(mail).event_id;
    const b = messageReceivedEvent(mail).event_id;
    expect(a).to.match(/^evt_[0-9a-f]{12}$/);
    expect(a).to.not.equal(b);
    expect(messageReceivedEvent({ ...mail, eventId: 'evt_demo_1' }).event_id).to.equal('evt_demo_1');
  });

  it('passes headers through, so an auto-reply mail can be told apart', () => {
    const headers = { 'Auto-Submitted': 'auto-replied' };
    expect(messageReceivedEvent({ ...mail, headers }).message.headers).to.deep.equal(headers);
  });
});
