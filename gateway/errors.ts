// The gateway's error catalogue: HTTP error codes and the in-process error classes; must not log or do I/O.
import { createError } from '../schemas/errors.ts';

/**
 * Every error body the gateway sends is `{ error: <code>, ... }` with a code from this catalogue,
 * and each code always goes out with the same HTTP status (tests check both against this table).
 */
export const GatewayErrorCode = {
  InvalidSignature: 'invalid_signature',
  Unauthorized: 'unauthorized',
  InvalidJson: 'invalid_json',
  InvalidPayload: 'invalid_payload',
  BadRequest: 'bad_request',
  NotFound: 'not_found',
  MethodNotAllowed: 'method_not_allowed',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  BusUnavailable: 'bus_unavailable',
  Internal: 'internal_error',
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

export const gatewayErrorStatus: Record<GatewayErrorCode, number> = {
  invalid_signature: 401,
  // An admin path without the ADMIN_TOKEN bearer token.
  unauthorized: 401,
  invalid_json: 400,
  invalid_payload: 400,
  bad_request: 400,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  // 503 tells Svix to retry later; nothing was acknowledged, so nothing is lost.
  bus_unavailable: 503,
  internal_error: 500,
};

export interface GatewayErrorBody {
  error: GatewayErrorCode;
  field?: string;
  reason?: string;
}

/**
 * Thrown by a WebhookSink when NATS/JetStream is down or did not ack in time. It is retryable: the
 * webhook was not acknowledged, so answering 503 makes AgentMail (Svix) deliver it again.
 * The publish may still have landed; the retry is harmless because the bus dedupes on the svix-id.
 */
export class SinkUnavailableError extends createError('bus_unavailable', 'SinkUnavailableError', {
  retryable: true,
}) {
  constructor(message = 'message bus unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The sink did not settle within the gateway's own deadline (Svix gives up on a delivery after 15 s). */
export class SinkTimeoutError extends createError('sink_timeout', 'SinkTimeoutError', { retryable: true }) {
  constructor(readonly timeoutMs: number) {
    super(`webhook sink did not settle within ${timeoutMs} ms`);
  }
}

/** A bad AGENTMAIL_WEBHOOK_SECRET or an unreadable secret file: the gateway must not start. */
export class WebhookSecretError extends createError('invalid_webhook_secret', 'WebhookSecretError', {
  retryable: false,
}) {}

/** An unreadable or malformed admin token file: the gateway must not start with its admin pages open. */
export class AdminTokenError extends createError('invalid_admin_token', 'AdminTokenError', {
  retryable: false,
}) {}

/** True for any error that says a retry may succeed, whoever defined its class (duck-typed on `retryable`). */
export function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true;
}
