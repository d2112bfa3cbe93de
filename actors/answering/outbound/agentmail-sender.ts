// ReplySender over the official AgentMail SDK: one Idempotency-Key per reply on every attempt, our own
// bounded Retry-After-aware retries. Must never log the reply body or the API key.
//
// Why our own loop instead of the SDK's (maxRetries is forced to 0): the SDK does not retry network
// errors, has no total time bound and shortens a long Retry-After to 60 s; we need all three decided
// here, and a Retry-After beyond our bound handed back to the caller (JetStream nak) rather than cut.
import { AgentMailClient, AgentMailError, AgentMailTimeoutError } from 'agentmail';
import { NetworkError, SendAbortedError, SendError, SendTimeoutError, errorForStatus } from './errors.ts';
import { assertIdempotencyKey } from './idempotency-key.ts';
import type { LabelRequest, LabelResult, OutboundReply, ReplySender, SendResult } from './reply-sender.ts';
import { defaultRetryPolicy, parseRetryAfter, realRetryEnv, withRetries } from './retry.ts';
import type { RetryEnv, RetryPolicy } from './retry.ts';

/** The subset of a winston logger we use; meta never contains bodies or secrets. */
export interface OutboundLogger {
  info(message: string, meta: Record<string, unknown>): void;
  warn(message: string, meta: Record<string, unknown>): void;
}

export interface AgentMailSenderOptions {
  apiKey: string;
  /** Origin only, e.g. `http://127.0.0.1:4010`; the SDK appends `/v0/...`. Default: AgentMail prod. */
  baseUrl?: string | undefined;
  /** Time allowed for one HTTP attempt. Default 30 s. */
  attemptTimeoutMs?: number | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  logger?: OutboundLogger | undefined;
  /** Clock/sleep/random for tests; real time by default. */
  env?: RetryEnv | undefined;
}

export class AgentMailSender implements ReplySender {
  readonly #client: AgentMailClient;
  readonly #attemptTimeoutMs: number;
  readonly #policy: RetryPolicy;
  readonly #logger: OutboundLogger | undefined;
  readonly #env: RetryEnv;

  constructor(opts: AgentMailSenderOptions) {
    this.#attemptTimeoutMs = opts.attemptTimeoutMs ?? 30_000;
    this.#policy = { ...defaultRetryPolicy, ...opts.retry };
    this.#logger = opts.logger;
    this.#env = opts.env ?? realRetryEnv;
    this.#client = new AgentMailClient({
      apiKey: opts.apiKey,
      ...(opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl }),
      maxRetries: 0,
      // A backstop only: our own per-attempt timer (below) fires first and is the one we classify.
      timeoutInSeconds: Math.ceil(this.#attemptTimeoutMs / 1000) + 5,
      // The SDK's own logger stays silent (its default): our log lines decide what is recorded.
      logging: { silent: true },
    });
  }

  async sendReply(req: OutboundReply, signal?: AbortSignal): Promise<SendResult> {
    assertIdempotencyKey(req.idempotencyKey);
    const body = {
      text: req.text,
      ...(req.html === undefined ? {} : { html: req.html }),
      ...(req.labels === undefined ? {} : { labels: req.labels }),
      ...(req.to === undefined ? {} : { to: req.to, replyAll: false }),
    };
    const where = { inboxId: req.inboxId, messageId: req.messageId, idempotencyKey: req.idempotencyKey };
    const { value, attempts } = await this.#retrying('reply', where, signal, (attemptSignal) =>
      // The same key on every attempt: AgentMail then sends at most one email (idempotency.mdx).
      this.#client.inboxes.messages.reply(req.inboxId, req.messageId, body, {
        idempotencyKey: req.idempotencyKey,
        abortSignal: attemptSignal,
        maxRetries: 0,
      }),
    );
    this.#logger?.info('agentmail reply sent', { ...where, sentMessageId: value.messageId, attempts });
    return { messageId: value.messageId, threadId: value.threadId, attempts, dryRun: false };
  }

  async label(req: LabelRequest, signal?: AbortSignal): Promise<LabelResult> {
    const change = {
      ...(req.add === undefined ? {} : { addLabels: req.add }),
      ...(req.remove === undefined ? {} : { removeLabels: req.remove }),
    };
    const result: LabelResult = { attempts: 0, dryRun: false };
    if (req.messageId !== undefined) {
      const messageId = req.messageId;
      const r = await this.#retrying('label-message', { inboxId: req.inboxId, messageId }, signal, (s) =>
        this.#client.inboxes.messages.update(req.inboxId, messageId, change, {
          abortSignal: s,
          maxRetries: 0,
        }),
      );
      result.messageLabels = r.value.labels;
      result.attempts += r.attempts;
    }
    if (req.threadId !== undefined) {
      const threadId = req.threadId;
      const r = await this.#retrying('label-thread', { inboxId: req.inboxId, threadId }, signal, (s) =>
        this.#client.inboxes.threads.update(req.inboxId, threadId, change, { abortSignal: s, maxRetries: 0 }),
      );
      result.threadLabels = r.value.labels;
      result.attempts += r.attempts;
    }
    return result;
  }

  async #retrying<T>(
    op: string,
    where: Record<string, string>,
    signal: AbortSignal | undefined,
    call: (attemptSignal: AbortSignal) => Promise<T>,
  ): Promise<{ value: T; attempts: number }> {
    return withRetries((attempt) => this.#attempt(attempt, signal, call), {
      policy: this.#policy,
      env: this.#env,
      signal,
      onRetry: ({ attempt, delayMs, error }) =>
        this.#logger?.warn('agentmail call failed, retrying', {
          op,
          ...where,
          attempt,
          delayMs,
          code: error.code,
          status: error.status,
          apiCode: error.apiCode,
        }),
    });
  }

  /** One HTTP attempt with its own timeout, translated into our error catalogue. */
  async #attempt<T>(
    attempt: number,
    signal: AbortSignal | undefined,
    call: (attemptSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (signal?.aborted)
      throw new SendAbortedError('aborted before attempt', { cause: signal.reason, attempts: attempt });
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort(new Error('attempt timeout'));
    }, this.#attemptTimeoutMs);
    const onAbort = (): void => ctl.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await call(ctl.signal);
    } catch (err) {
      throw classify(err, { timedOut, aborted: signal?.aborted === true, nowMs: this.#env.now() });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Translates whatever the SDK threw into a SendError; the SDK error stays as `cause`. */
export function classify(
  err: unknown,
  ctx: { timedOut: boolean; aborted: boolean; nowMs: number },
): SendError {
  if (err instanceof SendError) return err;
  if (ctx.aborted) return new SendAbortedError('AgentMail call aborted by caller', { cause: err });
  if (ctx.timedOut || err instanceof AgentMailTimeoutError) {
    return new SendTimeoutError('AgentMail call timed out', { cause: err });
  }
  if (err instanceof AgentMailError && err.statusCode !== undefined) {
    const status = err.statusCode;
    const apiCode = apiCodeOf(err.body);
    const retryAfterMs = parseRetryAfter(err.rawResponse?.headers?.get('retry-after'), ctx.nowMs);
    return errorForStatus(status, `AgentMail answered HTTP ${status}${apiCode ? ` (${apiCode})` : ''}`, {
      apiCode,
      retryAfterMs,
      cause: err,
    });
  }
  // No status: the request failed below HTTP (refused, reset, DNS); it may or may not have arrived.
  return new NetworkError('AgentMail unreachable', { cause: err });
}

function apiCodeOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'code' in body) {
    const code = body.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
