// Integration tests for loading Markdown from disk: a temp folder, and realistic questions against the shipped knowledge base.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinReply } from '../../../../actors/answering/drafting/builtin-responder.ts';
import {
  loadKnowledgeBase,
  type KnowledgeBase,
} from '../../../../actors/answering/drafting/knowledge-base.ts';
import { KnowledgeBaseError } from '../../../../actors/answering/drafting/reply-errors.ts';
import { replyRequest, shippedKnowledgeBaseDir } from '../../../support/reply-fixtures.ts';

describe('knowledge-base loader', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'kb-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('loads every Markdown file of a folder, ignores other files, and names docs after files', async () => {
    await writeFile(
      join(folder, 'b-refunds.md'),
      '# Refunds\n\n## Annual\n\nRefunds within 14 days.\n\n## Monthly\n\nNo partial refunds.',
    );
    await writeFile(
      join(folder, 'a-login.md'),
      '# Login\n\nReset your password at https://app.example.com/reset.',
    );
    await writeFile(join(folder, 'notes.txt'), 'refund refund refund');
    const kb = await loadKnowledgeBase(folder);
    expect(kb.passages.map((p) => p.id)).to.deep.equal([
      'a-login#login',
      'b-refunds#annual',
      'b-refunds#monthly',
    ]);
    expect(kb.search('refund within days', 1)[0]?.passage.id).to.equal('b-refunds#annual');
  });

  it('fails with a coded error for a missing folder and for a folder without Markdown', async () => {
    const missing = await loadKnowledgeBase(join(folder, 'nope')).catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(KnowledgeBaseError).with.property('code', 'KB_UNREADABLE');
    const empty = await mkdtemp(join(tmpdir(), 'kb-empty-'));
    try {
      const error = await loadKnowledgeBase(empty).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(KnowledgeBaseError).with.property('code', 'KB_EMPTY');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('builtin-responder on the shipped knowledge base', () => {
  let kb: KnowledgeBase;
  before(async () => {
    kb = await loadKnowledgeBase(shippedKnowledgeBaseDir);
  });

  const ask = (subject: string, text: string, language = 'en'): ReturnType<typeof builtinReply> =>
    builtinReply(kb, replyRequest({ subject, text, senderName: 'Alex Kim', language }));

  it('ships 10 to 14 documents, each split into several passages', () => {
    const docs = new Set(kb.passages.map((p) => p.docId));
    expect(docs.size).to.be.within(10, 14);
    expect(kb.passages.length).to.be.greaterThan(docs.size * 3);
  });

  const questions: [string, string, string, string][] = [
    [
      'Password reset',
      'I forgot my password and the reset email never arrived. Can you help?',
      'account-and-login',
      'valid for 60 minutes',
    ],
    [
      'Charged twice',
      'I was charged twice for the same invoice this month. Can I get my money back?',
      'refunds',
      'refund the incorrect charge in full',
    ],
    [
      'API errors',
      'Our integration keeps getting 429 errors from your API. What is the limit?',
      'api-errors',
      '600 on Pro',
    ],
    ['Pricing', 'How much does the Pro plan cost per user?', 'plans-and-pricing', '$29 per user per month'],
    [
      'Cancel',
      'How do I cancel my subscription?',
      'cancellation',
      'Settings > Billing > Cancel subscription',
    ],
    ['Export', 'How can I export all our workspace data?', 'data-export-and-gdpr', 'valid for 7 days'],
    [
      'Demo',
      'We are a team of 40 and would like to book a demo.',
      'demos-and-enterprise-sales',
      'https://acme.example.com/demo',
    ],
    [
      'Outage',
      'Is there a status page where I can see outages?',
      'outages-and-status',
      'https://status.acme.example.com',
    ],
    [
      'Slack',
      'Our Slack integration stopped posting messages to the channel.',
      'integrations',
      'Reconnect it in Settings > Integrations > Slack',
    ],
  ];
  for (const [subject, text, docId, fact] of questions) {
    it(`answers "${text}" from ${docId}`, () => {
      const draft = ask(subject, text);
      expect(draft.grounded, draft.text).to.equal(true);
      expect(draft.escalate).to.equal(false);
      expect(draft.passages[0]?.docId).to.equal(docId);
      expect(draft.text).to.include(fact);
      expect(draft.text).to.match(/^Hello Alex Kim,/);
    });
  }

  it('escalates a German question only the English article answers, recording German, never quoting English', () => {
    const draft = ask('Rechnung', 'Wo kann ich meine Rechnungen herunterladen?', 'de');
    expect(draft.passages[0]?.docId).to.equal('billing-and-invoices');
    expect(draft).to.include({ escalate: true, escalateReason: 'no-kb-in-language', language: 'de' });
    expect(draft.text).to.not.include('Settings > Billing > Invoices');
    expect(draft.text).to.match(/^Hallo Alex Kim,/);
  });

  for (const [subject, text] of [
    ['Pizza', 'Do you deliver pizza to Berlin?'],
    ['Weather', 'What will the weather be like tomorrow in Madrid?'],
    ['Students', 'Do you offer discounts for students?'],
  ] as const) {
    it(`escalates instead of inventing for "${text}"`, () => {
      const draft = ask(subject, text);
      expect(draft.grounded).to.equal(false);
      expect(draft.escalate).to.equal(true);
      expect(draft.escalateReason).to.equal('no-kb-match');
    });
  }
});
