// Unit tests for machine-mail: calendar responses, read receipts, ticket acknowledgements, newsletters and
// notifications are recognised without headers, and customers who use the same words are not.
import { expect } from 'chai';
import { recogniseMachineMail } from '../../../../actors/processing/email/machine-mail.ts';
import { decideAnswerability } from '../../../../actors/processing/email/should-answer.ts';
import { parseEmail } from '../../../../actors/processing/email/parsed-email.ts';

const reasonOf = (subject: string, body: string, local = 'someone', contentType = '') =>
  recogniseMachineMail(subject, body, local, contentType)?.reason;

describe('machine-mail', () => {
  describe('calendar responses', () => {
    const subjects = [
      'Accepted: Product demo @ Tue Mar 4, 2026 2pm - 2:30pm (CET)',
      'Declined: Onboarding call',
      'Tentative: Quarterly review',
      'Invitation: Kickoff @ Mon 9am',
      'Angenommen: Produktvorführung',
      'Accepté : Démonstration',
      'Rechazado: Llamada de seguimiento',
      'Accettato: Chiamata di prova',
      'Aceito: Reunião',
      'Geweigerd: Kennismaking',
      '承諾: 製品デモ',
    ];
    for (const subject of subjects) {
      it(`refuses "${subject}"`, () => expect(reasonOf(subject, 'See you then.')).to.equal('calendar'));
    }
    it('recognises a text/calendar reply and the body a calendar writes', () => {
      expect(reasonOf('Meeting', '', 'x', 'text/calendar; method=REPLY')).to.equal('calendar');
      expect(reasonOf('Demo', 'Sam Lee has accepted this invitation.\n\nDemo Thu 3pm')).to.equal('calendar');
      expect(reasonOf('Demo', 'Sanne heeft de uitnodiging geaccepteerd.')).to.equal('calendar');
    });
    it('answers a customer who asks about an invitation they accepted', () => {
      expect(
        reasonOf('Question about the demo', 'I accepted your invitation but got no link. Help?'),
      ).to.equal(undefined);
    });
  });

  describe('read receipts', () => {
    it('recognises a disposition-notification report and receipt subjects with their text', () => {
      expect(
        reasonOf('Anything', 'x', 'a', 'multipart/report; report-type=disposition-notification'),
      ).to.equal('read_receipt');
      expect(
        reasonOf('Read: Your quote', 'Your message\n\nTo: a@b.c\n\nwas read on 3/3/2026 10:01.'),
      ).to.equal('read_receipt');
      expect(reasonOf('Gelesen: Rechnung 12', 'Ihre Nachricht wurde am 3.3.2026 gelesen.')).to.equal(
        'read_receipt',
      );
      expect(reasonOf('Gelezen: Offerte', 'Uw bericht is gelezen op 03-03-2026 10:01.')).to.equal(
        'read_receipt',
      );
    });
    it('answers a customer whose subject starts with "Read"', () => {
      expect(
        reasonOf(
          'Read this first: my invoice is wrong',
          'Hi, I was charged twice this month. Please check my account and fix the second charge, it is not right.',
        ),
      ).to.equal(undefined);
    });
  });

  describe('ticket acknowledgements', () => {
    it("recognises another help desk's receipt of our mail", () => {
      expect(
        reasonOf(
          '[Ticket 8812] Re: your order',
          'Your request has been received and a ticket has been created.',
        ),
      ).to.equal('ticket_ack');
      expect(
        reasonOf(
          'Re: Rechnung',
          'Ihre Anfrage wurde erfolgreich angelegt. Referenz: 5521. Dies ist eine automatisch erstellte Nachricht.',
        ),
      ).to.equal('ticket_ack');
      expect(
        reasonOf(
          'Votre demande',
          'Votre demande (991) a bien été reçue. Ceci est un message automatique, merci de ne pas répondre.',
        ),
      ).to.equal('ticket_ack');
    });
  });

  describe('newsletters and notifications', () => {
    it('recognises a newsletter by its footer, or by its sender and subject', () => {
      expect(reasonOf('Ten tips', "Tips...\n\nYou're receiving this email because you subscribed.")).to.equal(
        'newsletter',
      );
      expect(reasonOf('Weekly digest #12', 'Top stories', 'newsletter')).to.equal('newsletter');
      expect(reasonOf('Nieuws', 'U ontvangt deze e-mail omdat u bent ingeschreven.')).to.equal('newsletter');
    });
    it('recognises the "automated message, do not reply" footer in several languages', () => {
      expect(reasonOf('Payout sent', 'Your payout is on the way.\n\nThis is an automated message.')).to.equal(
        'notification',
      );
      expect(reasonOf('Status', 'Die App ist online. Bitte antworten Sie nicht auf diese E-Mail.')).to.equal(
        'notification',
      );
      expect(reasonOf('お知らせ', 'このメールは自動送信です。')).to.equal('notification');
    });
    it('answers a customer who writes "unsubscribe" or "do not reply"', () => {
      expect(
        reasonOf('Emails', 'I clicked unsubscribe twice and still get your emails. Please stop them.'),
      ).to.equal(undefined);
      expect(reasonOf('Old address', 'Please send invoices to my new address, not the old one.')).to.equal(
        undefined,
      );
    });
  });

  it('is applied by decideAnswerability, with its reason', () => {
    const email = {
      from: 'Kim Park <kim@example.org>',
      subject: 'Accepted: Demo @ Wed 10am',
      text: 'Kim Park has accepted this invitation.',
      inbox_id: 'support@example.com',
    };
    expect(decideAnswerability(parseEmail(email))).to.include({ answer: false, reason: 'calendar' });
  });
});
