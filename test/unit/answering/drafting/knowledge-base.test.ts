// Unit tests for Markdown passages and BM25 ranking on in-memory documents; no disk.
import { expect } from 'chai';
import {
  buildKnowledgeBase,
  DEFAULT_BM25,
  parseMarkdown,
  type Passage,
} from '../../../../actors/answering/drafting/knowledge-base.ts';

const passage = (id: string, text: string, heading = id): Passage => ({
  language: 'en',
  personOnly: false,
  id,
  docId: id,
  title: id,
  heading,
  text,
});

describe('knowledge-base', () => {
  describe('parseMarkdown', () => {
    const doc = [
      '# Billing',
      '',
      'Everything about money.',
      '',
      '## Invoices',
      'Invoices are PDFs.',
      '',
      '## Refunds',
      '',
      'Refunds take 5 days.',
      '### Refunds',
      'A second section with the same heading.',
    ].join('\n');

    it('makes one passage per section, titled by the document and headed by the section', () => {
      const passages = parseMarkdown('billing', doc);
      expect(passages.map((p) => p.heading)).to.deep.equal(['Invoices', 'Refunds', 'Refunds']);
      expect(passages.every((p) => p.title === 'Billing' && p.docId === 'billing')).to.equal(true);
      expect(passages[0]?.text).to.equal('Invoices are PDFs.');
    });

    it('gives sections stable, unique ids even when headings repeat', () => {
      expect(parseMarkdown('billing', doc).map((p) => p.id)).to.deep.equal([
        'billing#invoices',
        'billing#refunds',
        'billing#refunds-2',
      ]);
    });

    it('skips the lead paragraph when there are sections, but keeps it when it is all there is', () => {
      expect(parseMarkdown('billing', doc).some((p) => p.text.includes('Everything about money'))).to.equal(
        false,
      );
      const single = parseMarkdown('note', '# Note\n\nJust one paragraph.');
      expect(single.map((p) => [p.heading, p.text])).to.deep.equal([['Note', 'Just one paragraph.']]);
    });
  });

  describe('search (BM25)', () => {
    it('ranks the passage that uses the query term more often first', () => {
      const kb = buildKnowledgeBase([
        passage('a', 'refund refund refund policy text here'),
        passage('b', 'refund policy text here and more words'),
        passage('c', 'nothing relevant at all'),
      ]);
      expect(kb.search('refund', 3).map((h) => h.passage.id)).to.deep.equal(['a', 'b']);
    });

    it('weighs rare terms above common ones (idf)', () => {
      const kb = buildKnowledgeBase([
        passage('common', 'account account account settings'),
        passage('rare', 'account invoice'),
        passage('x', 'account plan'),
        passage('y', 'account export'),
      ]);
      expect(kb.idf('invoic')).to.be.greaterThan(kb.idf('account'));
      expect(kb.search('account invoice', 1)[0]?.passage.id).to.equal('rare');
    });

    it('prefers the shorter passage for equal term counts (length normalization)', () => {
      const filler = Array.from({ length: 40 }, (_, i) => `filler${i}`).join(' ');
      const kb = buildKnowledgeBase([
        passage('long', `invoice ${filler}`),
        passage('short', 'invoice download'),
      ]);
      const [first, second] = kb.search('invoice', 2);
      expect(first?.passage.id).to.equal('short');
      expect(first!.score).to.be.greaterThan(second!.score);
    });

    it('counts heading words more than body words', () => {
      const kb = buildKnowledgeBase([
        passage('heading', 'how to get your money back', 'Refunds'),
        passage('body', 'how to get your refunds back', 'Money'),
      ]);
      expect(kb.search('refund', 1)[0]?.passage.id).to.equal('heading');
      expect(DEFAULT_BM25.headingWeight).to.be.greaterThan(1);
    });

    it('returns at most k hits, never passages that match nothing, and nothing for an empty query', () => {
      const kb = buildKnowledgeBase(
        ['a', 'b', 'c', 'd'].map((id) => passage(id, `invoice ${id}`)).concat(passage('z', 'zzz')),
      );
      expect(kb.search('invoice', 2)).to.have.length(2);
      expect(kb.search('invoice', 10).map((h) => h.passage.id)).to.not.include('z');
      expect(kb.search('the and of', 5)).to.deep.equal([]);
    });

    it('reports the words a passage matched, and a stray match of one common word is weak', () => {
      const kb = buildKnowledgeBase([
        passage('orders', 'purchase orders for annual plans'),
        passage('x', 'plans'),
      ]);
      const full = kb.search('purchase orders', 1)[0];
      const partial = kb.search('order a pizza margherita', 1)[0];
      expect(full?.matchedTerms).to.have.members(['purcha', 'ord']);
      expect(partial!.strength).to.be.lessThan(full!.strength);
      expect(partial?.matchedTerms).to.deep.equal(['ord']);
    });

    it('breaks score ties by passage id, so results are deterministic', () => {
      const kb = buildKnowledgeBase([passage('b', 'invoice'), passage('a', 'invoice')]);
      expect(kb.search('invoice', 2).map((h) => h.passage.id)).to.deep.equal(['a', 'b']);
    });

    it('collects the email addresses the knowledge base publishes', () => {
      const kb = buildKnowledgeBase([
        passage('c', 'Write to Billing@Acme.example.com or sales@acme.example.com.'),
      ]);
      expect([...kb.addresses].sort()).to.deep.equal(['billing@acme.example.com', 'sales@acme.example.com']);
    });
  });
});
