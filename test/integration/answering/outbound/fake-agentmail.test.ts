// The fake AgentMail itself, over raw HTTP: auth, idempotency, encoded paths and scripting behave as documented.
import { expect } from 'chai';
import { startFakeAgentMail } from '../../../support/fake-agentmail.ts';
import type { FakeAgentMail } from '../../../support/fake-agentmail.ts';

const INBOX = 'support@agentmail.to';
const MSG = '<a/b=c@mail.example.com>';

describe('fake-agentmail', () => {
  let fake: FakeAgentMail;
  beforeEach(async () => {
    fake = await startFakeAgentMail({ apiKey: 'am_k' });
    fake.receive({ inboxId: INBOX, messageId: MSG, threadId: 'thd_1', subject: 'Help' });
  });
  afterEach(async () => {
    await fake.stop();
  });

  const replyUrl = (): string =>
    `${fake.url}/v0/inboxes/${encodeURIComponent(INBOX)}/messages/${encodeURIComponent(MSG)}/reply`;

  async function post(
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: unknown }> {
    const res = await fetch(replyUrl(), {
      method: 'POST',
      headers: { authorization: 'Bearer am_k', 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }

  it('answers 401 without the right bearer token and sends nothing', async () => {
    const none = await post({ text: 'x' }, { authorization: '' });
    const wrong = await post({ text: 'x' }, { authorization: 'bearer am_k' });
    expect(none.status).to.equal(401);
    expect(wrong.status).to.equal(401);
    expect(wrong.json).to.include({ code: 'unknown_api_key' });
    expect(fake.sent).to.have.length(0);
  });

  it('decodes path parameters, keeping an encoded slash inside the Message-ID', async () => {
    const r = await post({ text: 'hi' });
    expect(r.status).to.equal(200);
    expect(fake.requests[0]!.params).to.deep.equal({ inboxId: INBOX, messageId: MSG });
    expect(fake.sent[0]!.inReplyTo).to.equal(MSG);
  });

  it('replays the original response for a repeated key and sends no second email', async () => {
    const a = await post({ text: 'hi', labels: ['x'] }, { 'idempotency-key': 'k1' });
    // Same request with keys in another order is still the same request.
    const b = await post({ labels: ['x'], text: 'hi' }, { 'idempotency-key': 'k1' });
    expect(b).to.deep.equal(a);
    expect(fake.sent).to.have.length(1);
  });

  it('answers 409 conflict for a reused key with a different body', async () => {
    await post({ text: 'hi' }, { 'idempotency-key': 'k1' });
    const r = await post({ text: 'other' }, { 'idempotency-key': 'k1' });
    expect(r.status).to.equal(409);
    expect(r.json).to.include({ code: 'conflict' });
    expect(fake.sent).to.have.length(1);
  });

  it('answers 400 for an empty idempotency key', async () => {
    const r = await post({ text: 'hi' }, { 'idempotency-key': '' });
    expect(r.status).to.equal(400);
    expect(fake.sent).to.have.length(0);
  });

  it('sends without a key every time, which is why callers must always pass one', async () => {
    await post({ text: 'hi' });
    await post({ text: 'hi' });
    expect(fake.sent).to.have.length(2);
  });

  it('answers 404 for a message it never received', async () => {
    const res = await fetch(`${fake.url}/v0/inboxes/${encodeURIComponent(INBOX)}/messages/%3Cnone%3E/reply`, {
      method: 'POST',
      headers: { authorization: 'Bearer am_k', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).to.equal(404);
    expect(await res.json()).to.include({ code: 'not_found' });
  });

  it('plays scripted faults in order for matching requests only, then behaves normally', async () => {
    fake.script({ kind: 'status', status: 429, retryAfter: '7' }, 1, { route: 'reply' });
    fake.script({ kind: 'status', status: 503 }, 1, { route: 'reply' });
    const threadUrl = `${fake.url}/v0/inboxes/${encodeURIComponent(INBOX)}/threads/thd_1`;
    const get = await fetch(threadUrl, { headers: { authorization: 'Bearer am_k' } });
    expect(get.status).to.equal(200);

    const first = await fetch(replyUrl(), {
      method: 'POST',
      headers: { authorization: 'Bearer am_k', 'content-type': 'application/json' },
      body: '{"text":"x"}',
    });
    expect(first.status).to.equal(429);
    expect(first.headers.get('retry-after')).to.equal('7');
    expect((await post({ text: 'x' })).status).to.equal(503);
    expect((await post({ text: 'x' })).status).to.equal(200);
  });

  it('returns the thread with its messages, including sent replies', async () => {
    await post({ text: 'hi' }, { 'idempotency-key': 'k9' });
    const res = await fetch(`${fake.url}/v0/inboxes/${encodeURIComponent(INBOX)}/threads/thd_1`, {
      headers: { authorization: 'Bearer am_k' },
    });
    const thread = (await res.json()) as { message_count: number; messages: Array<{ in_reply_to?: string }> };
    expect(thread.message_count).to.equal(2);
    expect(thread.messages[1]!.in_reply_to).to.equal(MSG);
  });

  it('stops even while a request hangs', async () => {
    fake.script({ kind: 'hang' });
    const pending = fetch(replyUrl(), { method: 'POST', body: '{}' }).then(
      () => 'answered',
      () => 'failed',
    );
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await fake.stop();
    expect(await pending).to.equal('failed');
    fake = await startFakeAgentMail(); // for afterEach
  });

  it('keeps no history when asked not to, and tells the watchers of each request and each email sent', async () => {
    await fake.stop();
    const seen: number[] = [];
    const sentTo: string[] = [];
    fake = await startFakeAgentMail({
      apiKey: 'am_k',
      keepRequests: false,
      onRequest: (req) => seen.push(req.status ?? 0),
      onSent: (email) => sentTo.push(email.inReplyTo),
    });
    fake.receive({ inboxId: INBOX, messageId: MSG, threadId: 'thd_1', subject: 'Help' });
    await post({ text: 'hi' }, { 'idempotency-key': 'k1' });
    await post({ text: 'hi' }, { 'idempotency-key': 'k1' });
    expect(seen).to.deep.equal([200, 200]);
    expect(sentTo).to.deep.equal([MSG]);
    expect(fake.requests).to.have.length(0);
    expect(fake.sent).to.have.length(0);
  });
});
