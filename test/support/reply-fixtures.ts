// Test helper: reply requests, the shipped knowledge base and a fake model for the reply tests; must not be imported by production code.
import { fileURLToPath } from 'node:url';
import { loadKnowledgeBase, type KnowledgeBase } from '../../actors/answering/drafting/knowledge-base.ts';
import type { ReplyRequest } from '../../schemas/reply.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.ts';

/** The knowledge base the product ships: tests ask it realistic questions. */
export const shippedKnowledgeBaseDir = fileURLToPath(new URL('../../knowledge-base/', import.meta.url));

/** A first mail of a conversation, classified as plain general questions in the email's language. */
export function replyRequest(email: ReplyRequest['email']): ReplyRequest {
  return {
    email,
    history: [],
    classification: {
      specialization: 'general',
      topic: 'other',
      priority: 'normal',
      language: email.language,
      needsHuman: false,
    },
  };
}

/**
 * Registers the suite's hooks (call it inside `describe`): one fake OpenAI server and the shipped knowledge base
 * for the whole suite, the server stopped after it, and its request record emptied before each test.
 */
export function fakeModelSuite(): { readonly fake: FakeOpenAI; readonly kb: KnowledgeBase } {
  const suite = {} as { fake: FakeOpenAI; kb: KnowledgeBase };
  before(async () => {
    [suite.fake, suite.kb] = await Promise.all([
      startFakeOpenAI(),
      loadKnowledgeBase(shippedKnowledgeBaseDir),
    ]);
  });
  after(async () => {
    await suite.fake?.close();
  });
  beforeEach(() => {
    suite.fake.requests.length = 0;
  });
  return suite;
}
