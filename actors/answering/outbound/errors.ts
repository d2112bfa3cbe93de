// Error catalogue for sending through AgentMail: classifies failures, never performs I/O or logs.
//
// Two questions decide what the caller does with a failure (CONVENTIONS §9, maelstrom):
//  - retryable: may the same request (same Idempotency-Key) succeed later? -> JetStream nak, else term.
//  - definite:  did the reply definitely NOT go out? A timeout, a reset connection or a 5xx may have
//               sent it, so they are never definite; the Idempotency-Key makes the retry safe anyway.
import { declareErrorCodes, type CodedError } from '../../../schemas/errors.ts';

export const SendErrorCode = {
  RateLimited: 'RATE_LIMITED',
  ServerError: 'SERVER_ERROR',
  Network: 'NETWORK',
  Timeout: 'TIMEOUT',
  Aborted: 'ABORTED',
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  IdempotencyConflict: 'IDEMPOTENCY_CONFLICT',
  Unprocessable: 'UNPROCESSABLE',
  UnexpectedStatus: 'UNEXPECTED_STATUS',
  InvalidIdempotencyKey: 'INVALID_IDEMPOTENCY_KEY',
} as const;
export type SendErrorCode = (typeof SendErrorCode)[keyof typeof SendErrorCode];
declareErrorCodes('SendError', Object.values(SendErrorCode));

export interface SendErrorDetails {
  /** HTTP status, when the server answered. */
  status?: number | undefined;
  /** AgentMail's own error `code` from the body (e.g. `rate_limit_exceeded`); branch on this, not on text. */
  apiCode?: string | undefined;
  /** How long the server asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number | undefined;
  /** Attempts made before giving up (set by the retry loop). */
  attempts?: number | undefined;
  cause?: unknown;
}

export abstract class SendError extends Error implements CodedError {
  abstract readonly code: SendErrorCode;
  abstract readonly retryable: boolean;
  abstract readonly definite: boolean;
  readonly status: number | undefined;
  readonly apiCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  attempts: number;

  constructor(message: string, details: SendErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.apiCode = details.apiCode;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts ?? 1;
  }

  /** The wire shape of CONVENTIONS §9, for events and replies on the bus. */
  toWire(): { type: 'error'; code: SendErrorCode; text: string; definite: boolean; retryable: boolean } {
    return {
      type: 'error',
      code: this.code,
      text: this.message,
      definite: this.definite,
      retryable: this.retryable,
    };
  }
}

// 429: AgentMail rejected the request before doing anything (errors.mdx: rate_limit_exceeded + Retry-After).
export class RateLimitedError extends SendError {
  readonly code = SendErrorCode.RateLimited;
  readonly retryable = true;
  readonly definite = true;
}
// 5xx: the server may have sent the email before failing.
export class ServerError extends SendError {
  readonly code = SendErrorCode.ServerError;
  readonly retryable = true;
  readonly definite = false;
}
// Connection refused/reset, DNS, TLS: we cannot tell whether the request reached AgentMail.
export class NetworkError extends SendError {
  readonly code = SendErrorCode.Network;
  readonly retryable = true;
  readonly definite = false;
}
// No answer in time: the request may still complete on the server. Never definite.
export class SendTimeoutError extends SendError {
  readonly code = SendErrorCode.Timeout;
  readonly retryable = true;
  readonly definite = false;
}
// The caller's AbortSignal fired (shutdown): worth redelivering later, outcome unknown.
export class SendAbortedError extends SendError {
  readonly code = SendErrorCode.Aborted;
  readonly retryable = true;
  readonly definite = false;
}
export class BadRequestError extends SendError {
  readonly code = SendErrorCode.BadRequest;
  readonly retryable = false;
  readonly definite = true;
}
export class UnauthorizedError extends SendError {
  readonly code = SendErrorCode.Unauthorized;
  readonly retryable = false;
  readonly definite = true;
}
// 403 on a reply is usually `message_rejected` (block list, suspended account): retrying won't help.
export class ForbiddenError extends SendError {
  readonly code = SendErrorCode.Forbidden;
  readonly retryable = false;
  readonly definite = true;
}
export class NotFoundError extends SendError {
  readonly code = SendErrorCode.NotFound;
  readonly retryable = false;
  readonly definite = true;
}
// 409: the key was already used with a different request, or its first use is still in flight
// (idempotency.mdx). Either way a message under this key may exist, so this is not definite:
// the caller must not send again under a fresh key.
export class IdempotencyConflictError extends SendError {
  readonly code = SendErrorCode.IdempotencyConflict;
  readonly retryable = false;
  readonly definite = false;
}
export class UnprocessableError extends SendError {
  readonly code = SendErrorCode.Unprocessable;
  readonly retryable = false;
  readonly definite = true;
}
// Any other status; 408 is retryable (the server gave up waiting for us), the rest are not.
export class UnexpectedStatusError extends SendError {
  readonly code = SendErrorCode.UnexpectedStatus;
  get retryable(): boolean {
    return this.status === 408;
  }
  get definite(): boolean {
    return this.status !== undefined && this.status < 500 && this.status !== 408;
  }
}
// Refused locally before any request: AgentMail would answer 400 for the same key.
export class InvalidIdempotencyKeyError extends SendError {
  readonly code = SendErrorCode.InvalidIdempotencyKey;
  readonly retryable = false;
  readonly definite = true;
}

/** Maps an HTTP status (and AgentMail's error code) to the error class that describes it. */
export function errorForStatus(status: number, message: string, details: SendErrorDetails = {}): SendError {
  const d = { ...details, status };
  if (status === 429) return new RateLimitedError(message, d);
  if (status >= 500) return new ServerError(message, d);
  switch (status) {
    case 400:
      return new BadRequestError(message, d);
    case 401:
      return new UnauthorizedError(message, d);
    case 403:
      return new ForbiddenError(message, d);
    case 404:
      return new NotFoundError(message, d);
    case 409:
      return new IdempotencyConflictError(message, d);
    case 422:
      return new UnprocessableError(message, d);
    default:
      return new UnexpectedStatusError(message, d);
  }
}

export function isSendError(err: unknown): err is SendError {
  return err instanceof SendError;
}
