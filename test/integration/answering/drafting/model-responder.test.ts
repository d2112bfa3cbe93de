// Integration tests for the model responder over real HTTP to a local fake OpenAI server: happy path, timeouts, 5xx, malformed output, abort.
import { expect } from 'chai';
import {
  createModelResponder,
  parseModelAnswer,
} from '../../../../actors/answering/drafting/model-responder.ts';
import { PROMPT_VERSION } from '../../../../actors/answering/drafting/prompts.ts';
import { ModelOutputError, ReplyAbortedError } from '../../../../actors/answering/drafting/reply-errors.ts';
import { BUILTIN_RESPONDER_VERSION } from '../../../../actors/answering/drafting/builtin-responder.ts';
import type { ReplyRequest } from '../../../../schemas/reply.ts';
import { modelAnswer, startFakeOpenAI } from '../../../support/fake-openai.ts';
import { fakeModelSuite } from '../../../support/reply-fixtures.ts';

const API_KEY = 'sk-test-model-responder-0123456789';

const request: ReplyRequest = {
  email: {
    subject: 'Password reset',
    text: 'I forgot my password. How do I reset it?',
    senderName: 'Maria',
    language: 'en',
  },
  history: [
    {
      from: 'maria@customer.example.org',
      text: 'Earlier question about invoices',
      at: '2025-01-01T09:00:00Z',
    },
  ],
  classification: {
    specialization: 'account',
    topic: 'login',
    priority: 'normal',
    language: 'en',
    needsHuman: false,
  },
};

describe('model-responder', () => {
  const suite = fakeModelSuite();

  const responder = (timeoutMs = 5000, maxRetries = 0) =>
    createModelResponder(
      { apiKey: API_KEY, baseURL: suite.fake.baseURL, model: 'gpt-test', timeoutMs, maxRetries },
      { kb: suite.kb },
    );

  it('sends one chat completion with the rules, passages and history in the system message and the email as user data', async () => {
    suite.fake.script({
      kind: 'answer',
      content: modelAnswer('Hello Maria, the reset link is valid for 60 minutes.'),
    });
    const draft = await responder().reply(request);
    expect(suite.fake.requests).to.have.length(1);
    const sent = suite.fake.requests[0]!;
    expect(sent.authorization).to.equal(`Bearer ${API_KEY}`);
    expect(sent.body.model).to.equal('gpt-test');
    expect(sent.body.response_format).to.deep.equal({ type: 'json_object' });
    const [system, user] = sent.body.messages ?? [];
    expect(system?.role).to.equal('system');
    expect(system?.content).to.include(`<rules version="${PROMPT_VERSION}">`);
    expect(system?.content).to.include('<passage id="account-and-login#resetting-a-forgotten-password"');
    expect(system?.content).to.include('Earlier question about invoices');
    expect(system?.content).to.not.include('I forgot my password');
    expect(user?.role).to.equal('user');
    expect(user?.content).to.include('<customer_email>');
    expect(user?.content).to.include('I forgot my password');

    expect(draft.text).to.equal('Hello Maria, the reset link is valid for 60 minutes.');
    expect(draft.grounded).to.equal(true);
    expect(draft.escalate).to.equal(false);
    expect(draft.responder).to.deep.equal({
      kind: 'model',
      model: 'gpt-test',
      promptVersion: PROMPT_VERSION,
    });
    expect(draft.passages[0]?.docId).to.equal('account-and-login');
  });

  it("passes on the model's escalation and its reason", async () => {
    suite.fake.script({
      kind: 'answer',
      content: modelAnswer('A colleague will contact you.', true, true, 'customer asked for a human'),
    });
    const draft = await responder().reply(request);
    expect(draft.escalate).to.equal(true);
    expect(draft.escalateReason).to.equal('customer asked for a human');
  });

  it('falls back to the built-in responder when the model does not answer in time, and records why', async () => {
    suite.fake.script({ kind: 'delay', ms: 10_000, content: modelAnswer('too late') });
    const draft = await responder(300).reply(request);
    expect(draft.responder).to.deep.include({ kind: 'builtin', version: BUILTIN_RESPONDER_VERSION });
    expect(draft.responder.kind === 'builtin' && draft.responder.fallback?.reason).to.equal('timeout');
    expect(draft.text).to.include('valid for 60 minutes');
  });

  it('falls back on a 500, after the SDK retried it', async () => {
    suite.fake.script({ kind: 'status', status: 500 });
    const draft = await responder(10_000, 1).reply(request);
    expect(suite.fake.requests).to.have.length(2);
    const fallback = draft.responder.kind === 'builtin' ? draft.responder.fallback : undefined;
    expect(fallback).to.deep.include({
      model: 'gpt-test',
      promptVersion: PROMPT_VERSION,
      reason: 'http-error',
    });
    expect(fallback?.detail).to.match(/^HTTP 500/);
    expect(draft.grounded).to.equal(true);
  });

  it('falls back when the model answers text that is not the JSON contract', async () => {
    suite.fake.script({ kind: 'answer', content: 'Sure! Here is your answer without any JSON.' });
    const draft = await responder().reply(request);
    expect(draft.responder.kind === 'builtin' && draft.responder.fallback?.reason).to.equal(
      'malformed-output',
    );
  });

  it('falls back when the model JSON lacks required fields', async () => {
    suite.fake.script({ kind: 'answer', content: JSON.stringify({ reply: 'hi' }) });
    const draft = await responder().reply(request);
    expect(draft.responder.kind === 'builtin' && draft.responder.fallback?.reason).to.equal(
      'malformed-output',
    );
  });

  it('falls back when the HTTP body itself is broken', async () => {
    suite.fake.script({ kind: 'broken-body' });
    const draft = await responder().reply(request);
    expect(draft.responder.kind).to.equal('builtin');
    expect(draft.responder.kind === 'builtin' && draft.responder.fallback?.reason).to.equal(
      'malformed-output',
    );
  });

  it('falls back with reason connection when nothing listens at the base URL', async () => {
    const closed = await startFakeOpenAI();
    const baseURL = closed.baseURL;
    await closed.close();
    const draft = await createModelResponder(
      { apiKey: API_KEY, baseURL, model: 'm', timeoutMs: 2000, maxRetries: 0 },
      { kb: suite.kb },
    ).reply(request);
    expect(draft.responder.kind === 'builtin' && draft.responder.fallback?.reason).to.equal('connection');
  });

  it("stops when the caller's signal aborts, without a draft", async () => {
    suite.fake.script({ kind: 'delay', ms: 10_000, content: modelAnswer('too late') });
    const controller = new AbortController();
    const pending = responder(10_000).reply(request, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await pending.catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ReplyAbortedError);
  });

  it('never claims grounding when no passage was retrieved', async () => {
    suite.fake.script({ kind: 'answer', content: modelAnswer('We deliver pizza on Sundays.', true) });
    const draft = await responder().reply({
      ...request,
      email: { ...request.email, subject: 'Pizza', text: 'Do you deliver pizza?' },
      history: [],
    });
    expect(draft.passages).to.deep.equal([]);
    expect(draft.grounded).to.equal(false);
  });
});

describe('parseModelAnswer', () => {
  it('accepts the JSON contract, also inside a ``` fence', () => {
    expect(
      parseModelAnswer('```json\n{"reply":"x","grounded":true,"escalate":false,"reason":null}\n```'),
    ).to.deep.equal({
      reply: 'x',
      grounded: true,
      escalate: false,
      reason: null,
    });
  });

  it('rejects empty content, non-JSON, extra fields and wrong types', () => {
    for (const content of [
      null,
      '',
      'hello',
      '{"reply":"x","grounded":"yes","escalate":false}',
      '{"reply":"x","grounded":true,"escalate":false,"extra":1}',
    ]) {
      expect(() => parseModelAnswer(content), String(content)).to.throw(ModelOutputError);
    }
  });
});
