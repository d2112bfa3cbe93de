// Unit tests for should-answer: each must-not-answer case, the rate-limited path, and that real mail passes.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  decideAnswerability,
  decideWithRateLimit,
} from '../../../../actors/processing/email/should-answer.ts';
import type { EmailInput } from '../../../../actors/processing/email/email-input.ts';
import { parseEmail } from '../../../../actors/processing/email/parsed-email.ts';
import { emptyRateLimitState } from '../../../../actors/processing/email/rate-limit.ts';

const customer: EmailInput = {
  from: 'Jane Doe <jane@example.com>',
  subject: 'Where is my order?',
  text: 'Hi, my order has not arrived.',
  inbox_id: 'support@acme.com',
  headers: { 'Auto-Submitted': 'no' },
};

function reasonOf(email: EmailInput, ctx = {}): string | undefined {
  const d = decideAnswerability(parseEmail(email), ctx);
  return d.answer ? undefined : d.reason;
}

describe('should-answer', () => {
  it('answers an ordinary customer email, even with Auto-Submitted: no', () => {
    expect(decideAnswerability(parseEmail(customer), { ownAddresses: ['support@acme.com'] })).to.deep.equal({
      answer: true,
    });
  });

  describe('auto-replies', () => {
    for (const value of ['auto-replied', 'auto-generated', 'auto-notified; owner-email="x@y.z"']) {
      it(`refuses Auto-Submitted: ${value}`, () => {
        expect(reasonOf({ ...customer, headers: { 'Auto-Submitted': value } })).to.equal('auto_reply');
      });
    }

    it('reads header names case-insensitively', () => {
      expect(reasonOf({ ...customer, headers: { 'auto-submitted': 'auto-replied' } })).to.equal('auto_reply');
    });

    for (const h of ['X-Autoreply', 'X-Autorespond']) {
      it(`refuses mail carrying ${h}`, () => {
        expect(reasonOf({ ...customer, headers: { [h]: 'yes' } })).to.equal('auto_reply');
      });
    }

    it('refuses Precedence: auto_reply', () => {
      expect(reasonOf({ ...customer, headers: { Precedence: 'auto_reply' } })).to.equal('auto_reply');
    });

    for (const subject of [
      'Out of office',
      'Out of Office: back on Monday',
      'Automatic reply: Where is my order?',
      'Abwesenheitsnotiz: Ihre Anfrage',
      'Réponse automatique : Votre commande',
      'Auto: Re: invoice',
      'RE: Respuesta automática',
    ]) {
      it(`refuses the auto-reply subject "${subject}"`, () => {
        expect(reasonOf({ ...customer, headers: {}, subject })).to.equal('auto_reply');
      });
    }

    it('answers a customer whose subject merely mentions being out of the office later', () => {
      expect(
        reasonOf({ ...customer, subject: 'Can I change delivery? I will be out of office next week' }),
      ).to.equal(undefined);
    });
  });

  describe('bulk and list mail', () => {
    for (const p of ['bulk', 'junk', 'list']) {
      it(`refuses Precedence: ${p}`, () => {
        expect(reasonOf({ ...customer, headers: { Precedence: p } })).to.equal('bulk_or_list');
      });
    }
    for (const h of ['List-Id', 'List-Unsubscribe']) {
      it(`refuses mail carrying ${h}`, () => {
        expect(reasonOf({ ...customer, headers: { [h]: '<news.example.com>' } })).to.equal('bulk_or_list');
      });
    }
  });

  describe('bounces', () => {
    it('refuses mail from mailer-daemon and postmaster', () => {
      expect(reasonOf({ ...customer, from: 'MAILER-DAEMON@mx.example.com' })).to.equal('bounce');
      expect(reasonOf({ ...customer, from: 'Postmaster <postmaster@example.com>' })).to.equal('bounce');
    });

    it('refuses "Mail Delivery Subsystem" even without an address', () => {
      expect(reasonOf({ ...customer, from: 'Mail Delivery Subsystem' })).to.equal('bounce');
    });

    for (const subject of [
      'Delivery Status Notification (Failure)',
      'Undeliverable: Your order',
      'Mail delivery failed: returning message to sender',
    ]) {
      it(`refuses the bounce subject "${subject}"`, () => {
        expect(reasonOf({ ...customer, subject })).to.equal('bounce');
      });
    }

    it('reports a bounce rather than an auto-reply when both apply', () => {
      expect(
        reasonOf({ ...customer, from: 'mailer-daemon@x.com', headers: { 'Auto-Submitted': 'auto-replied' } }),
      ).to.equal('bounce');
    });
  });

  describe('no-reply senders', () => {
    for (const from of [
      'noreply@shop.com',
      'No Reply <no-reply@shop.com>',
      'donotreply@bank.com',
      'do-not-reply@bank.com',
      'notifications@github.com',
      'noreply+abc@shop.com',
    ]) {
      it(`refuses ${from}`, () => {
        expect(reasonOf({ ...customer, from })).to.equal('no_reply_sender');
      });
    }

    it('answers a person whose address merely contains "reply"', () => {
      expect(reasonOf({ ...customer, from: 'replyguy@example.com' })).to.equal(undefined);
    });

    it('refuses mail with no sender address at all', () => {
      expect(reasonOf({ ...customer, from: undefined })).to.equal('no_reply_sender');
    });
  });

  describe('mail loops', () => {
    it('refuses mail from one of our own inboxes, whatever the case or display name', () => {
      const email = { ...customer, from: 'Sales Bot <Sales@Acme.com>' };
      expect(reasonOf(email, { ownAddresses: ['Sales <sales@acme.com>'] })).to.equal('mail_loop');
    });

    it('treats the receiving inbox itself as our own address', () => {
      expect(reasonOf({ ...customer, from: 'support@acme.com' })).to.equal('mail_loop');
    });
  });

  describe('rate limit', () => {
    it('refuses when the adapter says the sender is over the limit', () => {
      const d = decideAnswerability(parseEmail(customer), { senderAllowed: false });
      expect(d).to.deep.include({ answer: false, reason: 'rate_limited' });
    });

    it('lets max mails through per window, then refuses, then allows again after the window', () => {
      const opts = { max: 2, windowMs: 60_000 };
      const state = emptyRateLimitState();
      const answers: boolean[] = [];
      for (const now of [0, 1_000, 2_000, 61_000]) {
        answers.push(decideWithRateLimit(parseEmail(customer), {}, state, now, opts).answer);
      }
      expect(answers).to.deep.equal([true, true, false, true]);
    });

    it('does not count auto-replies against the sender', () => {
      const opts = { max: 1, windowMs: 60_000 };
      const auto = { ...customer, subject: 'Out of office' };
      const state = emptyRateLimitState();
      expect(decideWithRateLimit(parseEmail(auto), {}, state, 0, opts).answer).to.equal(false);
      expect(state.size).to.equal(0);
      expect(decideWithRateLimit(parseEmail(customer), {}, state, 1, opts).answer).to.equal(true);
    });
  });

  it('never throws on arbitrary headers, subjects and senders', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 30 }), fc.oneof(fc.string({ maxLength: 80 }), fc.anything())),
        fc.string({ maxLength: 300 }),
        fc.anything(),
        (headers, subject, from) => {
          const d = decideAnswerability(parseEmail({ headers, subject, from } as never), {
            ownAddresses: ['a@b.c'],
          });
          expect(d.answer).to.be.a('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});
