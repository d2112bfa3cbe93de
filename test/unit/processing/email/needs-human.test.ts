// Unit tests for needs-human: each escalation rule, money parsing, and look-alikes that must not escalate.
import { expect } from 'chai';
import {
  assessNeedsHuman,
  negativeScore,
  parseMoneyAmounts,
  parseNumber,
} from '../../../../actors/processing/email/needs-human.ts';

const reasons = (body: string, opts = {}): string[] => assessNeedsHuman('', body, opts).humanReasons;

describe('needs-human', () => {
  it('needs no human for a calm ordinary request', () => {
    expect(assessNeedsHuman('Invoice', 'Could you resend my invoice?')).to.deep.equal({
      needsHuman: false,
      humanReasons: [],
    });
  });

  describe('explicit request for a person', () => {
    for (const body of [
      'I want to speak to a human.',
      'Can I talk to a real person please',
      'Please call me on 0123',
      'I want to talk to a manager',
      'Ich möchte mit einem Menschen sprechen.',
      'Je veux parler à une vraie personne.',
      'Quiero hablar con una persona real.',
    ]) {
      it(`recognises "${body}"`, () => {
        expect(reasons(body)).to.include('human_requested');
      });
    }

    it('treats "call me" as a request only when it asks for a call', () => {
      expect(reasons('Call me back tomorrow please.')).to.include('human_requested');
      expect(reasons('Please call me on +44 20 1234 5678')).to.include('human_requested');
      expect(reasons('Call me old-fashioned, but I like the classic layout.')).to.deep.equal([]);
    });

    it('does not treat "password manager" or "account manager" as a request for a person', () => {
      expect(reasons('My password manager fails to fill the form.')).to.deep.equal([]);
      expect(reasons('Do enterprise customers get a dedicated account manager?')).to.deep.equal([]);
    });
  });

  describe('legal threats', () => {
    for (const body of [
      'I will contact my lawyer.',
      'We are considering legal action.',
      'I will sue you.',
      'I will file a GDPR complaint with the ICO.',
      'Ich schalte meinen Anwalt ein.',
      'Je vais saisir un avocat.',
      'Tomaré acciones legales.',
    ]) {
      it(`recognises "${body}"`, () => {
        expect(reasons(body)).to.include('legal_threat');
      });
    }

    it('does not see a threat in "issue" or "pursue"', () => {
      expect(reasons('We pursue this issue with your team.')).to.deep.equal([]);
    });
  });

  describe('cancellations', () => {
    for (const body of [
      'Please cancel my subscription.',
      'I want to close our account.',
      'Please terminate our contract at the end of the month.',
      'Hiermit kündige ich mein Abo.',
      'Je souhaite résilier mon abonnement.',
      'Quiero darme de baja.',
    ]) {
      it(`recognises "${body}"`, () => {
        expect(reasons(body)).to.include('cancellation');
      });
    }

    it('does not treat cancelling an order as cancelling the account', () => {
      expect(reasons('I cancelled my order 123, please make sure it does not ship.')).to.deep.equal([]);
    });
  });

  describe('refunds above the configured limit', () => {
    it('escalates a refund above the limit and not one below it', () => {
      expect(reasons('Please refund the $1,188.00 renewal.')).to.include('refund_over_limit');
      expect(reasons('Please refund the $12 difference.')).to.deep.equal([]);
    });

    it('uses the configured limit', () => {
      expect(reasons('Refund of €45 please', { refundLimit: 40 })).to.include('refund_over_limit');
      expect(reasons('Refund of €45 please', { refundLimit: 50 })).to.deep.equal([]);
    });

    it('ignores large amounts when no refund is asked for', () => {
      expect(reasons('Our budget is $5,000 per year.')).to.deep.equal([]);
    });

    it('recognises refund words in other languages', () => {
      expect(reasons('Bitte um Rückerstattung von 300 EUR.')).to.include('refund_over_limit');
      expect(reasons('Je demande le remboursement de 450 €.')).to.include('refund_over_limit');
      expect(reasons('Quiero el reembolso de 350 EUR.')).to.include('refund_over_limit');
    });
  });

  describe('money amounts', () => {
    it('parses symbol, code and suffix forms', () => {
      const found = parseMoneyAmounts('$1,200.50 and 300 EUR and €45 and 12,99 € and USD 80 and 7 dollars');
      expect(found.map((a) => [a.amount, a.currency])).to.have.deep.members([
        [1200.5, 'USD'],
        [300, 'EUR'],
        [45, 'EUR'],
        [12.99, 'EUR'],
        [80, 'USD'],
        [7, 'USD'],
      ]);
    });

    it('reads both thousand-separator conventions', () => {
      expect(parseNumber('1,200.50')).to.equal(1200.5);
      expect(parseNumber('1.200,50')).to.equal(1200.5);
      expect(parseNumber('1.200')).to.equal(1200);
      expect(parseNumber("1'200")).to.equal(1200);
      expect(parseNumber('45')).to.equal(45);
    });

    it('does not read "$1200" as 120', () => {
      expect(parseMoneyAmounts('$1200').map((a) => a.amount)).to.deep.equal([1200]);
    });

    it('ignores bare numbers without a currency', () => {
      expect(parseMoneyAmounts('order 48213, 3 items')).to.deep.equal([]);
    });
  });

  describe('negative tone', () => {
    it('escalates a furious email', () => {
      expect(reasons('This is a scam. Absolutely unacceptable, I am furious.')).to.include('negative_tone');
    });

    it('counts shouting and repeated punctuation', () => {
      expect(negativeScore('WHY IS THIS STILL BROKEN???')).to.be.greaterThan(
        negativeScore('why is this still broken'),
      );
    });

    it('does not escalate mild frustration', () => {
      expect(reasons('This is a bit frustrating, could you check again?')).to.deep.equal([]);
    });

    it('respects the configured threshold', () => {
      expect(reasons('Really disappointed and frustrated.', { negativeThreshold: 2 })).to.include(
        'negative_tone',
      );
    });
  });

  it('records every reason that applies, in a stable order', () => {
    expect(
      reasons(
        'This is a scam and a disgrace. Cancel my account, refund the $900 and let me speak to a manager or I call my lawyer.',
      ),
    ).to.deep.equal([
      'human_requested',
      'legal_threat',
      'cancellation',
      'refund_over_limit',
      'negative_tone',
    ]);
  });

  // Issue #13: the rules must hold for mail they were not written from, in every language we answer in.
  const cases: [string, string, string][] = [
    ['chargeback', 'en', 'FYI I have filed a chargeback with Amex for last month.'],
    ['chargeback', 'en', 'I contacted my bank to reverse the payment you took.'],
    ['chargeback', 'de', 'Ich habe eine Rückbuchung bei meiner Bank veranlasst.'],
    ['chargeback', 'nl', 'Ik heb de incasso laten terugboeking via mijn bank.'],
    ['chargeback', 'pt', 'Já pedi o estorno ao cartão.'],
    ['chargeback', 'ja', 'カード会社にチャージバックを申請しました。'],
    ['legal_threat', 'en', 'Your data leak will be reported to the data protection regulator this week.'],
    ['legal_threat', 'en', 'We will file a complaint with the consumer authority unless you respond.'],
    ['legal_threat', 'fr', 'Ceci est une mise en demeure de rembourser sous huit jours.'],
    ['legal_threat', 'it', 'In mancanza di risposta procederò per vie legali.'],
    ['legal_threat', 'pt', 'Vou entrar com uma ação judicial e reclamar no Procon.'],
    ['legal_threat', 'nl', 'Mijn advocaat stuurt u een ingebrekestelling.'],
    ['legal_threat', 'ja', '弁護士に相談して法的措置を検討します。'],
    ['human_requested', 'en', 'I need to speak with an account executive about our contract.'],
    ['human_requested', 'en', 'Can we do this over the phone? It is easier.'],
    ['human_requested', 'it', 'Preferirei parlare per telefono con un operatore.'],
    ['human_requested', 'nl', 'Kunt u mij terugbellen? Dat praat makkelijker.'],
    ['human_requested', 'ja', '担当者から電話をいただけますか。'],
    ['partnership', 'en', 'Please connect me with the right person for a reseller agreement.'],
    ['partnership', 'de', 'Wir möchten Vertriebspartner in Österreich werden.'],
    ['partnership', 'es', 'Somos distribuidor en Chile y nos interesa su marca.'],
    ['partnership', 'pt', 'Gostaríamos de propor uma parceria com a vossa empresa.'],
    [
      'outage',
      'en',
      'The booking page is down for all our clinics and our customers cannot book. We are losing money.',
    ],
    ['outage', 'de', 'Seit heute früh ist alles ausgefallen, unsere Kunden können nicht bestellen.'],
    ['outage', 'nl', 'Onze webshop ligt eruit en we lopen omzet mis.'],
    ['cancellation', 'nl', 'Hierbij zeg ik mijn abonnement op per 1 januari.'],
    ['cancellation', 'it', 'Vi invio la disdetta del mio abbonamento.'],
    ['negative_tone', 'pt', 'Isso é um absurdo, ninguém responde!'],
    ['negative_tone', 'nl', 'Schandalig, ik ben het spuugzat.'],
    ['negative_tone', 'it', 'Una vergogna, nessuno risponde mai.'],
  ];
  describe('generalises over kinds and languages', () => {
    for (const [reason, language, body] of cases) {
      it(`${reason} (${language}): "${body}"`, () => expect(reasons(body)).to.include(reason));
    }
  });

  describe('does not hold ordinary questions that share words with those rules', () => {
    for (const body of [
      'Which plan do I need for a team of 12? Our customers book online.',
      'Does the API return 503 when the rate limit is hit?',
      'How do I cancel a single booking for a client?',
      'Do you have a partner integration with Zoom?',
      'Can my customers pay by phone number?',
      'Hoe zeg ik een afspraak af in de app?',
    ]) {
      it(`answers "${body}"`, () => expect(reasons(body)).to.deep.equal([]));
    }
  });
});
