// Compiled ajv validators for the reply schemas (draft, request, model answer); validation only, no reply logic.
import type { ValidateFunction } from 'ajv';
import { validatorFor } from '../../../schemas/codec.ts';
import {
  modelAnswerSchema,
  replyDraftSchema,
  replyRequestSchema,
  type ModelAnswer,
  type ReplyDraft,
  type ReplyRequest,
} from '../../../schemas/reply.ts';

// The process's one ajv instance (bus/codec.ts): strict, no coercion, no defaults.
export const validateReplyDraft: ValidateFunction<ReplyDraft> = validatorFor<ReplyDraft>(replyDraftSchema);
export const validateReplyRequest: ValidateFunction<ReplyRequest> =
  validatorFor<ReplyRequest>(replyRequestSchema);
export const validateModelAnswer: ValidateFunction<ModelAnswer> =
  validatorFor<ModelAnswer>(modelAnswerSchema);
