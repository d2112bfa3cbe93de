// AgentMailSender over real HTTP against the local fake AgentMail: threading, retries, idempotency, errors.
import { expect } from 'chai';
import { AgentMailSender } from '../../../../actors/answering/outbound/agentmail-sender.ts';
import type { AgentMailSenderOptions } from '../../../../actors/answering/outbound/agentmail-sender.ts';
import type { SendError } from '../../../../actors/answering/outbound/errors.ts';
import {
  BadRequestError,
  IdempotencyConflictError,
  NetworkError,
  NotFoundError,
  RateLimitedError,
  SendAbortedError,
  SendTimeoutError,
  ServerError,
  UnauthorizedError,
} from '../../../../actors/answering/outbound/errors.ts';
import { deriveIdempotencyKey } from '../../../../actors/answering/outbound/idempotency-key.ts';
import type { OutboundReply } from '../../../../actors/answering/outbound/reply-sender.ts';
import { startFakeAgentMail } from '../../../support/fake-agentmail.ts';
import type { FakeAgentMail } from '../../../support/fake-agentmail.ts';
import { rejection } from '../../../support/rejection.ts';

const INBOX = 'support@agentmail.to';
// A real-looking Message-ID: '=', '@', '<', '>' and '/' must all survive URL encoding.
const RECEIVED = '<CAF=abc/123@mail.gmail.com>';
const THREAD = 'thd_789ghi';

describe('agentmail-sender', function () {
  this.timeout(20_000);
  let fake: FakeAgentMail;

  beforeEach(async () => {
    fake = await startFakeAgentMail();
    fake.receive({ inboxId: INBOX, messageId: RECEIVED, threadId: THREAD, subject: 'Cannot log in' });
  });
  afterEach(async () => {
    await fake.stop();
  });

  // Small waits keep the suite quick; the 429 test uses the real Retry-After of 1 s.
  function sender(over: Partial<AgentMailSenderOptions> = {}): AgentMailSender {
    return new AgentMailSender({
      apiKey: fake.apiKey,
      baseUrl: fake.url,
      attemptTimeoutMs: 2_000,
      retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 5_000, maxTotalMs: 15_000 },
      ...over,
    });
  }

  function request(over: Partial<OutboundReply> = {}): OutboundReply {
    return {
      inboxId: INBOX,
      messageId: RECEIVED,
      threadId: THREAD,
      text: 'Here is how to reset your password.',
      html: '<p>Here is how to reset your password.</p>',
      labels: ['owner-agent-1', 'billing'],
      idempotencyKey: deriveIdempotencyKey(INBOX, RECEIVED),
      ...over,
    };
  }

  it('threads the reply to the received message by its encoded Message-ID and carries the labels', async () => {
    const result = await sender().sendReply(request());

    expect(fake.requests).to.have.length(1);
    const req = fake.requests[0]!;
    expect(req.method).to.equal('POST');
    expect(req.rawPath).to.equal(
      `/v0/inboxes/${encodeURIComponent(INBOX)}/messages/${encodeURIComponent(RECEIVED)}/reply`,
    );
    expect(req.params).to.deep.equal({ inboxId: INBOX, messageId: RECEIVED });
    expect(req.headers.authorization).to.equal(`Bearer ${fake.apiKey}`);
    expect(req.body).to.deep.equal({
      text: 'Here is how to reset your password.',
      html: '<p>Here is how to reset your password.</p>',
      labels: ['owner-agent-1', 'billing'],
    });
    expect(fake.sent).to.have.length(1);
    const email = fake.sent[0]!;
    expect(email.inReplyTo).to.equal(RECEIVED);
    expect(email.threadId).to.equal(THREAD);
    expect(email.labels).to.include.members(['owner-agent-1', 'billing']);
    expect(result).to.deep.equal({
      messageId: email.messageId,
      threadId: THREAD,
      attempts: 1,
      dryRun: false,
    });
  });

  it('waits at least Retry-After after a 429 and retries with the same Idempotency-Key until it succeeds', async () => {
    fake.script({ kind: 'status', status: 429, retryAfter: '1' }, 1, { route: 'reply' });
    const req = request();

    const result = await sender().sendReply(req);

    expect(result.attempts).to.equal(2);
    expect(fake.requests.map((r) => r.status)).to.deep.equal([429, 200]);
    expect(fake.requests.map((r) => r.idempotencyKey)).to.deep.equal([
      req.idempotencyKey,
      req.idempotencyKey,
    ]);
    const waited = fake.requests[1]!.at - fake.requests[0]!.at;
    // Only a lower bound: a busy machine may wait longer, never shorter than the server asked.
    expect(waited).to.be.at.least(1_000);
    expect(fake.sent).to.have.length(1);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 2_000).toUTCString();
    fake.script({ kind: 'status', status: 429, retryAfter: at }, 1, { route: 'reply' });

    const result = await sender().sendReply(request());

    expect(result.attempts).to.equal(2);
    // The retry must not arrive before the date the server named (2 ms for timer vs wall-clock skew).
    expect(fake.requests[1]!.at).to.be.at.least(Date.parse(at) - 2);
  });

  it('gives up at once, retryable, when Retry-After is beyond its bound instead of retrying early', async () => {
    fake.script({ kind: 'status', status: 429, retryAfter: '3600' }, 1, { route: 'reply' });

    const err = await rejection(sender().sendReply(request()));

    expect(err).to.be.instanceOf(RateLimitedError);
    const e = err as RateLimitedError;
    expect(e.retryable).to.equal(true);
    expect(e.retryAfterMs).to.equal(3_600_000);
    expect(e.attempts).to.equal(1);
    expect(fake.requests).to.have.length(1);
  });

  it('retries two 500s and then succeeds, sending one email with one key', async () => {
    fake.script({ kind: 'status', status: 500 }, 2, { route: 'reply' });
    const req = request();

    const result = await sender().sendReply(req);

    expect(result.attempts).to.equal(3);
    expect(fake.requests.map((r) => r.status)).to.deep.equal([500, 500, 200]);
    expect(new Set(fake.requests.map((r) => r.idempotencyKey))).to.deep.equal(new Set([req.idempotencyKey]));
    expect(fake.sent).to.have.length(1);
  });

  it('sends once when the server sent the email but answered 503, because the retry reuses the key', async () => {
    fake.script({ kind: 'after-send-status', status: 503 }, 1, { route: 'reply' });

    const result = await sender().sendReply(request());

    expect(result.attempts).to.equal(2);
    expect(fake.sent).to.have.length(1);
    expect(result.messageId).to.equal(fake.sent[0]!.messageId);
  });

  it('fails at once on a 400 with retryable=false and definite=true', async () => {
    fake.script({ kind: 'status', status: 400, code: 'validation_error' }, 1, { route: 'reply' });

    const err = await rejection(sender().sendReply(request()));

    expect(err).to.be.instanceOf(BadRequestError);
    const e = err as SendError;
    expect(e.name).to.equal('BadRequestError');
    expect(e.code).to.equal('BAD_REQUEST');
    expect(e.status).to.equal(400);
    expect(e.apiCode).to.equal('validation_error');
    expect(e.retryable).to.equal(false);
    expect(e.definite).to.equal(true);
    expect(e.cause).to.exist;
    expect(fake.requests).to.have.length(1);
    expect(fake.sent).to.have.length(0);
  });

  it('classifies a wrong API key as a permanent UnauthorizedError', async () => {
    const err = await rejection(sender({ apiKey: 'am_wrong' }).sendReply(request()));

    expect(err).to.be.instanceOf(UnauthorizedError);
    expect((err as SendError).retryable).to.equal(false);
    expect(fake.requests).to.have.length(1);
  });

  it('classifies replying to an unknown message as a permanent NotFoundError', async () => {
    const err = await rejection(sender().sendReply(request({ messageId: '<nobody@nowhere>' })));

    expect(err).to.be.instanceOf(NotFoundError);
    expect((err as SendError).retryable).to.equal(false);
  });

  it('returns the original result for a second call with the same key, and the fake sent only one email', async () => {
    const s = sender();
    const first = await s.sendReply(request());
    const second = await s.sendReply(request());

    expect(second.messageId).to.equal(first.messageId);
    expect(second.threadId).to.equal(first.threadId);
    expect(fake.requests).to.have.length(2);
    expect(fake.sent).to.have.length(1);
  });

  it('refuses the same key with a different reply as a non-retryable, non-definite conflict', async () => {
    const s = sender();
    await s.sendReply(request());

    const err = await rejection(s.sendReply(request({ text: 'something else' })));

    expect(err).to.be.instanceOf(IdempotencyConflictError);
    const e = err as SendError;
    expect(e.status).to.equal(409);
    expect(e.retryable).to.equal(false);
    expect(e.definite).to.equal(false);
    expect(fake.sent).to.have.length(1);
  });

  it('classifies a timeout as retryable and not definite', async () => {
    // The email goes out but the answer never comes: exactly why a timeout can never be definite.
    fake.script({ kind: 'after-send-hang' }, 5, { route: 'reply' });

    const err = await rejection(
      sender({ attemptTimeoutMs: 1_000, retry: { maxAttempts: 2, baseDelayMs: 10 } }).sendReply(request()),
    );

    expect(err).to.be.instanceOf(SendTimeoutError);
    const e = err as SendError;
    expect(e.retryable).to.equal(true);
    expect(e.definite).to.equal(false);
    expect(e.attempts).to.equal(2);
    expect(fake.requests).to.have.length(2);
    expect(fake.sent).to.have.length(1);
  });

  it('recovers from a hung attempt by retrying with the same key', async () => {
    fake.script({ kind: 'hang' }, 1, { route: 'reply' });
    const req = request();

    const result = await sender({ attemptTimeoutMs: 1_000 }).sendReply(req);

    expect(result.attempts).to.equal(2);
    expect(fake.requests.map((r) => r.idempotencyKey)).to.deep.equal([
      req.idempotencyKey,
      req.idempotencyKey,
    ]);
    expect(fake.sent).to.have.length(1);
  });

  it('stops when its caller aborts, with a retryable non-definite SendAbortedError', async () => {
    fake.script({ kind: 'hang' }, 1, { route: 'reply' });
    const ctl = new AbortController();
    const p = sender({ attemptTimeoutMs: 10_000 }).sendReply(request(), ctl.signal);
    // Abort once the request has reached the fake, so the in-flight HTTP call is what gets cancelled.
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ctl.abort();

    const err = await rejection(p);

    expect(err).to.be.instanceOf(SendAbortedError);
    expect((err as SendError).definite).to.equal(false);
    expect(fake.requests).to.have.length(1);
  });

  it('classifies an unreachable server as a retryable NetworkError after its attempts', async () => {
    const url = fake.url;
    await fake.stop();
    fake = await startFakeAgentMail(); // afterEach stops this one

    const err = await rejection(
      sender({ baseUrl: url, retry: { maxAttempts: 2, baseDelayMs: 10 } }).sendReply(request()),
    );

    expect(err).to.be.instanceOf(NetworkError);
    const e = err as SendError;
    expect(e.retryable).to.equal(true);
    expect(e.definite).to.equal(false);
    expect(e.attempts).to.equal(2);
  });

  it('rejects an invalid idempotency key locally without a request', async () => {
    const err = await rejection(sender().sendReply(request({ idempotencyKey: 'has spaces' })));

    expect((err as SendError).code).to.equal('INVALID_IDEMPOTENCY_KEY');
    expect(fake.requests).to.have.length(0);
  });

  it('adds and removes labels on the received message and its thread', async () => {
    const result = await sender().label({
      inboxId: INBOX,
      messageId: RECEIVED,
      threadId: THREAD,
      add: ['owner-agent-1', 'escalated'],
      remove: ['unread'],
    });

    expect(result.messageLabels).to.deep.equal(['received', 'owner-agent-1', 'escalated']);
    expect(result.threadLabels).to.deep.equal(['received', 'owner-agent-1', 'escalated']);
    expect(fake.message(INBOX, RECEIVED)!.labels).to.deep.equal(['received', 'owner-agent-1', 'escalated']);
    expect(fake.thread(INBOX, THREAD)!.labels).to.deep.equal(['received', 'owner-agent-1', 'escalated']);
    expect(fake.requests.map((r) => [r.method, r.route])).to.deep.equal([
      ['PATCH', 'update-message'],
      ['PATCH', 'update-thread'],
    ]);
    expect(fake.requests[0]!.body).to.deep.equal({
      add_labels: ['owner-agent-1', 'escalated'],
      remove_labels: ['unread'],
    });
  });

  it('retries a label update after a 503', async () => {
    fake.script({ kind: 'status', status: 503 }, 1, { route: 'update-thread' });

    const result = await sender().label({ inboxId: INBOX, threadId: THREAD, add: ['escalated'] });

    expect(result.attempts).to.equal(2);
    expect(result.threadLabels).to.include('escalated');
  });

  it('never puts the reply body or the API key in its log lines', async () => {
    const lines: string[] = [];
    const logger = {
      info: (m: string, meta: Record<string, unknown>) => lines.push(m + JSON.stringify(meta)),
      warn: (m: string, meta: Record<string, unknown>) => lines.push(m + JSON.stringify(meta)),
    };
    fake.script({ kind: 'status', status: 500 }, 1, { route: 'reply' });

    await sender({ logger }).sendReply(request({ text: 'SECRET-BODY-TEXT', html: undefined }));

    expect(lines.length).to.be.at.least(2);
    for (const l of lines) {
      expect(l).not.to.include('SECRET-BODY-TEXT');
      expect(l).not.to.include(fake.apiKey);
    }
  });

  it('maps 5xx to a retryable ServerError when attempts run out', async () => {
    fake.script({ kind: 'status', status: 502 }, 5, { route: 'reply' });

    const err = await rejection(sender({ retry: { maxAttempts: 2, baseDelayMs: 10 } }).sendReply(request()));

    expect(err).to.be.instanceOf(ServerError);
    expect((err as SendError).attempts).to.equal(2);
    expect(fake.sent).to.have.length(0);
  });
});
