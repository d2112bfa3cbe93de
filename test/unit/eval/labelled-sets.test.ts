// The evaluation data parse against their schemas: every line labelled, languages supported, businesses and articles exist.
import { expect } from 'chai';
import { SUPPORTED_LANGUAGES } from '../../../scripts/eval/core/score.ts';
import {
  loadBusinesses,
  loadSet,
  parseSet,
  SET_NAMES,
  type Business,
} from '../../../scripts/eval/labelled-set.ts';

describe('eval labelled sets', () => {
  let businesses: Map<string, Business>;
  before(async () => {
    businesses = await loadBusinesses();
  });

  it('gives every business a knowledge base of 8 to 16 articles, one of them about a topic handled by a person', () => {
    for (const [name, b] of businesses) {
      if (name === 'acme') continue;
      expect(b.docIds.length, name).to.be.within(8, 16);
      const policy = b.kb.passages.filter((p) => p.personOnly);
      expect(policy.length, `${name}: a "Handled by a person" section`).to.be.at.least(1);
    }
  });

  for (const set of SET_NAMES) {
    it(`parses every line of the ${set} set and finds its business, and every answerable mail's article`, async () => {
      const mails = await loadSet(set);
      expect(mails.length).to.be.above(0);
      expect(new Set(mails.map((m) => m.id)).size, 'ids are unique').to.equal(mails.length);
      for (const m of mails) {
        const b = businesses.get(m.business);
        expect(b, `${m.id}: business ${m.business}`).to.not.equal(undefined);
        expect(SUPPORTED_LANGUAGES, m.id).to.include(m.labels.language);
        if (m.labels.kind !== 'machine') expect(m.labels.specialization, m.id).to.be.a('string');
        // The old set carries no reasons: its labels say needsHuman only.
        if (set !== 'old' && m.labels.kind === 'needs_person')
          expect(m.labels.needs_person_reason, m.id).to.be.a('string');
        if (m.labels.kind === 'machine') expect(m.labels.machine_kind, m.id).to.be.a('string');
        if (m.labels.expected_topic !== undefined)
          expect(b!.docIds, m.id).to.include(m.labels.expected_topic);
      }
    });
  }

  it('keeps the tune and held-out sets apart', async () => {
    const tune = new Set((await loadSet('tune')).map((m) => m.id));
    const heldout = await loadSet('heldout');
    expect(heldout.filter((m) => tune.has(m.id)).map((m) => m.id)).to.deep.equal([]);
  });

  it('keeps the second held-out set apart from the tune and first held-out sets', async () => {
    const earlier = new Set([...(await loadSet('tune')), ...(await loadSet('heldout'))].map((m) => m.id));
    const heldoutB = await loadSet('heldout-b');
    expect(heldoutB.filter((m) => earlier.has(m.id)).map((m) => m.id)).to.deep.equal([]);
  });

  it('refuses a line without labels, naming the line', () => {
    const line = JSON.stringify({ id: 'x-1', business: 'slotwise', from: 'a@b.c', subject: '', text: 'hi' });
    expect(() => parseSet(`\n${line}\n`, 'bad.jsonl')).to.throw(/bad\.jsonl:2/);
  });

  it('refuses a language outside the supported list', () => {
    const line = JSON.stringify({
      id: 'x-1',
      business: 'slotwise',
      from: 'a@b.c',
      subject: '',
      text: 'hei',
      labels: { kind: 'unclear', specialization: 'general', language: 'fi' },
    });
    expect(() => parseSet(line, 'bad.jsonl')).to.throw(/bad\.jsonl:1/);
  });
});
