// Unit tests for needs-human-shapes: each sentence shape in several languages, written apart from the eval sets, and
// the look-alikes that must still be answered (how-to questions, a site down without cost, a deadline without court).
import { expect } from 'chai';
import { normalize } from '../../../../actors/processing/email/keyword-match.ts';
import { parseEmail } from '../../../../actors/processing/email/parsed-email.ts';
import { decideAnswerability } from '../../../../actors/processing/email/should-answer.ts';
import { assessNeedsHuman } from '../../../../actors/processing/email/needs-human.ts';
import {
  asksToCancel,
  isLegalLetter,
  reportsOutage,
  reportsPaymentReversal,
} from '../../../../actors/processing/email/needs-human-shapes.ts';

const reasons = (subject: string, body: string): string[] => assessNeedsHuman(subject, body).humanReasons;

describe('needs-human-shapes', () => {
  describe('a request to cancel, not a question about how', () => {
    for (const [language, text] of [
      [
        'en',
        'We have decided to stop using the tool; kindly terminate the business subscription from March.',
      ],
      ['en', 'Cancelling our annual plan today, please confirm the cancellation in writing.'],
      ['de', 'Wir kündigen unseren Vertrag fristgerecht zum Quartalsende.'],
      ['de', 'Bitte löschen Sie mein Konto und alle Daten.'],
      ['fr', 'Merci de résilier notre forfait à la prochaine échéance.'],
      ['es', 'Les pido que cancelen mi suscripción a partir del mes que viene.'],
      ['it', 'Con la presente vi comunico la disdetta del contratto.'],
      ['pt', 'Quero encerrar a minha conta, por favor confirmem o cancelamento.'],
      ['nl', 'Wij willen ons lidmaatschap opzeggen per de eerste van de maand.'],
      ['nl', 'Hierbij zeggen wij het contract voor de server op.'],
    ] as const) {
      it(`holds (${language}) "${text}"`, () => expect(asksToCancel(normalize(text))).to.equal(true));
    }
    it('holds a Japanese request to end the contract, and answers a Japanese how-to question', () => {
      expect(reasons('', '来月で解約をお願いします。')).to.include('cancellation');
      expect(reasons('解約の方法', '解約の方法を教えてください。')).to.not.include('cancellation');
    });

    for (const [language, text] of [
      ['en', 'How can I cancel my free trial before I get charged?'],
      ['en', 'Is there a way to end the trial early? How do I cancel the subscription from my phone?'],
      ['de', 'Wie kann ich mein Abo kündigen, wenn ich über den App Store bezahlt habe?'],
      ['fr', "Comment puis-je résilier mon abonnement depuis l'application ?"],
      ['es', '¿Cómo puedo cancelar la suscripción si la compré en Android?'],
      ['it', "Come posso disdire l'abbonamento annuale dal telefono?"],
      ['pt', 'Como faço para cancelar a assinatura pelo Android?'],
      ['nl', 'Hoe kan ik mijn abonnement opzeggen via de app?'],
      ['en', 'Please cancel my order 5521, it has not shipped yet.'],
      ['en', 'At the end of the month, which plan suits a team of four?'],
      ['en', "We're close to the plan limit: what does the next plan cost?"],
    ] as const) {
      it(`answers (${language}) "${text}"`, () => expect(asksToCancel(normalize(text))).to.equal(false));
    }
  });

  describe('an outage that costs the business', () => {
    for (const [language, text] of [
      [
        'en',
        'Checkout has been throwing errors since noon and shoppers cannot pay. We are losing orders by the minute.',
      ],
      [
        'en',
        'The API is unresponsive for every request; none of our 12 shops are taking payments. This is business critical.',
      ],
      ['de', 'Unser Shop ist seit zwei Stunden nicht erreichbar, wir verlieren Umsatz.'],
      ['fr', 'Le site est en panne depuis ce matin et nos clients ne peuvent plus commander.'],
      ['es', 'La web está caída desde anoche y estamos perdiendo ventas.'],
      ['it', 'Il sito è irraggiungibile da stamattina, stiamo perdendo clienti.'],
      ['pt', 'A loja está fora do ar e estamos perdendo vendas.'],
      ['nl', 'Onze site is niet bereikbaar sinds vanochtend en we verliezen omzet.'],
    ] as const) {
      it(`holds (${language}) "${text}"`, () => expect(reportsOutage(normalize(text), text)).to.equal(true));
    }
    it('holds a Japanese outage report with its cost', () => {
      const text = '今朝からサイトにアクセスできません。売上に影響が出ています。';
      expect(reportsOutage(normalize(text), text)).to.equal(true);
    });
    for (const text of [
      'My test site is down after I changed the DNS, what did I do wrong?',
      'I get an error when I upload my profile picture. Our customers love the app otherwise!',
      'Do offline lessons work for our students without wifi?',
      'Our customers say the new booking page looks great.',
    ]) {
      it(`answers "${text}"`, () => expect(reportsOutage(normalize(text), text)).to.equal(false));
    }
  });

  describe('a bank or card company taking a payment back', () => {
    for (const [language, text] of [
      ['en', 'My credit card company has disputed the two charges from last week.'],
      ['en', 'The charge was flagged as unauthorised by my bank and reversed.'],
      ['de', 'Meine Bank hat die Abbuchung zurückgebucht.'],
      ['fr', 'Ma banque a contesté le paiement de novembre.'],
      ['es', 'Mi banco ha revertido el cargo de diciembre.'],
      ['it', 'La mia banca ha stornato il pagamento.'],
      ['pt', 'O meu banco estornou a cobrança duplicada.'],
      ['nl', 'Mijn bank heeft de betaling teruggedraaid.'],
    ] as const) {
      it(`holds (${language}) "${text}"`, () =>
        expect(reportsPaymentReversal(normalize(text))).to.equal(true));
    }
    for (const text of [
      'Can I pay by bank transfer instead of card?',
      'My bank declined the card, can I try PayPal?',
      'Do you accept Visa and Mastercard?',
    ]) {
      it(`answers "${text}"`, () => expect(reportsPaymentReversal(normalize(text))).to.equal(false));
    }
  });

  describe('the shape of a legal letter', () => {
    for (const [language, text] of [
      [
        'en',
        'We are instructed on behalf of our client. Unless the sum is repaid within 10 days we will start court proceedings.',
      ],
      [
        'de',
        'Im Auftrag unseres Mandanten fordern wir Sie auf, binnen einer Frist zu zahlen; andernfalls folgt eine gerichtliche Klärung.',
      ],
      ['fr', 'Sans réponse sous 15 jours, nous saisirons le tribunal compétent.'],
      ['es', 'Si no recibimos respuesta en un plazo de 10 días acudiremos a los tribunales.'],
      ['it', 'In mancanza di riscontro entro 15 giorni adiremo il tribunale.'],
      ['pt', 'Caso não haja resposta no prazo de 10 dias, seguiremos para o tribunal.'],
      ['nl', 'Als wij binnen 14 dagen niets horen, stappen wij naar de rechter.'],
    ] as const) {
      it(`holds (${language}) "${text}"`, () => expect(isLegalLetter(normalize(text))).to.equal(true));
    }
    for (const text of [
      'Our client wants to know if the invoices can show a VAT number.',
      'Will the parcel arrive within 5 days? I need the boots for a trip.',
      'Refunds are paid within 14 days, right? I returned the jacket on Monday.',
    ]) {
      it(`answers "${text}"`, () => expect(isLegalLetter(normalize(text))).to.equal(false));
    }
  });

  describe('asking for a person, in any word order', () => {
    for (const [language, text] of [
      ['en', 'Could I chat with an actual person from your billing team?'],
      ['en', 'This needs a decision, please escalate it to your support lead.'],
      ['en', 'I would like to discuss this with somebody from your sales team.'],
      ['de', 'Ich möchte mit einem echten Mitarbeiter sprechen.'],
      ['fr', "J'aimerais parler avec un conseiller, s'il vous plaît."],
      ['es', 'Necesito hablar con un asesor sobre mi pedido.'],
      ['it', 'Vorrei parlare con qualcuno del servizio clienti.'],
      ['pt', 'Quero falar com um atendente, por favor.'],
      ['nl', 'Ik wil graag met een medewerker spreken.'],
      ['ja', 'オペレーターと直接話したいです。'],
    ] as const) {
      it(`holds (${language}) "${text}"`, () => expect(reasons('', text)).to.include('human_requested'));
    }
    for (const text of [
      'Is the export human-readable, or only JSON?',
      'Was the double booking a human error on my side?',
      'ご担当者様\n請求書の宛名を変更できますか？',
      'Can my customers talk to each other in the group booking?',
    ]) {
      it(`answers "${text}"`, () => expect(reasons('', text)).to.not.include('human_requested'));
    }
  });

  describe('ordinary mail that shares words with every rule is still answered', () => {
    for (const [language, subject, body] of [
      ['en', 'Refund policy', 'What is your refund policy for a €40 pair of gloves that do not fit?'],
      [
        'en',
        'Trial',
        'How do I cancel the free trial so I am not billed? Is there a way to do it in the app?',
      ],
      ['en', 'Export', 'Is there a human-friendly export of bookings, or only the API?'],
      ['de', 'Erstattung', 'Wie lange dauert die Erstattung von 25 € nach einer Rücksendung?'],
      ['fr', 'Essai gratuit', 'Comment puis-je annuler mon essai gratuit avant la fin ?'],
      ['es', 'Pago', '¿Puedo pagar con tarjeta de crédito o solo con PayPal?'],
      ['it', 'Sito lento', 'Il sito è un po’ lento stasera, è normale durante la manutenzione?'],
      ['pt', 'Fatura', 'Podem enviar a fatura de 30 € para o e-mail do escritório?'],
      ['nl', 'Opzegtermijn', 'Hoe kan ik mijn proefperiode stoppen via de app?'],
      ['ja', '請求書', 'ご担当者様\n先月の請求書を再送していただけますか？'],
    ] as const) {
      it(`answers (${language}) "${body}"`, () => expect(reasons(subject, body)).to.deep.equal([]));
    }
  });

  describe('refund, consumer-body and anger families beyond the phrase lists', () => {
    for (const [reason, language, body] of [
      ['refund_over_limit', 'it', 'Vorrei il rimborso dei 149 € pagati per la tenda difettosa.'],
      ['refund_over_limit', 'nl', 'Graag terugbetaling van de 230 euro voor het jaarpakket.'],
      ['refund_over_limit', 'pt', 'Quero o dinheiro de volta: paguei 199 € pelo plano anual.'],
      ['refund_over_limit', 'ja', '年額プラン 240 € の返金をお願いします。'],
      ['legal_threat', 'en', 'If this is not sorted I am going to the Better Business Bureau.'],
      ['legal_threat', 'es', 'Voy a poner una hoja de reclamaciones y acudir a FACUA.'],
      ['legal_threat', 'it', 'Se non ricevo risposta farò causa e scriverò ad Altroconsumo.'],
      ['legal_threat', 'nl', 'Ik leg dit voor aan de Geschillencommissie.'],
      ['legal_threat', 'de', 'Notfalls werde ich vor Gericht gehen.'],
      ['negative_tone', 'ja', '何度も問い合わせているのに返信がありません。本当にがっかりです。'],
      ['negative_tone', 'ja', 'こんな対応は許せない。'],
    ] as const) {
      it(`${reason} (${language}): "${body}"`, () => expect(reasons('', body)).to.include(reason));
    }
    for (const body of [
      'Il rimborso di 20 € per la spedizione è già arrivato? Grazie!',
      'Is the refund of $15 for the late delivery on its way?',
      '画面がひどく見づらいのですが、文字を大きくできますか？',
      'Which processo do you use to check the VAT number? (our accountant asked)',
    ]) {
      it(`answers "${body}"`, () => expect(reasons('', body)).to.deep.equal([]));
    }
  });

  describe('each reason said the way people write it, in each language', () => {
    for (const [reason, body] of [
      ['human_requested', 'Is there a phone number I can ring? I would prefer to explain this to a person.'],
      [
        'human_requested',
        'Please get a real human to read this, your bot keeps sending me the same article.',
      ],
      ['human_requested', 'Können Sie mich bitte zurückrufen? Meine Nummer ist 030 1234567.'],
      ['human_requested', 'Pourriez-vous me téléphoner demain matin ? 06 12 34 56 78'],
      ['human_requested', '¿Me puede llamar alguien? Prefiero hablarlo por teléfono.'],
      ['human_requested', 'Posso ricevere una chiamata da un vostro consulente?'],
      ['human_requested', 'Alguém pode me ligar? Meu número é 11 91234-5678.'],
      ['human_requested', 'Kan iemand mij even bellen? 06-87654321'],
      ['human_requested', '電話で説明してほしいです。'],
      ['chargeback', 'I have reported the payment to PayPal as unauthorised and opened a claim.'],
      ['chargeback', 'Ich habe bei PayPal einen Käuferschutz-Fall eröffnet.'],
      ['chargeback', "J'ai fait opposition sur ma carte pour ce prélèvement."],
      ['chargeback', 'He pedido a mi banco que devuelva el recibo.'],
      ['chargeback', 'Ho aperto una contestazione con la mia carta di credito.'],
      ['chargeback', 'Abri uma disputa no cartão de crédito.'],
      ['chargeback', 'Ik heb de betaling laten terugboeken door mijn bank.'],
      [
        'partnership',
        'We run a chain of 30 gyms and would like to offer your app to our members at a group rate as partners.',
      ],
      [
        'partnership',
        'Wir sind eine Agentur und würden Ihr Produkt gern unseren Kunden anbieten – gibt es ein Partnerprogramm?',
      ],
      ['partnership', 'Nous souhaitons devenir revendeur de vos produits en Belgique.'],
      ['partnership', 'Siamo interessati a diventare vostri partner commerciali per l’Italia.'],
      ['partnership', 'Queremos ser revendedores oficiais no Brasil.'],
      ['partnership', 'Wij willen graag uw producten verkopen in onze winkels.'],
      ['partnership', '弊社との業務提携についてご相談させてください。'],
      ['negative_tone', 'I am absolutely livid. Three weeks and nothing. Disgraceful.'],
      ['negative_tone', 'Ich bin stinksauer. So ein Saftladen, unglaublich.'],
      ['negative_tone', "C'est honteux, je suis vraiment en colère, personne ne répond."],
      ['negative_tone', 'Estoy harta, es indignante como tratan a sus clientes.'],
      ['negative_tone', 'Sono furiosa, servizio pessimo e nessuno mi risponde.'],
      ['negative_tone', 'Que vergonha, estou revoltada com esse atendimento péssimo.'],
      ['negative_tone', 'Ik ben woedend, dit is belachelijk en waardeloos.'],
      ['legal_threat', 'I will be taking this to small claims court.'],
      ['legal_threat', 'Ich werde meinen Anwalt einschalten.'],
      ['legal_threat', "Je vais porter l'affaire devant le tribunal."],
      ['legal_threat', 'Voy a denunciarlos ante consumo.'],
      ['legal_threat', 'Mi rivolgerò a un avvocato.'],
      ['legal_threat', 'Vou acionar a justiça.'],
      ['legal_threat', 'Ik schakel een advocaat in.'],
      ['cancellation', 'Please close my account and stop all future payments.'],
      ['cancellation', 'I no longer want the subscription. Cancel it now.'],
      ['cancellation', 'Ich möchte meine Mitgliedschaft beenden.'],
      ['cancellation', 'Je veux arrêter mon abonnement.'],
      ['cancellation', 'Quiero cancelar mi plan anual.'],
      ['cancellation', 'Voglio annullare il mio abbonamento.'],
      ['cancellation', 'Por favor, cancelem minha assinatura.'],
      ['cancellation', 'Ik wil mijn abonnement stopzetten.'],
      [
        'outage',
        'None of our customers can log in since 9am – the whole platform seems to be down. This is costing us sales.',
      ],
      ['outage', 'Alle unsere Webseiten sind seit heute Nacht offline, wir verlieren Kunden.'],
      ['refund_over_limit', 'I want my 250 dollars back for the annual plan.'],
      ['refund_over_limit', 'Erstatten Sie mir bitte die 320 € zurück.'],
    ] as const) {
      it(`${reason}: "${body}"`, () => expect(reasons('', body)).to.include(reason));
    }
  });

  describe('mail that shares their words, answered and not filtered', () => {
    for (const [subject, body] of [
      ['Phone support?', 'Do you offer phone support on the Team plan, or only email?'],
      ['Reminder calls', 'Can Slotwise phone my clients to remind them of the appointment?'],
      ['Names', 'Hola, me llamo Lucía y quería saber cuánto cuesta el envío a Sevilla.'],
      ['Ciao', 'Ciao, mi chiamo Marco. Come cambio la lingua del corso?'],
      ['Partner account', 'Can my partner and I share one family plan?'],
      ['Integration partners', 'Which calendar apps are integration partners? Is Outlook supported?'],
      ['Bank transfer', 'Kann ich per Banküberweisung bezahlen statt mit Kreditkarte?'],
      ['Card declined', 'My card was declined at checkout, do you take PayPal?'],
      ['PayPal', '¿Puedo pagar con PayPal y devolver el pedido si no me queda bien?'],
      ['Devolução', 'Como faço a devolução de um casaco? Paguei com cartão de crédito.'],
      ['Plan', 'Is it possible to cancel my plan later if my team shrinks? Just asking before I buy.'],
      ['Meeting', 'Can I end the meeting early and still get the recording?'],
      ['Storing', 'Is storing customer data in the EU possible on all plans? Our customers ask.'],
      ['Offline', 'Do offline lessons work when our students travel?'],
      ['Site', 'My site is offline since I moved the DNS, what should the A record be?'],
      ['Traffic', 'Our site got lots of traffic today! Do we need a bigger plan?'],
      ['Refund', 'Bekomme ich 15 € zurück, wenn ich den Gutschein nicht nutze?'],
      ['Lesson', 'Je voudrais annuler ma leçon de demain, est-ce possible ?'],
      ['Urlaub', 'Ich fahre in Urlaub bis zum 20. – können Sie die Lieferung danach schicken?'],
      ['Calls', 'Can clients book a phone call slot through my booking page?'],
      ['Sauer', 'Ist Sauerkraut-Geschmack... nein im Ernst: kann ich die Farbe des Logos ändern?'],
      ['Boos', 'Waarom staat mijn factuur op de naam van mijn vorige werkgever?'],
      ['Court', 'Can I book a tennis court slot type with a 90 minute duration?'],
      ['Deadline', 'Will my order arrive within 5 days? The trip starts the 12th.'],
      ['Claim', 'How do I claim the discount code from the newsletter?'],
      ['Warranty', 'How long is the warranty on the tent?'],
      ['Disputa', 'Ho una disputa con mio fratello: quale zaino è più grande, 30 o 40 litri?'],
      ['Account', 'Hoe kan ik mijn account verwijderen? Ik vind de knop niet.'],
      ['Human', 'Are the voices in the app human recordings or AI?'],
      ['Manager', 'Our office manager will pay the invoice, can you add her email?'],
      ['Support team', 'Thanks to someone from your support team for the quick fix last week!'],
      ['Ticket', 'My ticket number is 4412, any update on the refund of €30?'],
    ] as const) {
      it(`answers "${body}"`, () => {
        expect(reasons(subject, body)).to.deep.equal([]);
        const email = parseEmail({
          from: 'Kim <kim@example.org>',
          subject,
          text: body,
          inbox_id: 'help@example.com',
        });
        expect(decideAnswerability(email)).to.deep.equal({ answer: true });
      });
    }
  });

  describe('a second round of phrasings, with subjects', () => {
    for (const [reason, subject, body] of [
      ['human_requested', 'Human please', 'Stop sending me bot answers. I need an agent to look at this.'],
      ['human_requested', 'Rückruf', 'Bitte melden Sie sich telefonisch bei mir, 0151 1111111.'],
      ['human_requested', 'Appel', 'Est-ce que quelqu’un de votre équipe peut me contacter par téléphone ?'],
      ['human_requested', 'Llamada', 'Prefiero que me contacte una persona, no un sistema automático.'],
      ['human_requested', 'Telefono', 'Potreste contattarmi telefonicamente? 347 0000000'],
      ['human_requested', 'Ligação', 'Gostaria de falar por telefone com alguém da equipe.'],
      ['human_requested', 'Bellen', 'Ik wil dit liever telefonisch bespreken met iemand.'],
      ['chargeback', 'Dispute', "I've asked Visa to claw back the payment, it was never authorised."],
      ['chargeback', 'Bank', 'Ich habe der Abbuchung bei meiner Bank widersprochen.'],
      ['chargeback', 'Banque', 'Ma banque va rembourser ce prélèvement frauduleux.'],
      ['chargeback', 'Tarjeta', 'He abierto una disputa con la tarjeta por este cobro.'],
      ['chargeback', 'Banca', 'Ho chiesto alla banca lo storno dell’addebito.'],
      ['chargeback', 'Banco', 'Pedi ao banco para contestar esta cobrança.'],
      ['chargeback', 'Bank', 'Ik laat de afschrijving storneren via de bank.'],
      [
        'outage',
        'Down',
        'Your service has been completely unavailable for three hours. Our clients cannot reach their dashboards and we are losing contracts.',
      ],
      [
        'outage',
        'Panne',
        'Tout est en panne depuis 10h, nos clients ne peuvent plus réserver. Nous perdons de l’argent.',
      ],
      ['outage', 'Caída', 'El servidor está caído y nuestros clientes no pueden pagar.'],
      [
        'outage',
        'Storing',
        'Er is een grote storing: al onze klanten kunnen niet inloggen en we lopen omzet mis.',
      ],
      [
        'legal_threat',
        'Notice',
        'Consider this formal notice: unless refunded within 7 days I will file a claim in court.',
      ],
      ['legal_threat', 'Anwalt', 'Mein Anwalt ist bereits informiert.'],
      ['legal_threat', 'Juridique', 'Je transmets le dossier à mon avocat.'],
      ['legal_threat', 'Abogado', 'Mi abogada se pondrá en contacto con ustedes.'],
      ['legal_threat', 'Legale', 'Ho già contattato il mio legale.'],
      ['legal_threat', 'Advogado', 'Meu advogado vai entrar em contato.'],
      ['legal_threat', 'Jurist', 'Ik heb een jurist ingeschakeld.'],
      ['cancellation', 'Cancel', 'Shut down my account please and stop billing me.'],
      ['cancellation', 'Kündigung', 'Hiermit beende ich meine Mitgliedschaft.'],
      ['cancellation', 'Résiliation', 'Merci de clôturer mon compte.'],
      ['cancellation', 'Baja', 'Dad de baja mi cuenta, por favor.'],
      ['cancellation', 'Disdetta', 'Chiudete il mio account, grazie.'],
      ['cancellation', 'Cancelamento', 'Quero encerrar meu plano agora.'],
      ['cancellation', 'Opzeggen', 'Zeg mijn abonnement per direct op.'],
      [
        'negative_tone',
        'Unbelievable',
        'This is unbelievable. I am so done with your company, the worst experience ever.',
      ],
      ['negative_tone', 'Frechheit', 'Was für eine Unverschämtheit! Ich bin wütend.'],
      ['negative_tone', 'Honte', 'Service nul, c’est une honte !'],
      ['negative_tone', 'Indignado', 'Estoy indignado, es una tomadura de pelo.'],
      ['negative_tone', 'Vergogna', 'Siete dei truffatori, vergognatevi.'],
      ['negative_tone', 'Absurdo', 'Isso é ridículo, estou furiosa com vocês.'],
      ['negative_tone', 'Schande', 'Wat een oplichting, ik ben er klaar mee!'],
    ] as const) {
      it(`${reason}: "${body}"`, () => expect(reasons(subject, body)).to.include(reason));
    }
    for (const body of [
      'Which jurisdiction governs your terms of service?',
      'How do I remove my account from the shared family plan?',
      'Unbelievable value for the price, thanks! One question: is there a student discount?',
    ]) {
      it(`answers "${body}"`, () => expect(reasons('', body)).to.deep.equal([]));
    }
  });

  describe('policy questions about refunds, cancelling, phones, banks and status, in every language, are answered', () => {
    for (const [subject, body] of [
      [
        'Refund timing',
        'Hi, I returned the boots last week. How long until the €35 refund shows on my card?',
      ],
      ['Rückgabe', 'Hallo, wie lange dauert die Rückerstattung nach einer Rücksendung? Es geht um 45 €.'],
      ['Remboursement', 'Bonjour, sous combien de jours suis-je remboursé après un retour ?'],
      ['Devolución', 'Hola, ¿en cuántos días me devolvéis el dinero si devuelvo un pedido?'],
      ['Rimborso', 'Buongiorno, in quanti giorni arriva il rimborso dopo il reso?'],
      ['Reembolso', 'Olá, quanto tempo demora o reembolso depois da devolução?'],
      ['Terugbetaling', 'Hoe lang duurt het voordat ik mijn geld terug krijg na een retour van 20 euro?'],
      ['Trial', 'I am on the free trial. How do I cancel before it renews? Do I get charged?'],
      ['Abo', 'Kann ich das Abo jederzeit kündigen oder gibt es eine Mindestlaufzeit?'],
      ['Abonnement', 'Puis-je résilier à tout moment ? Y a-t-il un engagement ?'],
      ['Suscripción', '¿Puedo cancelar la suscripción cuando quiera?'],
      ['Abbonamento', "Posso disdire l'abbonamento in qualsiasi momento?"],
      ['Assinatura', 'Posso cancelar a assinatura quando quiser?'],
      ['Abonnement', 'Kan ik maandelijks opzeggen?'],
      ['Phone', 'Does the Pro plan include phone support or only chat?'],
      ['Telefon', 'Haben Sie eine Telefonnummer für den Support?'],
      [
        'Maintenance',
        'Is the server down for maintenance tonight? Our customers asked when it will be back.',
      ],
      ['Status', 'Where can I see if your service is down? Is there a status page?'],
      ['Partner', 'Do you have an integration partner for Shopify?'],
      ['Bank', 'Can I pay by SEPA direct debit from my bank?'],
      ['Banca', 'Posso pagare con bonifico dalla mia banca?'],
      ['Human', 'Does the pronunciation check use a human teacher or speech recognition?'],
      ['Legal', 'Where can I find your legal notice and terms?'],
      ['Impressum', 'Wo finde ich Ihr Impressum und die AGB?'],
      ['Cancel lesson', "Can I cancel tomorrow's tutor lesson and rebook Friday?"],
      ['Close', 'How close are you to releasing dark mode?'],
      ['Dispute', "Our team had a dispute about time zones: does the booking page show the invitee's time?"],
      ['Claim', 'Can I claim VAT back on the invoice? Where is the VAT number?'],
      ['予約', '予約のキャンセル方法を教えてください。'],
      ['電話', '電話番号の変更はどこでできますか？'],
      ['Offline', 'Les cours hors ligne fonctionnent-ils sans connexion ?'],
    ] as const) {
      it(`answers "${body}"`, () => {
        const email = parseEmail({
          from: 'Kim <kim@example.org>',
          subject,
          text: body,
          inbox_id: 'help@example.com',
        });
        expect(reasons(subject, body)).to.deep.equal([]);
        expect(decideAnswerability(email)).to.deep.equal({ answer: true });
      });
    }
    it('still holds "can you cancel", which asks us to do it', () => {
      expect(reasons('', 'Can you cancel my subscription today? I no longer use it.')).to.include(
        'cancellation',
      );
      expect(reasons('', 'Können Sie bitte mein Abo zum Monatsende kündigen?')).to.include('cancellation');
    });
  });

  describe('Japanese, matched as substrings, with its business-letter look-alikes', () => {
    for (const [reason, body] of [
      ['human_requested', '人と直接話したいので、電話をください。'],
      ['human_requested', 'スタッフの方と話せますか？'],
      ['legal_threat', '納得できないので弁護士に相談します。'],
      ['legal_threat', '消費生活センターに連絡するつもりです。'],
      ['chargeback', 'クレジットカード会社に支払いの取り消しを依頼しました。'],
      ['partnership', '御社の製品を弊社で販売させていただけないでしょうか。'],
      ['outage', 'サービスが朝から停止しており、お客様が予約できません。売上に大きな影響があります。'],
      ['cancellation', '今月末で退会します。手続きをお願いします。'],
      ['refund_over_limit', '150ユーロの返金を希望します。'],
      ['negative_tone', '最低の対応です。二度と利用しません。'],
    ] as const) {
      it(`${reason}: "${body}"`, () => expect(reasons('', body)).to.include(reason));
    }
    for (const body of [
      'パスワードの変更方法を教えてください。',
      'ご担当者様\n領収書の発行は可能でしょうか？',
      '退会方法を教えてください。',
      '返金ポリシーについて教えてください。',
      '友人と話したいのですが、共有プランはありますか？',
      '社内のスタッフと相談して決めます。プランの違いを教えてください。',
      '最低料金はいくらですか？',
    ]) {
      it(`answers "${body}"`, () => expect(reasons('', body)).to.deep.equal([]));
    }
  });
});
