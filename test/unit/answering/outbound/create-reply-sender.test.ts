// Unit tests for choosing the sender: the real API only when an API key is configured.
import { expect } from 'chai';
import { AgentMailSender } from '../../../../actors/answering/outbound/agentmail-sender.ts';
import { createReplySender } from '../../../../actors/answering/outbound/create-reply-sender.ts';
import { DryRunOutbox } from '../../../../actors/answering/outbound/dry-run-outbox.ts';

describe('create-reply-sender', () => {
  it('uses the dry-run outbox, and says so, when AGENTMAIL_API_KEY is absent or empty', () => {
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (m: string) => void warnings.push(m) };
    expect(createReplySender({ outboxDir: '/tmp/x', logger })).to.be.instanceOf(DryRunOutbox);
    expect(createReplySender({ apiKey: '', outboxDir: '/tmp/x', logger })).to.be.instanceOf(DryRunOutbox);
    expect(warnings).to.have.length(2);
  });

  it('uses AgentMail when an API key is set', () => {
    const s = createReplySender({ apiKey: 'am_x', baseUrl: 'http://127.0.0.1:1', outboxDir: '/tmp/x' });
    expect(s).to.be.instanceOf(AgentMailSender);
  });
});
