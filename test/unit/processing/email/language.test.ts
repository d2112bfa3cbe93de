// Unit tests for language: each supported language is recognised, and thin evidence defaults to English.
import { expect } from 'chai';
import { detectLanguage } from '../../../../actors/processing/email/language.ts';

const samples: Record<string, string> = {
  en: 'Hi, I have a problem with my order and I would like to know when it will arrive.',
  de: 'Hallo, ich habe ein Problem mit meiner Bestellung und möchte wissen, wann sie ankommt.',
  fr: "Bonjour, j'ai un problème avec ma commande et je voudrais savoir quand elle arrivera.",
  es: 'Hola, tengo un problema con mi pedido y me gustaría saber cuándo llegará.',
  it: 'Ciao, ho un problema con il mio ordine e vorrei sapere quando arriva. Grazie',
  pt: 'Olá, tenho um problema com o meu pedido e gostaria de saber quando vai chegar. Obrigado',
  nl: 'Hallo, ik heb een probleem met mijn bestelling en wil graag weten wanneer die aankomt.',
  ja: '注文した商品がまだ届きません。いつ届きますか？',
};

describe('language', () => {
  for (const [lang, text] of Object.entries(samples)) {
    it(`recognises ${lang}`, () => {
      expect(detectLanguage(text)).to.equal(lang);
    });
  }

  it('defaults to en when there is too little text to tell', () => {
    expect(detectLanguage('')).to.equal('en');
    expect(detectLanguage('?')).to.equal('en');
    expect(detectLanguage('Order 12345')).to.equal('en');
  });

  it('recognises short mail by the little it says', () => {
    expect(detectLanguage('Hilfe bitte')).to.equal('de');
    expect(detectLanguage('Oi, tudo bem? Preciso de ajuda')).to.equal('pt');
    expect(detectLanguage('Buonasera, vorrei delle informazioni')).to.equal('it');
    expect(detectLanguage('Hoi, ik heb een vraagje')).to.equal('nl');
    expect(detectLanguage('よろしくお願いします')).to.equal('ja');
  });

  it('does not call Chinese (kanji without kana) Japanese', () => {
    expect(detectLanguage('我的订单')).to.equal('en');
  });

  it('always returns a two-letter code', () => {
    for (const t of ['🙂🙂', 'ß', 'le la de', '\u0000\uffff'])
      expect(detectLanguage(t)).to.match(/^[a-z]{2}$/);
  });

  // Issue #13: a help-desk mail of a few words often has no function word at all.
  describe('short help-desk mail with no function words', () => {
    for (const [language, text] of [
      ['de', 'Passwort vergessen, was tun?'],
      ['de', 'Zahlung fehlgeschlagen'],
      ['fr', 'Mot de passe oublié'],
      ['fr', 'Colis jamais reçu'],
      ['es', 'No puedo entrar a mi cuenta'],
      ['es', '¿Cuándo llega mi paquete?'],
      ['it', 'Quanto costa la spedizione in Sicilia?'],
      ['it', 'Quando arriva il pacco?'],
      ['pt', 'Quando chega o pacote?'],
      ['pt', 'Esqueci a senha'],
      ['nl', 'Wachtwoord vergeten'],
      ['nl', 'Wanneer komt mijn pakket?'],
      ['ja', '注文はいつ届きますか？'],
    ] as const) {
      it(`reads (${language}) "${text}"`, () => expect(detectLanguage(text)).to.equal(language));
    }
    for (const text of [
      'Free trial',
      'Schedule change',
      'Booking data',
      'Share calendar',
      'Webhook failing',
    ]) {
      it(`keeps the English "${text}" English`, () => expect(detectLanguage(text)).to.equal('en'));
    }
  });
});
