// Unit tests for tokenizing, stopwords, stemming and the cross-language glossary; no disk.
import { expect } from 'chai';
import { isStopword, stem, terms, words } from '../../../../actors/answering/drafting/text-analysis.ts';

describe('text-analysis', () => {
  it('splits words on punctuation but keeps hyphenated words and numbers whole', () => {
    expect(words('Two-factor login failed: error 429!')).to.deep.equal([
      'two-factor',
      'login',
      'failed',
      'error',
      '429',
    ]);
  });

  it('drops stopwords in English, German, French and Spanish', () => {
    for (const w of ['the', 'und', 'vous', 'para']) expect(isStopword(w), w).to.equal(true);
    expect(terms('Can you help me with the invoice please')).to.deep.equal(['invoic']);
  });

  it('brings inflected forms of a word to the same stem', () => {
    expect(stem('invoices')).to.equal(stem('invoice'));
    expect(stem('resetting')).to.equal(stem('reset'));
    expect(stem('cancelled')).to.equal(stem('cancel'));
    expect(stem('cancellation')).to.equal(stem('cancel'));
    expect(stem('charged')).to.equal(stem('charge'));
    expect(stem('policies')).to.equal(stem('policy'));
  });

  it('leaves numbers and short words alone', () => {
    expect(stem('429')).to.equal('429');
    expect(stem('api')).to.equal('api');
  });

  it('maps common German, French and Spanish support words to the English terms of the knowledge base', () => {
    expect(terms('Passwort zurücksetzen')).to.deep.equal(terms('reset password').reverse());
    expect(terms('ma facture')).to.deep.equal(terms('invoice'));
    expect(terms('cancelar suscripción')).to.deep.equal(terms('cancel subscription'));
  });
});
