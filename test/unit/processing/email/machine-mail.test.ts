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

  describe('machine mail of every kind, in words of its own and from many clients and desks, reaches no agent', () => {
    for (const [kind, from, subject, text] of [
      [
        'calendar',
        'Ana Souza <ana@empresa.com.br>',
        'Aceito: Demonstração do produto',
        'Ana Souza aceitou este convite.',
      ],
      [
        'calendar',
        'Outlook <x@corp.com>',
        'Tentative: Pricing review',
        'Tentative: Pricing review\nTuesday 10:00-10:30',
      ],
      ['calendar', 'Pierre <p@x.fr>', 'Refusé : Point produit', 'Pierre a refusé votre invitation.'],
      ['calendar', 'Jan <jan@x.nl>', 'Afgewezen: Demo', 'Jan heeft deze uitnodiging afgewezen.'],
      ['calendar', 'Kenji <k@x.jp>', '辞退: 製品説明会', '佐藤さんが招待を辞退しました。'],
      [
        'calendar',
        'G <calendar-notification@google.com>',
        'Updated invitation with note: Kickoff @ Mon 3 Mar 2026 9am - 10am (GMT)',
        'This event has been updated',
      ],
      ['calendar', 'Eva <eva@x.de>', 'Abgelehnt: Rückruf Termin', 'Eva hat den Termin abgelehnt.'],
      [
        'read_receipt',
        'Bob <bob@x.com>',
        'Read: Invoice 5512',
        'Your message\n  To: bob@x.com\n  Subject: Invoice 5512\nwas read on 5/5/2026.',
      ],
      ['read_receipt', 'Luca <l@x.it>', 'Letto: Fattura', 'Il messaggio è stato letto il 05/05/2026.'],
      ['read_receipt', 'Ana <a@x.es>', 'Leído: Factura', 'Su mensaje fue leído el 05/05/2026.'],
      ['read_receipt', 'Jo <j@x.jp>', '開封済み: 請求書', 'メッセージは開封されました。'],
      [
        'ticket_ack',
        'Help <help@x.com>',
        'Re: Your question [#A-99812]',
        'Thanks! Your request #A-99812 has been received. Our team will reply within 24 hours.',
      ],
      [
        'ticket_ack',
        'Service <s@x.de>',
        '[Ticket#2026050512] Ihre Anfrage',
        'Ihre Anfrage ist bei uns eingegangen und wird bearbeitet. Ticketnummer: 2026050512.',
      ],
      [
        'ticket_ack',
        'Soporte <s@x.es>',
        '[Caso 77812] Hemos recibido su consulta',
        'Hemos recibido su consulta con el número 77812. Le responderemos pronto.',
      ],
      [
        'ticket_ack',
        'Assistenza <a@x.it>',
        'Richiesta 5521 ricevuta',
        'Abbiamo ricevuto la sua richiesta n. 5521. Questo è un messaggio automatico.',
      ],
      [
        'ticket_ack',
        'Suporte <s@x.br>',
        '[Chamado #8891] Recebemos sua solicitação',
        'Recebemos sua solicitação. Número do chamado: 8891.',
      ],
      [
        'ticket_ack',
        'Klantenservice <k@x.nl>',
        'Uw vraag is ontvangen (#55120)',
        'Wij hebben uw vraag ontvangen onder nummer 55120. U hoort binnen 2 werkdagen van ons.',
      ],
      [
        'auto_reply',
        'Tom <tom@x.co.uk>',
        'Re: Invoice',
        'Hi, thanks for your email. I am on annual leave until 12 May and will reply on my return.',
      ],
      [
        'auto_reply',
        'Ines <i@x.pt>',
        'Re: Encomenda',
        'Estou fora do escritório até segunda-feira. Responderei assim que possível.',
      ],
      ['auto_reply', 'Marc <m@x.fr>', 'Absent', 'Je suis absent du bureau jusqu’au 15 mai.'],
      [
        'auto_reply',
        'Sara <s@x.it>',
        'Re: Ordine',
        'Sono assente fino al 10 giugno, risponderò al mio rientro.',
      ],
      [
        'auto_reply',
        'Pim <p@x.nl>',
        'Re: Factuur',
        'Ik ben afwezig tot 3 juni. Uw mail wordt niet doorgestuurd.',
      ],
      ['auto_reply', '佐藤 <s@x.jp>', 'Re: お見積り', '誠に恐れ入りますが、5月7日まで休暇中です。'],
      ['auto_reply', 'Max <m@x.de>', 'Außer Haus: Ihre Anfrage', 'Ich bin bis 9.5. außer Haus.'],
      [
        'newsletter',
        'Acme <news@acme.com>',
        'May product update',
        'Here is what is new in May.\n\nUnsubscribe · Manage preferences',
      ],
      [
        'newsletter',
        'Shop <info@shop.de>',
        'Neu im Mai',
        'Entdecken Sie die Neuheiten.\n\nSie erhalten diese E-Mail, weil Sie sich angemeldet haben.',
      ],
      [
        'newsletter',
        'Blog <hello@mail.blog.it>',
        'Le novità di maggio',
        'Le novità del mese.\n\nDisiscriviti',
      ],
      ['notification', 'Bank <no-reply@bank.com>', 'Payment received', 'We received your payment of €50.'],
      [
        'notification',
        'Shopify <mailer@shopify.com>',
        'New order #1001',
        'You have a new order. This is an automatically generated email.',
      ],
      [
        'notification',
        'Jira <jira@atlassian.net>',
        '[JIRA] (OPS-12) Server upgrade',
        'Anna updated OPS-12. This message was sent by Atlassian Jira. Do not reply.',
      ],
      [
        'notification',
        'Alerts <alerts@monitor.io>',
        'ALERT: CPU high on web-1',
        'CPU > 90% for 5 minutes. Please do not reply to this email.',
      ],
      [
        'bounce',
        'Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
        'Address not found',
        "Your message wasn't delivered to x@y.com because the address couldn't be found.",
      ],
      [
        'bounce',
        'Postmaster <postmaster@x.fr>',
        'Non distribuable: Facture',
        "Votre message n'a pas pu être remis.",
      ],
      [
        'bounce',
        'MAILER-DAEMON <MAILER-DAEMON@x.nl>',
        'Onbestelbaar: Offerte',
        'Uw bericht kon niet worden bezorgd.',
      ],
      ['calendar', 'Zoe <z@x.com>', 'Accepted: Weekly sync', ''],
      [
        'calendar',
        'Anna <a@x.de>',
        'Einladung: Kick-off @ Mo. 4. Mai 2026 10:00 - 11:00 (MESZ) (anna@x.de)',
        'Sie wurden zu folgendem Termin eingeladen.',
      ],
      [
        'calendar',
        'Apple <noreply@icloud.com>',
        'Invitation accepted: Demo call',
        'Zoe accepted your invitation to Demo call.',
      ],
      [
        'calendar',
        'Luis <l@x.es>',
        'Invitación: Llamada @ mar 5 may 2026 10:00 - 10:30 (CEST) (l@x.es)',
        'Luis te ha invitado a este evento.',
      ],
      ['read_receipt', 'Clara <c@x.fr>', 'Lu : Devis', 'Votre message a été lu le 04/05/2026.'],
      ['read_receipt', 'Ruud <r@x.nl>', 'Gelezen: Factuur mei', 'Uw bericht is gelezen op 4-5-2026.'],
      ['read_receipt', 'Ana <a@x.pt>', 'Lida: Orçamento', 'A sua mensagem foi lida em 04/05/2026.'],
      [
        'ticket_ack',
        'Zendesk <support@acme.zendesk.com>',
        '[Acme] Re: Invoice question',
        'Your request (4521) has been received and is being reviewed by our support staff.',
      ],
      [
        'ticket_ack',
        'HelpScout <help@x.com>',
        'We got your message',
        'Thanks for reaching out! This is an automated reply to let you know we received your email. Ticket #88123.',
      ],
      [
        'ticket_ack',
        'Kundendienst <k@x.de>',
        'Eingangsbestätigung Ihrer Anfrage',
        'Vielen Dank, wir haben Ihre Anfrage erhalten. Vorgangsnummer 44120.',
      ],
      [
        'ticket_ack',
        'SAV <sav@x.fr>',
        'Accusé de réception',
        'Nous avons bien reçu votre demande, numéro de dossier 7712. Ceci est un message automatique.',
      ],
      [
        'auto_reply',
        'Ben <b@x.com>',
        'Away: Re: quote',
        'Hello, I am away on business travel until 20 May with limited access to email.',
      ],
      [
        'auto_reply',
        'Lea <l@x.de>',
        'Re: Angebot',
        'Ich bin vom 4. bis 15. Mai nicht im Büro. Ihre Nachricht wird nicht weitergeleitet.',
      ],
      [
        'auto_reply',
        'Paula <p@x.es>',
        'Re: Pedido',
        'Gracias por escribir. Estoy de vacaciones hasta el 18 de mayo y responderé a mi regreso.',
      ],
      [
        'auto_reply',
        'Rui <r@x.pt>',
        'Re: Fatura',
        'Obrigado pelo contacto. Estou de férias até 20/05, sem acesso ao e-mail.',
      ],
      [
        'auto_reply',
        'Koen <k@x.nl>',
        'Re: Offerte',
        'Bedankt voor je bericht. Ik ben met vakantie tot en met 22 mei.',
      ],
      [
        'auto_reply',
        '鈴木 <s@x.jp>',
        'Re: 請求書について',
        'ただいま不在にしております。5月10日以降にご連絡いたします。',
      ],
      [
        'newsletter',
        'Stories <stories@mail.x.com>',
        'Your May digest',
        'The best stories this month.\n\nUnsubscribe | View in browser',
      ],
      [
        'newsletter',
        'Actu <actu@x.fr>',
        'Nos nouveautés de mai',
        'Découvrez nos nouveautés.\n\nVous recevez cet e-mail car vous êtes inscrit.',
      ],
      ['newsletter', 'News <news@x.nl>', 'Nieuwsbrief mei', 'Het laatste nieuws.\n\nAfmelden'],
      [
        'notification',
        'PayPal <service@paypal.com>',
        'You received a payment',
        'You received €20.00 from Kim. This email was sent automatically. Please do not reply.',
      ],
      [
        'notification',
        'Google <no-reply@accounts.google.com>',
        'Security alert',
        'A new sign-in on Windows.',
      ],
      [
        'notification',
        'Amazon <auto-confirm@amazon.de>',
        'Ihre Bestellung',
        'Vielen Dank für Ihre Bestellung. Diese E-Mail wurde automatisch erstellt, bitte antworten Sie nicht.',
      ],
      [
        'notification',
        'Mercado <notificaciones@x.com>',
        'Tu compra',
        'Este correo se ha generado automáticamente, no responda a este mensaje.',
      ],
      [
        'bounce',
        'Mail System <mailer-daemon@x.de>',
        'Unzustellbar: Angebot',
        'Die Nachricht konnte nicht zugestellt werden.',
      ],
      ['bounce', 'Postmaster <postmaster@x.it>', 'Mancato recapito', 'Il messaggio non è stato consegnato.'],
    ] as const) {
      it(`refuses the ${kind} "${subject}"`, () =>
        expect(
          decideAnswerability(parseEmail({ from, subject, text, inbox_id: 'help@example.com' })).answer,
        ).to.equal(false));
    }
    for (const [subject, text] of [
      [
        'Invoice 2231',
        'We received your invoice number 2231 but the VAT number on it is wrong. Can you fix it?',
      ],
      ['Ticket?', 'Do I need a ticket number to ask about my refund? I never got one.'],
      ['Return', 'My return request #1234 was received by your warehouse. When do I get the refund?'],
      ['Re: your reply', 'Thanks, I received your message. One more question: does the plan include SMS?'],
      ['Hallo', 'Wir haben Ihre Nachricht erhalten, danke! Eine Frage noch: gibt es Rabatt für Vereine?'],
    ] as const) {
      it(`answers the customer "${text}"`, () =>
        expect(
          decideAnswerability(
            parseEmail({ from: 'Kim <kim@example.org>', subject, text, inbox_id: 'help@example.com' }),
          ),
        ).to.deep.equal({ answer: true }));
    }
  });
});
