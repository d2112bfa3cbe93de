// Compiled ajv validators for the reply schemas (draft, request, model answer); validation only, no reply logic.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import {
  modelAnswerSchema,
  replyDraftSchema,
  replyRequestSchema,
  type ModelAnswer,
  type ReplyDraft,
  type ReplyRequest,
} from '../../schemas/reply.ts';

// Our own instance until schemas/index.ts offers the shared one; strict, no coercion, no defaults.
const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false });

export const validateReplyDraft: ValidateFunction<ReplyDraft> = ajv.compile<ReplyDraft>(replyDraftSchema);
export const validateReplyRequest: ValidateFunction<ReplyRequest> =
  ajv.compile<ReplyRequest>(replyRequestSchema);
export const validateModelAnswer: ValidateFunction<ModelAnswer> = ajv.compile<ModelAnswer>(modelAnswerSchema);

/** One line describing why a value failed validation, for logs and fallback records. */
export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`).join('; ');
}
