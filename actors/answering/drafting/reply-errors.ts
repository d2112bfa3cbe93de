// The error catalogue for writing replies: small Error subclasses with a stable code; no logic.
import { createError, declareErrorCodes, type CodedError } from '../../../schemas/errors.ts';

export const ReplyErrorCode = {
  kbEmpty: 'KB_EMPTY',
  kbUnreadable: 'KB_UNREADABLE',
  requestInvalid: 'REPLY_REQUEST_INVALID',
  aborted: 'REPLY_ABORTED',
  modelOutputMalformed: 'MODEL_OUTPUT_MALFORMED',
  draftInvalid: 'REPLY_DRAFT_INVALID',
} as const;
export type ReplyErrorCode = (typeof ReplyErrorCode)[keyof typeof ReplyErrorCode];

declareErrorCodes('KnowledgeBaseError', [ReplyErrorCode.kbEmpty, ReplyErrorCode.kbUnreadable]);

/** The knowledge base is missing, unreadable or empty: the responder cannot start until an operator fixes it. */
export class KnowledgeBaseError extends Error implements CodedError {
  override readonly name = 'KnowledgeBaseError';
  readonly retryable = false;
  constructor(
    readonly code: typeof ReplyErrorCode.kbEmpty | typeof ReplyErrorCode.kbUnreadable,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The request does not match cs.reply.request; not retryable, the same request fails the same way. */
export class ReplyRequestError extends createError(ReplyErrorCode.requestInvalid, 'ReplyRequestError', {
  retryable: false,
}) {}

/** The caller's AbortSignal fired: no draft was produced, the caller may retry later. */
export class ReplyAbortedError extends createError(ReplyErrorCode.aborted, 'ReplyAbortedError', {
  retryable: true,
}) {}

/** The model answered, but not with the JSON object the prompt asks for; the responder falls back to builtin. */
export class ModelOutputError extends createError(ReplyErrorCode.modelOutputMalformed, 'ModelOutputError', {
  retryable: false,
}) {}

/** A draft failed its own schema: a broken invariant in this module, never the customer's fault. */
export class ReplyDraftError extends createError(ReplyErrorCode.draftInvalid, 'ReplyDraftError', {
  retryable: false,
}) {}
