// Unit tests for parsed-email: one received email parsed once into the value every later step reads.
import { expect } from 'chai';
import fc from 'fast-check';
import { getHeader, parseEmail } from '../../../../actors/processing/email/parsed-email.ts';

describe('parsed-email', () => {
  it('extracts the new text once, without quoted history or signature', () => {
    const email = parseEmail({
      text: 'Where is my order?\n\nThanks,\nJane\n\nOn Mon, Bob <b@x.com> wrote:\n> old stuff',
    });
    expect(email.text).to.equal('Where is my order?');
  });

  it('parses the sender and keeps the From value as written', () => {
    const email = parseEmail({ from: 'Jane Doe <Jane@Example.com>' });
    expect(email.from).to.equal('Jane Doe <Jane@Example.com>');
    expect(email.sender).to.deep.equal({ address: 'jane@example.com', name: 'Jane Doe' });
  });

  it('takes the first sender when a list comes', () => {
    expect(parseEmail({ from: ['a@x.com', 'b@x.com'] }).sender.address).to.equal('a@x.com');
  });

  it('indexes string headers by lower-cased name, the first spelling winning, and drops the rest', () => {
    const email = parseEmail({ headers: { 'Auto-Submitted': 'auto-replied', 'AUTO-SUBMITTED': 'no', X: 3 } });
    expect(getHeader(email, 'auto-submitted')).to.equal('auto-replied');
    expect(getHeader(email, 'x')).to.equal(undefined);
    expect([...email.headers.keys()]).to.deep.equal(['auto-submitted']);
  });

  it('carries the ids and defaults what is missing to empty strings', () => {
    const email = parseEmail({ inbox_id: 'i@x.com', thread_id: 't', message_id: '<m@x>' });
    expect([email.inboxId, email.threadId, email.messageId]).to.deep.equal(['i@x.com', 't', '<m@x>']);
    expect([email.subject, email.text, email.from, email.sender.address]).to.deep.equal(['', '', '', '']);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (from, subject, headers) => {
        const email = parseEmail({ from, subject, headers } as never);
        expect(email.subject).to.be.a('string');
        expect(email.sender.address).to.be.a('string');
      }),
      { numRuns: 300 },
    );
  });
});
