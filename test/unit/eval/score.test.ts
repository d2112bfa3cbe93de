// Unit tests for the evaluation scoring: targets, confusion tables, misses and the reply-language judge, on hand-made results.
import { expect } from 'chai';
import { asksQuestion, replyLanguage } from '../../../scripts/eval/core/reply-language.ts';
import { noticeText, TEMPLATE_LANGUAGES } from '../../../actors/answering/drafting/reply-templates.ts';
import {
  confusion,
  missesOf,
  Outcome,
  predictedKind,
  score,
  type EvalResult,
  type Expected,
  type Observed,
} from '../../../scripts/eval/core/score.ts';

const reply = (over: Partial<NonNullable<Observed['reply']>> = {}): NonNullable<Observed['reply']> => ({
  language: 'en',
  grounded: true,
  asksQuestion: false,
  topDoc: 'refunds',
  foreignNames: [],
  ...over,
});

function result(id: string, expected: Expected, observed: Partial<Observed>): EvalResult {
  return {
    id,
    business: 'shop',
    expected,
    observed: { outcome: Outcome.held, specialization: 'support', language: expected.language, ...observed },
  };
}

const answerable: Expected = {
  kind: 'answerable',
  specialization: 'support',
  language: 'en',
  expected_topic: 'refunds',
};
const machine: Expected = { kind: 'machine', language: 'en', machine_kind: 'auto_reply' };
const needsPerson: Expected = {
  kind: 'needs_person',
  specialization: 'support',
  language: 'de',
  needs_person_reason: 'legal',
};
const unclear: Expected = { kind: 'unclear', specialization: 'general', language: 'en' };

const target = (results: EvalResult[], name: string) => score(results).targets.find((t) => t.name === name)!;

describe('eval score', () => {
  it('meets every target when each mail gets what its label asks for', () => {
    const report = score([
      result('a', answerable, { outcome: Outcome.answered, reply: reply() }),
      result('m', machine, { outcome: Outcome.filtered, specialization: 'general' }),
      result('n', needsPerson, { outcome: Outcome.held, why: 'needs-human:legal_threat' }),
      result('u', unclear, {
        outcome: Outcome.answered,
        specialization: 'general',
        reply: reply({ asksQuestion: true, topDoc: undefined }),
      }),
    ]);
    expect(report.targets.filter((t) => !t.met).map((t) => t.name)).to.deep.equal([]);
    expect(report.accuracy.kind).to.deep.equal({ hits: 4, total: 4 });
    expect(report.misses).to.deep.equal([]);
  });

  it('counts one answered machine mail as a missed target and lists it first among the misses', () => {
    const results = [
      result('a', answerable, { outcome: Outcome.answered, specialization: 'general', reply: reply() }),
      result('m', machine, { outcome: Outcome.answered, reply: reply() }),
    ];
    const t = target(results, 'machine mail answered');
    expect([t.value, t.met]).to.deep.equal([1, false]);
    const report = score(results);
    expect(report.misses[0]).to.include({ id: 'm', what: 'answered machine mail' });
    expect(report.misses.map((m) => m.what)).to.include('wrong specialization');
  });

  it('holds needs-a-person mail only when it is held: answered or filtered both count against the target', () => {
    const results = [
      result('n1', needsPerson, { outcome: Outcome.held }),
      result('n2', needsPerson, { outcome: Outcome.answered, reply: reply({ language: 'de' }) }),
      result('n3', needsPerson, { outcome: Outcome.filtered }),
      result('n4', needsPerson, { outcome: Outcome.held }),
    ];
    expect(target(results, 'needs-a-person mail held')).to.include({ value: 50, met: false });
  });

  it('counts an unclear mail as served only by a clarifying question, not by an answer from an article', () => {
    const results = [
      result('u1', unclear, {
        outcome: Outcome.answered,
        reply: reply({ asksQuestion: true, topDoc: undefined }),
      }),
      result('u2', unclear, { outcome: Outcome.answered, reply: reply({ asksQuestion: true }) }),
    ];
    expect(target(results, 'answerable mail answered').value).to.equal(50);
    expect(predictedKind(results[1]!.observed)).to.equal('answerable');
  });

  it('misses a reply in another language than the customer wrote in, and one naming another company', () => {
    const r = result('a', answerable, {
      outcome: Outcome.answered,
      reply: reply({ language: 'ja', foreignNames: ['Acme Cloud'] }),
    });
    expect(target([r], 'reply in the customer language')).to.include({ value: 0, met: false });
    expect(target([r], 'replies naming another company')).to.include({ value: 1, met: false });
    expect(missesOf(r).map((m) => m.what)).to.include.members([
      'reply in the wrong language',
      'named another company',
    ]);
  });

  it('builds a confusion table of expected against got', () => {
    expect(
      confusion([
        ['support', 'support'],
        ['support', 'general'],
        ['sales', 'support'],
      ]),
    ).to.deep.equal({ support: { support: 1, general: 1 }, sales: { support: 1 } });
  });

  it('leaves mail without a specialization label out of the specialization figure', () => {
    const report = score([result('m', machine, { outcome: Outcome.filtered, specialization: 'sales' })]);
    expect(report.accuracy.specialization).to.deep.equal({ hits: 0, total: 0 });
  });
});

describe('eval reply-language', () => {
  it("judges every notice in its own language, even under a business's English signature", () => {
    const signature = 'Kind regards,\nThe Example Outdoor Co. Customer Service Team\nhelp@example.com';
    for (const language of TEMPLATE_LANGUAGES)
      for (const kind of ['clarify', 'noAnswer', 'refusal'] as const)
        for (const name of ['Sam', undefined]) {
          const text = noticeText(language, kind, name, { companyName: 'Example', signature });
          expect(replyLanguage(text), `${language} ${kind}`).to.equal(language);
        }
  });

  it('tells the supported languages apart on short replies', () => {
    expect(
      replyLanguage('Thank you for your message. You can download the invoice under Settings.'),
    ).to.equal('en');
    expect(
      replyLanguage('Vielen Dank für Ihre Nachricht. Die Rechnungen finden Sie unter Einstellungen.'),
    ).to.equal('de');
    expect(
      replyLanguage('Merci pour votre message. Vous trouverez vos factures dans les paramètres.'),
    ).to.equal('fr');
    expect(replyLanguage('Gracias por tu mensaje. Los pedidos a España tardan de 2 a 4 días.')).to.equal(
      'es',
    );
    expect(
      replyLanguage("Grazie per il messaggio. Gli ordini per l'Italia arrivano in 2-4 giorni."),
    ).to.equal('it');
    expect(
      replyLanguage('Obrigado pela mensagem. Você pode baixar as aulas para estudar sem internet.'),
    ).to.equal('pt');
    expect(replyLanguage('Bedankt voor uw bericht. U vindt de facturen onder Facturatie.')).to.equal('nl');
    expect(replyLanguage('お問い合わせありがとうございます。設定から解約できます。')).to.equal('ja');
  });

  it('judges an English reply quoting one Japanese sentence as English', () => {
    expect(
      replyLanguage(
        'Hello, thanks for your message. Here is what our help article says: 設定から解約できます。 If this does not solve it, reply to this email.',
      ),
    ).to.equal('en');
  });

  it('finds a question in Latin and Japanese punctuation', () => {
    expect([
      asksQuestion('What is your order number?'),
      asksQuestion('ご用件は何でしょうか？'),
      asksQuestion('Thanks.'),
    ]).to.deep.equal([true, true, false]);
  });
});
