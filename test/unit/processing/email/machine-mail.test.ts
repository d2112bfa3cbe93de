// Unit tests for machine-mail: calendar responses, read receipts, ticket acknowledgements, newsletters and
// notifications are recognised without headers, and customers who use the same words are not.
import { expect } from 'chai';
import { recogniseMachineMail } from '../../../../actors/processing/email/machine-mail.ts';
import { decideAnswerability } from '../../../../actors/processing/email/should-answer.ts';
import { parseEmail } from '../../../../actors/processing/email/parsed-email.ts';

const reasonOf = (subject: string, body: string, local = 'someone', contentType = '', domain = '') =>
  recogniseMachineMail(subject, body, local, contentType, domain)?.reason;

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

  // Issue #13: families of machine mail as other clients and languages write them, apart from the eval sets' mail.
  describe('generalises over mail clients and languages', () => {
    const decide = (from: string, subject: string, text: string, headers?: Record<string, string>) =>
      decideAnswerability(
        parseEmail({ from, subject, text, inbox_id: 'support@example.com', ...(headers ? { headers } : {}) }),
      );

    for (const subject of [
      'Invitation acceptée : Point mensuel',
      'Einladung abgelehnt: Quartalsgespräch',
      'Invitación aceptada: Revisión del pedido',
      'Convite recusado: Reunião de equipe',
      'Uitnodiging geaccepteerd: Intake',
      'New time proposed: Contract walkthrough',
      'Zugesagt: Jahresplanung',
      'Re: Onder voorbehoud: Kennismaking',
      '仮承諾: 定例会議',
    ]) {
      it(`refuses the calendar response "${subject}"`, () =>
        expect(reasonOf(subject, 'Notes for the meeting')).to.equal('calendar'));
    }
    it("recognises Google's time-stamped subject and invitation bodies", () => {
      expect(reasonOf('Roadmap sync @ Thu 2 Apr 2026 10:00 - 10:30 (CEST) (ops@example.com)', '')).to.equal(
        'calendar',
      );
      expect(reasonOf('Planning', 'Mika Laine has invited you to an event. Join with Google Meet')).to.equal(
        'calendar',
      );
      expect(reasonOf('Planung', 'Jonas Weber hat Sie zu Planung am Montag eingeladen.')).to.equal(
        'calendar',
      );
    });
    for (const subject of [
      'Problem with invitation: the link is broken',
      'Order cancelled: when do I get my money?',
      'Accepted the quote, what next?',
    ]) {
      it(`answers the customer subject "${subject}"`, () =>
        expect(reasonOf(subject, 'Hi, could you help me with this please?')).to.equal(undefined));
    }

    for (const [language, text] of [
      [
        'en',
        'Thank you for your message. I am currently on parental leave until 3 March with no access to email.',
      ],
      ['de', 'Danke für Ihre Nachricht. Ich bin bis zum 14.04. im Urlaub und lese keine E-Mails.'],
      ['fr', 'Merci pour votre message. Je suis en vacances jusqu’au 12 avril.'],
      ['es', 'Gracias por su correo. Estoy de viaje hasta el 9 de mayo.'],
      ['it', 'Grazie per il messaggio. Sono in ferie fino al 6 gennaio.'],
      ['pt', 'Obrigado pela mensagem. Estou de licença até dia 2 de fevereiro.'],
      ['nl', 'Dank voor uw bericht. Ik ben tot en met 8 juni met vakantie.'],
      ['ja', 'ご連絡ありがとうございます。4月10日まで休暇をいただいております。'],
    ] as const) {
      it(`refuses (${language}) an out-of-office text without headers: "${text}"`, () =>
        expect(reasonOf('Your message', text)).to.equal('auto_reply'));
    }
    it('answers a customer who is away and asks for something', () => {
      expect(reasonOf('Delivery', "I'm away until Friday, can you hold the parcel at the depot?")).to.equal(
        undefined,
      );
      expect(
        reasonOf('Urlaub', 'Ich bin bis Montag im Urlaub. Kann ich die Lieferung verschieben?'),
      ).to.equal(undefined);
    });
    for (const subject of [
      '【自動応答】ご注文について',
      '[不在通知] お問い合わせ',
      'Re: 自動返信: 料金',
      'Fuori ufficio',
    ]) {
      it(`refuses the auto-reply subject "${subject}"`, () =>
        expect(decide('A <a@example.jp>', subject, '不在にしております。')).to.include({
          answer: false,
          reason: 'auto_reply',
        }));
    }

    it('recognises ticket numbers in Japanese and in corner brackets, and send-only notices', () => {
      expect(
        reasonOf('【お問い合わせ番号 88231】受付のお知らせ', 'お問い合わせを受付いたしました。'),
      ).to.equal('ticket_ack');
      expect(
        reasonOf('Case opened', 'Your case CS-99102 has been created. This message was sent automatically.'),
      ).to.equal('ticket_ack');
      expect(reasonOf('ご注文確認', 'ご注文ありがとうございました。このメールは配信専用です。')).to.equal(
        'notification',
      );
    });

    it('recognises an unsubscribe footer from a mailing sender or with other footer text', () => {
      expect(
        reasonOf(
          'Spring gear guide',
          'Our picks for spring.\n\nUnsubscribe',
          'hello',
          '',
          'mail.gearshop.com',
        ),
      ).to.equal('newsletter');
      expect(
        reasonOf('Neuheiten', 'Die Neuheiten im April.\n\nAbmelden | Impressum', 'team', '', 'example.de'),
      ).to.equal('newsletter');
      expect(
        reasonOf('Nouveautés', 'Les nouveautés.\nSe désabonner', 'actu', '', 'news.example.fr'),
      ).to.equal('newsletter');
    });
    it('answers a customer who writes only "unsubscribe", or asks about it', () => {
      expect(reasonOf('Unsubscribe', 'Unsubscribe', 'maria', '', 'gmail.com')).to.equal(undefined);
      expect(
        reasonOf(
          'Mails',
          'How do I stop the weekly tips?\nUnsubscribe does nothing.',
          'maria',
          '',
          'gmail.com',
        ),
      ).to.equal(undefined);
    });
  });
});
