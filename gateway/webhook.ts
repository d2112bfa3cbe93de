// AgentMail webhook core: verify the Svix signature, parse, validate, normalise, classify; must not do I/O, log or publish.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { validatorFor } from '../schemas/codec.ts';
import { WebhookVerificationError } from 'svix';
import {
  agentmailSchemas,
  otherEventDataKeys,
  receivedEventTypes,
  type AgentmailEnvelope,
  type AgentmailMessageWire,
  type MessageReceivedEvent,
  type MessageReceivedEventWire,
  type OtherEvent,
  type OtherEventType,
  type ReceivedEventType,
} from '../schemas/agentmail.ts';
import { GatewayErrorCode, WebhookSecretError } from './errors.ts';

/** received: carries an inbound email to answer; other: a documented delivery/domain event; unknown: a type we do not know. */
export type WebhookKind = 'received' | 'other' | 'unknown';

interface VerifiedBase {
  /** Svix message id: identical on every retry of one delivery, so it is the dedupe key (reference §2.1). */
  svixId: string;
  /** Unix seconds from svix-timestamp, already checked to be within 5 minutes of now. */
  svixTimestamp: number;
  eventId: string;
  /** Milliseconds since the epoch at which the gateway accepted the request. */
  receivedAt: number;
}

/** A payload whose shape has been checked, by kind: what validateEvent finds and the sink receives. */
type ValidEvent =
  | { kind: 'received'; eventType: ReceivedEventType; payload: MessageReceivedEvent }
  | { kind: 'other'; eventType: OtherEventType; payload: OtherEvent }
  | { kind: 'unknown'; eventType: string; payload: AgentmailEnvelope };

/** A webhook whose signature, JSON and shape have all been checked; what the gateway hands to its sink. */
export type VerifiedWebhook = VerifiedBase & ValidEvent;

export type WebhookRejection =
  | { code: typeof GatewayErrorCode.InvalidSignature; reason: string }
  | { code: typeof GatewayErrorCode.InvalidJson; reason: string }
  | { code: typeof GatewayErrorCode.InvalidPayload; field: string; reason: string; eventType?: string };

export type WebhookOutcome =
  { ok: true; event: VerifiedWebhook } | { ok: false; rejection: WebhookRejection };

/** Header values as node/fastify give them (repeated headers arrive as arrays). */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

export interface WebhookVerifier {
  verify(raw: Buffer | string, headers: Record<string, string>): unknown;
}

/** Svix's replay window (standardwebhooks WEBHOOK_TOLERANCE_IN_SECONDS). */
const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/**
 * svix's verify() with node:crypto's HMAC instead of svix's pure-JS SHA-256: same inputs, same checks in the
 * same order, same error messages (signatureReason maps them), about 100 us less per webhook (bench/gateway.ts).
 * Equivalence with svix itself is a property test (test/unit/gateway/svix-verifier.test.ts).
 */
class SvixVerifier implements WebhookVerifier {
  constructor(private readonly key: Buffer) {}

  verify(raw: Buffer | string, headers: Record<string, string>): unknown {
    const id = headers['svix-id'];
    const timestampHeader = headers['svix-timestamp'];
    const signatures = headers['svix-signature'];
    if (!id || !timestampHeader || !signatures)
      throw new WebhookVerificationError('Missing required headers');
    const now = Math.floor(Date.now() / 1000);
    const timestamp = Number.parseInt(timestampHeader, 10);
    if (Number.isNaN(timestamp)) throw new WebhookVerificationError('Invalid Signature Headers');
    if (now - timestamp > SIGNATURE_TOLERANCE_SECONDS)
      throw new WebhookVerificationError('Message timestamp too old');
    if (timestamp > now + SIGNATURE_TOLERANCE_SECONDS)
      throw new WebhookVerificationError('Message timestamp too new');
    // svix signs the body as decoded text (invalid UTF-8 becomes U+FFFD) and the timestamp as the parsed number.
    const payload = typeof raw === 'string' ? raw : raw.toString('utf8');
    const expected = Buffer.from(
      createHmac('sha256', this.key).update(`${id}.${timestamp}.${payload}`, 'utf8').digest('base64'),
    );
    for (const versioned of signatures.split(' ')) {
      const [version, signature] = versioned.split(',');
      if (version !== 'v1' || signature === undefined) continue;
      const given = Buffer.from(signature, 'utf8');
      if (given.length === expected.length && timingSafeEqual(given, expected)) return JSON.parse(payload);
    }
    throw new WebhookVerificationError('No matching signature found');
  }
}

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Throws WebhookSecretError, naming `source`, unless the value is `whsec_` + non-empty, padded standard base64
 * (what Svix issues). Stricter than svix's constructor, which also takes an empty or unpadded key.
 */
export function assertWebhookSecret(value: string, source = 'webhook secret'): void {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) {
    throw new WebhookSecretError(`${source} must start with ${WEBHOOK_SECRET_PREFIX}`);
  }
  const key = value.slice(WEBHOOK_SECRET_PREFIX.length);
  if (key.length === 0 || !BASE64.test(key)) {
    throw new WebhookSecretError(`${source} must be ${WEBHOOK_SECRET_PREFIX} followed by base64`);
  }
}

/** A Svix verifier for the secret; throws WebhookSecretError at start-up rather than 401-ing every webhook later. */
export function createWebhookVerifier(secret: string): WebhookVerifier {
  assertWebhookSecret(secret);
  return new SvixVerifier(Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64'));
}

const svixHeaderNames = ['svix-id', 'svix-timestamp', 'svix-signature'] as const;

// Short, stable reasons for logs and metrics; svix's own messages are mapped, never echoed blindly.
function signatureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  if (message === 'Missing required headers') return 'missing_headers';
  if (message === 'Message timestamp too old') return 'timestamp_too_old';
  if (message === 'Message timestamp too new') return 'timestamp_too_new';
  if (message === 'Invalid Signature Headers') return 'invalid_timestamp';
  return 'no_matching_signature';
}

type VerifyResult =
  | { ok: true; svixId: string; svixTimestamp: number; value: unknown }
  | { ok: false; rejection: WebhookRejection };

/**
 * Checks the signature over the exact received bytes, then parses them. svix's verify() parses the
 * JSON itself once the signature matches, so a SyntaxError from it means "signed, but not JSON".
 */
function verifyAndParse(verifier: WebhookVerifier, raw: Buffer, headers: IncomingHeaders): VerifyResult {
  const picked: Record<string, string> = {};
  for (const name of svixHeaderNames) {
    const value = headers[name];
    // A repeated header is ambiguous: refuse it rather than guess which copy was signed.
    if (typeof value !== 'string' || value === '') {
      return { ok: false, rejection: { code: GatewayErrorCode.InvalidSignature, reason: 'missing_headers' } };
    }
    picked[name] = value;
  }
  let value: unknown;
  try {
    value = verifier.verify(raw, picked);
  } catch (err) {
    if (err instanceof SyntaxError && !(err instanceof WebhookVerificationError)) {
      return {
        ok: false,
        rejection: { code: GatewayErrorCode.InvalidJson, reason: 'body is not valid JSON' },
      };
    }
    return {
      ok: false,
      rejection: { code: GatewayErrorCode.InvalidSignature, reason: signatureReason(err) },
    };
  }
  return {
    ok: true,
    svixId: picked['svix-id']!,
    svixTimestamp: Number.parseInt(picked['svix-timestamp']!, 10),
    value,
  };
}

// Compiled once at load by the process's one ajv instance (bus/codec.ts): strict, no coercion, no defaults,
// so what we validate is exactly what was signed. (fastify's built-in ajv coerces and strips.)
const validateEnvelope: ValidateFunction<AgentmailEnvelope> = validatorFor(agentmailSchemas.envelope);
const validateByEventType = new Map<string, ValidateFunction>(
  Object.entries(agentmailSchemas.byEventType).map(([eventType, schema]) => [
    eventType,
    validatorFor(schema),
  ]),
);

const receivedSet: ReadonlySet<string> = new Set(receivedEventTypes);

export function classifyEventType(eventType: string): WebhookKind {
  if (receivedSet.has(eventType)) return 'received';
  if (Object.hasOwn(otherEventDataKeys, eventType)) return 'other';
  return 'unknown';
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The first ajv error as {field, reason}; field is a JSON pointer from the payload root, never a value. */
function describeSchemaError(error: ErrorObject | undefined): { field: string; reason: string } {
  if (!error) return { field: '/', reason: 'invalid' };
  if (error.keyword === 'required') {
    const param = (error.params as { missingProperty?: unknown }).missingProperty;
    const missing = typeof param === 'string' ? param : '';
    return { field: `${error.instancePath}/${escapePointer(missing)}`, reason: 'is required' };
  }
  return { field: error.instancePath === '' ? '/' : error.instancePath, reason: error.message ?? 'invalid' };
}

type ValidateResult = ({ ok: true } & ValidEvent) | { ok: false; rejection: WebhookRejection };

/**
 * Validates a parsed payload: first the envelope every event shares, then the schema of its
 * event_type. An unknown event_type is a valid envelope (AgentMail adds types; reference §1.1).
 */
export function validateEvent(value: unknown): ValidateResult {
  if (!validateEnvelope(value)) {
    const { field, reason } = describeSchemaError(validateEnvelope.errors?.[0]);
    return { ok: false, rejection: { code: GatewayErrorCode.InvalidPayload, field, reason } };
  }
  const eventType = value.event_type;
  const kind = classifyEventType(eventType);
  if (kind === 'unknown') return { ok: true, kind, eventType, payload: value };
  const validate = validateByEventType.get(eventType)!;
  if (!validate(value)) {
    const { field, reason } = describeSchemaError(validate.errors?.[0]);
    return { ok: false, rejection: { code: GatewayErrorCode.InvalidPayload, field, reason, eventType } };
  }
  if (kind === 'received') {
    const wire = value as MessageReceivedEventWire;
    return {
      ok: true,
      kind,
      eventType: wire.event_type,
      payload: { ...wire, message: normaliseSender(wire.message) },
    };
  }
  const other = value as OtherEvent;
  return { ok: true, kind, eventType: other.event_type, payload: other };
}

/**
 * AgentMail sends `from` as a string; some docs show `from_` and an array (reference §1.3 item 1).
 * Downstream sees one key, `from`, holding one string (several senders are joined as in an RFC 5322 From).
 */
export function normaliseSender(message: AgentmailMessageWire): MessageReceivedEvent['message'] {
  const { from, from_, ...rest } = message;
  const sender = from ?? from_;
  const single = Array.isArray(sender) ? sender.join(', ') : (sender ?? '');
  return { ...rest, from: single };
}

/** The whole check for one request: signature, JSON, schema. Pure apart from svix reading the clock. */
export function processWebhook(
  verifier: WebhookVerifier,
  raw: Buffer,
  headers: IncomingHeaders,
  receivedAt: number,
): WebhookOutcome {
  const verified = verifyAndParse(verifier, raw, headers);
  if (!verified.ok) return verified;
  const result = validateEvent(verified.value);
  if (!result.ok) return result;
  const { ok, ...valid } = result;
  const base = {
    svixId: verified.svixId,
    svixTimestamp: verified.svixTimestamp,
    eventId: valid.payload.event_id,
    receivedAt,
  };
  return { ok, event: { ...base, ...valid } };
}
