// A local fake of AgentMail's REST API (the endpoints we call) for tests and the chaos runner; 127.0.0.1 only, never a
// mock of our code.
//
// Follows /work/shared/reference/agentmail.md §3: /v0 paths with URL-encoded path params, Bearer auth,
// snake_case JSON, `Idempotency-Key` semantics (same key + same request -> the original response and
// no second email; same key + different request, or while the first is in flight -> 409 conflict;
// empty key -> 400), error bodies `{name, code, message}`, 429 with Retry-After. Every request and
// every email actually sent is recorded so tests can check the whole history. A delayed request (`replyDelayMs`,
// or a scripted `delay` fault) holds its idempotency key as in flight from arrival until it is processed, and is
// processed even if the client has gone (a real server does not stop sending because the caller died).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = 'reply' | 'get-message' | 'update-message' | 'get-thread' | 'update-thread';

export interface RecordedRequest {
  method: string;
  route: Route | undefined;
  /** The path exactly as received (still percent-encoded). */
  rawPath: string;
  /** Decoded path parameters. */
  params: { inboxId?: string; messageId?: string; threadId?: string };
  headers: Record<string, string>;
  idempotencyKey: string | undefined;
  body: unknown;
  /** Wall-clock ms when the request arrived (for "waited at least Retry-After" assertions). */
  at: number;
  /** Status we answered, or undefined if we hung. */
  status?: number | undefined;
}

export interface FakeMessage {
  inbox_id: string;
  thread_id: string;
  message_id: string;
  labels: string[];
  timestamp: string;
  from: string;
  to: string[];
  subject?: string | undefined;
  text?: string | undefined;
  html?: string | undefined;
  in_reply_to?: string | undefined;
  size: number;
  created_at: string;
  updated_at: string;
}

export interface FakeThread {
  inbox_id: string;
  thread_id: string;
  labels: string[];
  message_ids: string[];
}

/** An email the fake actually "sent" (at most one per idempotency key). */
export interface SentEmail {
  inboxId: string;
  threadId: string;
  messageId: string;
  inReplyTo: string;
  text: string | undefined;
  html: string | undefined;
  labels: string[];
  to: unknown;
  idempotencyKey: string | undefined;
  /** Wall-clock ms when it went out. */
  at: number;
}

export type Fault =
  /** Answer this status (no processing). 429 gets `Retry-After` when given. */
  | { kind: 'status'; status: number; retryAfter?: string | undefined; code?: string | undefined }
  /** Never answer (until the client gives up or the fake stops); nothing is processed. */
  | { kind: 'hang' }
  /** Process the request for real (the email goes out), then answer this status instead of 200. */
  | { kind: 'after-send-status'; status: number }
  /** Process the request for real, then never answer: the client sees a timeout, the email went out. */
  | { kind: 'after-send-hang' }
  /** Hold the request `ms` (its idempotency key in flight), then process and answer it as usual. */
  | { kind: 'delay'; ms: number };

export interface FaultMatch {
  route?: Route | undefined;
  method?: string | undefined;
}

export interface FakeAgentMail {
  /** Origin to pass as the SDK's `baseUrl`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  sent: SentEmail[];
  /** The next `times` requests matching `match` suffer `fault`, in the order scripted. */
  script(fault: Fault, times?: number, match?: FaultMatch): void;
  /** Seeds a received message (and its thread) so it can be replied to and labelled. */
  receive(msg: {
    inboxId: string;
    messageId: string;
    threadId: string;
    from?: string;
    subject?: string;
    text?: string;
    labels?: string[];
  }): FakeMessage;
  message(inboxId: string, messageId: string): FakeMessage | undefined;
  thread(inboxId: string, threadId: string): FakeThread | undefined;
  stop(): Promise<void>;
}

interface KeyRecord {
  fingerprint: string;
  state: 'in-progress' | 'done';
  response?: { status: number; body: unknown };
}

interface ScriptedFault {
  fault: Fault;
  remaining: number;
  match: FaultMatch;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeAgentMail(
  opts: {
    apiKey?: string;
    /** Keys accepted besides `apiKey` (the chaos runner gives each agent its own, to tell who sent what). */
    acceptsKey?: (key: string) => boolean;
    /** Every send (reply route) is held this long before it is processed, so senders hold work in flight. */
    replyDelayMs?: number;
    /**
     * Record every request and sent email in `requests` and `sent` (default true). A long bench turns it off so
     * the fake's memory does not grow with the run, and watches `onRequest` / `onSent` instead.
     */
    keepRequests?: boolean;
    /** Called once an email goes out (at most once per idempotency key), with the wall-clock ms it went. */
    onSent?: (email: SentEmail) => void;
    /** Called once a request has been answered (status set); not for requests that hang. */
    onRequest?: (req: RecordedRequest) => void;
  } = {},
): Promise<FakeAgentMail> {
  const apiKey = opts.apiKey ?? 'am_test_fake_key';
  const replyDelayMs = opts.replyDelayMs ?? 0;
  const keep = opts.keepRequests ?? true;
  const requests: RecordedRequest[] = [];
  const sent: SentEmail[] = [];
  const faults: ScriptedFault[] = [];
  const messages = new Map<string, FakeMessage>();
  const threads = new Map<string, FakeThread>();
  const keys = new Map<string, KeyRecord>();
  let nextId = 1;

  const mkey = (inbox: string, id: string): string => `${inbox}\u0000${id}`;
  const now = (): string => new Date().toISOString();

  function takeFault(method: string, route: Route | undefined): Fault | undefined {
    const i = faults.findIndex(
      (f) =>
        f.remaining > 0 &&
        (f.match.route === undefined || f.match.route === route) &&
        (f.match.method === undefined || f.match.method === method),
    );
    const f = faults[i];
    if (f === undefined) return undefined;
    f.remaining -= 1;
    if (f.remaining === 0) faults.splice(i, 1);
    return f.fault;
  }

  function route(
    method: string,
    rawPath: string,
  ): { route: Route | undefined; params: RecordedRequest['params'] } {
    // Split before decoding: an encoded '/' (%2F) inside a Message-ID must stay inside its segment.
    const seg = rawPath.split('/').slice(1);
    let decoded: string[];
    try {
      decoded = seg.map((s) => decodeURIComponent(s));
    } catch {
      return { route: undefined, params: {} };
    }
    const [v0, inboxes, inboxId, kind, id, action] = decoded;
    if (v0 !== 'v0' || inboxes !== 'inboxes' || inboxId === undefined || id === undefined) {
      return { route: undefined, params: {} };
    }
    if (kind === 'messages') {
      const params = { inboxId, messageId: id };
      if (seg.length === 6 && action === 'reply' && method === 'POST') return { route: 'reply', params };
      if (seg.length === 5 && method === 'GET') return { route: 'get-message', params };
      if (seg.length === 5 && method === 'PATCH') return { route: 'update-message', params };
    }
    if (kind === 'threads' && seg.length === 5) {
      const params = { inboxId, threadId: id };
      if (method === 'GET') return { route: 'get-thread', params };
      if (method === 'PATCH') return { route: 'update-thread', params };
    }
    return { route: undefined, params: {} };
  }

  function stringArray(v: unknown, field: string): string[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw new HttpError(400, 'ValidationError', 'validation_error', `${field} must be an array of strings`);
    }
    return v;
  }

  function objectBody(body: unknown): Record<string, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'ValidationError', 'validation_error', 'body must be a JSON object');
    }
    return body as Record<string, unknown>;
  }

  function findMessage(inboxId: string, messageId: string): FakeMessage {
    const m = messages.get(mkey(inboxId, messageId));
    if (m === undefined) throw new HttpError(404, 'NotFoundError', 'not_found', 'Message not found');
    return m;
  }

  function findThread(inboxId: string, threadId: string): FakeThread {
    const t = threads.get(mkey(inboxId, threadId));
    if (t === undefined) throw new HttpError(404, 'NotFoundError', 'not_found', 'Thread not found');
    return t;
  }

  function applyLabels(current: string[], body: Record<string, unknown>): string[] {
    const add = stringArray(body.add_labels, 'add_labels') ?? [];
    const remove = stringArray(body.remove_labels, 'remove_labels') ?? [];
    const next = current.filter((l) => !remove.includes(l));
    for (const l of add) if (!next.includes(l)) next.push(l);
    return next;
  }

  function sendReply(req: RecordedRequest): { status: number; body: unknown } {
    const { inboxId = '', messageId = '' } = req.params;
    const b = objectBody(req.body);
    const original = findMessage(inboxId, messageId);
    const labels = stringArray(b.labels, 'labels') ?? [];
    const domain = inboxId.includes('@') ? inboxId.slice(inboxId.indexOf('@') + 1) : 'agentmail.fake';
    const id = `<fake-${nextId++}@${domain}>`;
    const t = now();
    const reply: FakeMessage = {
      inbox_id: inboxId,
      thread_id: original.thread_id,
      message_id: id,
      labels: ['sent', ...labels],
      timestamp: t,
      from: inboxId,
      to: Array.isArray(b.to) ? (b.to as string[]) : [original.from],
      subject: original.subject === undefined ? undefined : `Re: ${original.subject}`,
      text: typeof b.text === 'string' ? b.text : undefined,
      html: typeof b.html === 'string' ? b.html : undefined,
      in_reply_to: original.message_id,
      size: JSON.stringify(b).length,
      created_at: t,
      updated_at: t,
    };
    messages.set(mkey(inboxId, id), reply);
    findThread(inboxId, original.thread_id).message_ids.push(id);
    const email: SentEmail = {
      inboxId,
      threadId: original.thread_id,
      messageId: id,
      inReplyTo: original.message_id,
      text: reply.text,
      html: reply.html,
      labels: reply.labels,
      to: b.to,
      idempotencyKey: req.idempotencyKey,
      at: Date.now(),
    };
    if (keep) sent.push(email);
    opts.onSent?.(email);
    return { status: 200, body: { message_id: id, thread_id: original.thread_id } };
  }

  function process(req: RecordedRequest): { status: number; body: unknown } {
    const { inboxId = '', messageId = '', threadId = '' } = req.params;
    switch (req.route) {
      case 'reply':
        return sendReply(req);
      case 'get-message':
        return { status: 200, body: findMessage(inboxId, messageId) };
      case 'update-message': {
        const m = findMessage(inboxId, messageId);
        m.labels = applyLabels(m.labels, objectBody(req.body));
        m.updated_at = now();
        return { status: 200, body: { message_id: m.message_id, labels: m.labels } };
      }
      case 'get-thread': {
        const t = findThread(inboxId, threadId);
        const msgs = t.message_ids
          .map((id) => messages.get(mkey(inboxId, id)))
          .filter((m) => m !== undefined);
        const last = msgs[msgs.length - 1];
        return {
          status: 200,
          body: {
            inbox_id: t.inbox_id,
            thread_id: t.thread_id,
            labels: t.labels,
            last_message_id: last?.message_id,
            message_count: msgs.length,
            count: msgs.length,
            messages: msgs,
          },
        };
      }
      case 'update-thread': {
        const t = findThread(inboxId, threadId);
        t.labels = applyLabels(t.labels, objectBody(req.body));
        return { status: 200, body: { thread_id: t.thread_id, labels: t.labels } };
      }
      case undefined:
        throw new HttpError(404, 'NotFoundError', 'not_found', 'Route not found');
    }
  }

  const held = (ms: number): Promise<void> =>
    ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();

  /**
   * Idempotency per idempotency.mdx: only sends carry keys; keys are org-scoped. The key is claimed before the
   * hold, so a retry under the same key during the hold gets 409 and a retry after it gets the original answer.
   */
  async function processIdempotent(
    req: RecordedRequest,
    holdMs: number,
  ): Promise<{ status: number; body: unknown }> {
    const key = req.idempotencyKey;
    if (req.route !== 'reply' || key === undefined) {
      await held(holdMs);
      return process(req);
    }
    if (key === '')
      throw new HttpError(400, 'ValidationError', 'validation_error', 'Idempotency-Key is empty');
    if (!/^[A-Za-z0-9._~-]{1,256}$/.test(key)) {
      throw new HttpError(400, 'ValidationError', 'validation_error', 'Idempotency-Key is invalid');
    }
    // Hashed: a long bench keeps one key per reply, and the whole request would make that grow with every body.
    const fingerprint = createHash('sha256')
      .update(`${req.route} ${req.params.inboxId} ${req.params.messageId} ${canonical(req.body)}`)
      .digest('base64');
    const prior = keys.get(key);
    if (prior !== undefined) {
      if (prior.fingerprint !== fingerprint) {
        throw new HttpError(
          409,
          'ConflictError',
          'conflict',
          'Idempotency key reused with a different request',
        );
      }
      if (prior.state === 'in-progress' || prior.response === undefined) {
        throw new HttpError(
          409,
          'ConflictError',
          'conflict',
          'A request with this idempotency key is in progress',
        );
      }
      return prior.response;
    }
    const record: KeyRecord = { fingerprint, state: 'in-progress' };
    keys.set(key, record);
    try {
      await held(holdMs);
      const response = process(req);
      record.state = 'done';
      record.response = response;
      return response;
    } catch (err) {
      // A request that failed validation did not use the key up.
      keys.delete(key);
      throw err;
    }
  }

  function answer(
    res: ServerResponse,
    req: RecordedRequest,
    status: number,
    body: unknown,
    extra = {},
  ): void {
    req.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...extra });
    res.end(JSON.stringify(body));
    opts.onRequest?.(req);
  }

  function answerError(res: ServerResponse, req: RecordedRequest, err: HttpError, extra = {}): void {
    answer(res, req, err.status, { name: err.errorName, code: err.code, message: err.message }, extra);
  }

  async function handle(inc: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of inc) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = inc.method ?? 'GET';
    const rawPath = (inc.url ?? '/').split('?')[0] ?? '/';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(inc.headers)) if (typeof v === 'string') headers[k] = v;
    const { route: r, params } = route(method, rawPath);
    let body: unknown = undefined;
    let badJson = false;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
      }
    }
    const req: RecordedRequest = {
      method,
      route: r,
      rawPath,
      params,
      headers,
      idempotencyKey: headers['idempotency-key'],
      body,
      at: Date.now(),
    };
    if (keep) requests.push(req);

    const fault = takeFault(method, r);
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'status') {
      const code = fault.code ?? (fault.status === 429 ? 'rate_limit_exceeded' : 'internal_error');
      const extra = fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter };
      answerError(
        res,
        req,
        new HttpError(fault.status, 'ScriptedError', code, `scripted ${fault.status}`),
        extra,
      );
      return;
    }
    try {
      const auth = headers.authorization;
      if (auth === undefined) {
        throw new HttpError(
          401,
          'UnauthorizedError',
          'missing_authorization',
          'Missing Authorization header',
        );
      }
      // errors.mdx: the scheme is case-sensitive.
      const key = auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
      if (key === undefined || (key !== apiKey && !(opts.acceptsKey?.(key) ?? false)))
        throw new HttpError(401, 'UnauthorizedError', 'unknown_api_key', 'Unauthorized');
      if (badJson) throw new HttpError(400, 'ValidationError', 'validation_error', 'Body is not valid JSON');
      const holdMs = fault?.kind === 'delay' ? fault.ms : r === 'reply' ? replyDelayMs : 0;
      const out = await processIdempotent(req, holdMs);
      if (fault?.kind === 'after-send-hang') return;
      if (fault?.kind === 'after-send-status') {
        answerError(
          res,
          req,
          new HttpError(fault.status, 'ScriptedError', 'internal_error', 'scripted after send'),
        );
        return;
      }
      answer(res, req, out.status, out.body);
    } catch (err) {
      if (err instanceof HttpError) answerError(res, req, err);
      else answerError(res, req, new HttpError(500, 'InternalError', 'internal_error', String(err)));
    }
  }

  const server = createServer((inc, res) => {
    handle(inc, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    sent,
    script(fault, times = 1, match = {}) {
      faults.push({ fault, remaining: times, match });
    },
    receive(msg) {
      const t = now();
      const m: FakeMessage = {
        inbox_id: msg.inboxId,
        thread_id: msg.threadId,
        message_id: msg.messageId,
        labels: msg.labels ?? ['received', 'unread'],
        timestamp: t,
        from: msg.from ?? 'Jane Doe <jane@example.com>',
        to: [msg.inboxId],
        subject: msg.subject,
        text: msg.text,
        size: (msg.text ?? '').length,
        created_at: t,
        updated_at: t,
      };
      messages.set(mkey(msg.inboxId, msg.messageId), m);
      const thread = threads.get(mkey(msg.inboxId, msg.threadId)) ?? {
        inbox_id: msg.inboxId,
        thread_id: msg.threadId,
        labels: ['received', 'unread'],
        message_ids: [],
      };
      thread.message_ids.push(msg.messageId);
      threads.set(mkey(msg.inboxId, msg.threadId), thread);
      return m;
    },
    message: (inboxId, messageId) => messages.get(mkey(inboxId, messageId)),
    thread: (inboxId, threadId) => threads.get(mkey(inboxId, threadId)),
    async stop() {
      // Hung requests hold their sockets open; close them so close() can finish.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** JSON with sorted keys, so the same request always has the same fingerprint. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Short alias: `const fake = await start()`. */
export const start = startFakeAgentMail;
