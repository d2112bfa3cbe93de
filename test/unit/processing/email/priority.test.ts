// Unit tests for priority: urgency words in several languages, calm wording, and VIP domains.
import { expect } from 'chai';
import { isVipAddress, scorePriority } from '../../../../actors/processing/email/priority.ts';

describe('priority', () => {
  it('is normal for an ordinary request', () => {
    expect(scorePriority('Change my address', 'Please update my shipping address.', 'a@x.com')).to.equal(
      'normal',
    );
  });

  it('is urgent for an outage', () => {
    expect(scorePriority('Dashboard down', 'The whole site is down, outage since 8am.', 'a@x.com')).to.equal(
      'urgent',
    );
  });

  it('is urgent for urgency words in German, French and Spanish', () => {
    expect(scorePriority('Dringend: kein Zugriff', 'Bitte sofort helfen.', 'a@x.com')).to.equal('urgent');
    expect(scorePriority('Urgent', 'Panne totale, aidez-nous immédiatement.', 'a@x.com')).to.equal('urgent');
    expect(scorePriority('Urgente', 'Estamos sin acceso, por favor lo antes posible.', 'a@x.com')).to.equal(
      'urgent',
    );
  });

  it('is high for a single milder urgency signal', () => {
    expect(scorePriority('Question', 'Could you reply asap?', 'a@x.com')).to.equal('high');
  });

  it('is low when the customer says there is no rush', () => {
    expect(scorePriority('Idea', 'No rush at all, just curious about dark mode.', 'a@x.com')).to.equal('low');
    expect(scorePriority('Small thing', 'Not urgent, just letting you know.', 'a@x.com')).to.equal('low');
  });

  it('raises a VIP sender one level, sub-domains included', () => {
    const vip = { vipDomains: ['bigcorp.com'] };
    expect(scorePriority('Hello', 'A question.', 'ceo@bigcorp.com', vip)).to.equal('high');
    expect(scorePriority('Hello', 'A question.', 'it@eu.bigcorp.com', vip)).to.equal('high');
    expect(scorePriority('Hello', 'A question.', 'x@notbigcorp.com', vip)).to.equal('normal');
    expect(scorePriority('Down', 'Outage, urgent!', 'ceo@bigcorp.com', vip)).to.equal('urgent');
  });

  it('matches VIP domains case-insensitively and ignores a leading @', () => {
    expect(isVipAddress('A@BigCorp.COM', ['@bigcorp.com'])).to.equal(true);
    expect(isVipAddress('', ['bigcorp.com'])).to.equal(false);
  });
});
