// Acknowledged JetStream publishes over one wildcard inbox subscription, without nats.js's per-call request machinery.
// It sends, matches the PubAck and reports what the server said; it must not retry or interpret what it publishes.
import {
  createInbox,
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
} from '@nats-io/nats-core';
import type { PubAck } from '@nats-io/jetstream';
import { declareErrorCodes, type CodedError } from '../schemas/errors.ts';

/**
 * Why this exists: nats.js `js.publish` goes through `nc.request()`, which per call allocates a Request, a mux
 * entry and a setTimeout, and even on success builds `new RequestError("cancelled")` (a stack capture) when it
 * cancels its own timer. In the Paxos bench that was ~9% of a node's CPU. Here a publish costs a Map entry and
 * a promise; one coarse timer expires what the server never answered.
 */

/** The headers JetStream reads on a publish (nats.js jsapi_types PubHeaders). */
export const JsHeader = {
  msgId: 'Nats-Msg-Id',
  expectedLastSubjectSequence: 'Nats-Expected-Last-Subject-Sequence',
} as const;

/** JetStream API error codes (`err_code`) we act on (nats.js jserrors JetStreamApiCodes). */
export const JsErrCode = {
  /** The subject's last sequence is not the expected one: for a KV create, the key already has an entry. */
  wrongLastSequence: 10071,
  /** The same, from newer servers when the expected sequence is unknown to them (nats.js treats both alike). */
  wrongLastSequenceUnknown: 10164,
} as const;

export const JsPublishFailure = {
  /** No PubAck within the timeout: the message may or may not be stored. */
  timeout: 'JS_TIMEOUT',
  /** The server answered 503 no responders: no stream takes the subject (or JetStream is electing a leader). */
  noResponders: 'JS_NO_RESPONDERS',
  /** The connection closed (or is draining) before the PubAck came: the message may or may not be stored. */
  closed: 'JS_CLOSED',
  /** The reply was not a PubAck. */
  badAck: 'JS_BAD_ACK',
} as const;
export type JsPublishFailureCode = (typeof JsPublishFailure)[keyof typeof JsPublishFailure];
declareErrorCodes('JsPublishError', Object.values(JsPublishFailure));
declareErrorCodes('JsApiError', ['JS_API']);

const failureTraits: Record<JsPublishFailureCode, { retryable: boolean; definite: boolean }> = {
  JS_TIMEOUT: { retryable: true, definite: false },
  // A 503 no-responders status means no subscriber took the message, so nothing was stored.
  JS_NO_RESPONDERS: { retryable: true, definite: true },
  JS_CLOSED: { retryable: false, definite: false },
  JS_BAD_ACK: { retryable: false, definite: false },
};

/** The publish got no usable answer from JetStream. `definite` says whether it surely was not stored. */
export class JsPublishError extends Error implements CodedError {
  override readonly name = 'JsPublishError';
  readonly retryable: boolean;
  readonly definite: boolean;
  constructor(
    readonly code: JsPublishFailureCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    ({ retryable: this.retryable, definite: this.definite } = failureTraits[code]);
  }
}

/** JetStream refused the publish: `{"error":{"code","err_code","description"}}`. Nothing was stored. */
export class JsApiError extends Error implements CodedError {
  override readonly name = 'JsApiError';
  readonly code = 'JS_API';
  readonly definite = true;
  /** The HTTP-like status of the API error (400, 503, ...). */
  readonly status: number;
  /** JetStream's own error code, e.g. 10071 (JsErrCode.wrongLastSequence). */
  readonly errCode: number;
  readonly description: string;
  /** 503 is "JetStream temporarily unavailable" (e.g. no stream leader yet); anything else will not change. */
  readonly retryable: boolean;
  constructor(subject: string, error: { code?: unknown; err_code?: unknown; description?: unknown }) {
    const description = typeof error.description === 'string' ? error.description : 'unknown error';
    super(`JetStream refused ${subject}: ${description}`);
    this.status = typeof error.code === 'number' ? error.code : 0;
    this.errCode = typeof error.err_code === 'number' ? error.err_code : 0;
    this.description = description;
    this.retryable = this.status === 503;
  }
}

export interface JsPublishRequest {
  timeoutMs: number;
  /** Nats-Msg-Id: a publish with an id the stream saw inside its duplicate window is acked `duplicate`, not stored. */
  msgID?: string;
  /** Nats-Expected-Last-Subject-Sequence: 0 means "nothing stored on this subject yet" (a KV create). */
  expectLastSubjectSequence?: number;
  /** Extra headers; msgID and expectations are set on this object (as nats.js does), so it may be reused on retries. */
  headers?: MsgHdrs;
}

interface Pending {
  resolve: (ack: PubAck) => void;
  reject: (e: Error) => void;
  deadline: number;
  subject: string;
  timeoutMs: number;
}

/** How often expired publishes are looked for: a timeout fires up to this much late. */
const sweepEveryMs = 50;

/** nats.js's connection keeps its options (inboxPrefix among them) on the object; its interface does not show them. */
function inboxPrefixOf(nc: NatsConnection): string | undefined {
  const options = (nc as { options?: { inboxPrefix?: unknown } }).options;
  return typeof options?.inboxPrefix === 'string' ? options.inboxPrefix : undefined;
}

export class JsPublisher {
  /** `<inbox>.`: a PubAck comes back on `<inbox>.<n>`. */
  private readonly replyPrefix: string;
  private readonly pending = new Map<string, Pending>();
  private next = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private closedReason: string | undefined;

  constructor(
    private readonly nc: NatsConnection,
    opts: { inboxPrefix?: string } = {},
  ) {
    const inbox = createInbox(opts.inboxPrefix ?? inboxPrefixOf(nc));
    this.replyPrefix = `${inbox}.`;
    nc.subscribe(`${inbox}.*`, { callback: (err, m) => this.onReply(err, m) });
    void nc
      .closed()
      .then((err) => this.close(err ? `connection closed: ${err.message}` : 'connection closed'));
  }

  /** Publishes awaiting their PubAck. */
  get inFlight(): number {
    return this.pending.size;
  }

  publish(subject: string, data: string | Uint8Array, req: JsPublishRequest): Promise<PubAck> {
    if (this.closedReason !== undefined) {
      return Promise.reject(
        new JsPublishError(JsPublishFailure.closed, `cannot publish ${subject}: ${this.closedReason}`),
      );
    }
    let h = req.headers;
    if (req.msgID !== undefined) (h ??= natsHeaders()).set(JsHeader.msgId, req.msgID);
    if (req.expectLastSubjectSequence !== undefined)
      (h ??= natsHeaders()).set(JsHeader.expectedLastSubjectSequence, String(req.expectLastSubjectSequence));
    const token = String(this.next++);
    return new Promise<PubAck>((resolve, reject) => {
      try {
        this.nc.publish(subject, data, { reply: this.replyPrefix + token, ...(h ? { headers: h } : {}) });
      } catch (e) {
        // Closed, draining, or a bad subject: nats.js refused to send it at all.
        reject(
          new JsPublishError(JsPublishFailure.closed, `cannot publish ${subject}: ${(e as Error).message}`, {
            cause: e,
          }),
        );
        return;
      }
      this.pending.set(token, {
        resolve,
        reject,
        deadline: Date.now() + req.timeoutMs,
        subject,
        timeoutMs: req.timeoutMs,
      });
      this.sweeper ??= this.startSweeper();
    });
  }

  /** Rejects everything pending (the connection is gone) and refuses new publishes. Called on connection close. */
  close(reason = 'closed'): void {
    this.closedReason ??= reason;
    this.failAll(JsPublishFailure.closed, reason);
  }

  private onReply(err: Error | null, m: Msg): void {
    if (err) {
      // The inbox subscription itself failed (e.g. a permissions violation): no ack can arrive any more.
      this.failAll(JsPublishFailure.closed, `reply subscription failed: ${err.message}`, err);
      return;
    }
    const token = m.subject.slice(this.replyPrefix.length);
    const p = this.pending.get(token);
    if (!p) return; // answered after its timeout
    this.pending.delete(token);
    settle(p, m);
  }

  private failAll(code: JsPublishFailureCode, reason: string, cause?: unknown): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    this.stopSweeper();
    for (const p of all) {
      p.reject(new JsPublishError(code, `JetStream did not acknowledge ${p.subject}: ${reason}`, { cause }));
    }
  }

  private startSweeper(): NodeJS.Timeout {
    const t = setInterval(() => this.sweep(), sweepEveryMs);
    t.unref();
    return t;
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, p] of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(token);
      p.reject(
        new JsPublishError(
          JsPublishFailure.timeout,
          `JetStream did not acknowledge ${p.subject} within ${p.timeoutMs} ms`,
        ),
      );
    }
    if (this.pending.size === 0) this.stopSweeper();
  }
}

/** Parses a PubAck the way nats.js jsclient does (parseJsResponse, then `stream` must be set). */
function settle(p: Pending, m: Msg): void {
  if (m.data.length === 0) {
    p.reject(
      m.headers?.code === 503
        ? new JsPublishError(JsPublishFailure.noResponders, `no responders: no stream takes ${p.subject}`)
        : new JsPublishError(
            JsPublishFailure.badAck,
            `empty reply to ${p.subject} (status ${m.headers?.code ?? 'none'})`,
          ),
    );
    return;
  }
  let v: unknown;
  try {
    v = m.json<unknown>();
  } catch (e) {
    p.reject(new JsPublishError(JsPublishFailure.badAck, `reply to ${p.subject} is not JSON`, { cause: e }));
    return;
  }
  const r = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  if (typeof r['error'] === 'object' && r['error'] !== null) {
    p.reject(new JsApiError(p.subject, r['error']));
    return;
  }
  const { stream, seq, duplicate, domain } = r;
  if (typeof stream !== 'string' || stream === '' || typeof seq !== 'number') {
    p.reject(new JsPublishError(JsPublishFailure.badAck, `reply to ${p.subject} is not a PubAck`));
    return;
  }
  p.resolve({
    stream,
    seq,
    duplicate: duplicate === true,
    ...(typeof domain === 'string' ? { domain } : {}),
  });
}
