// JSON Schemas for writing a reply: the responder's request, its draft (also the audit record) and the model's raw answer; schemas only, no logic.
import type { FromSchema } from 'json-schema-to-ts';

/** One retrieved knowledge-base passage, as cited by a draft (no $id: it is embedded in the draft schema). */
export const replyPassageSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['docId', 'title', 'score', 'excerpt'],
  properties: {
    docId: { type: 'string', minLength: 1 },
    title: { type: 'string' },
    score: { type: 'number', minimum: 0 },
    excerpt: { type: 'string' },
  },
} as const;

/** The customer email the agent asks us to answer; the text is new text only, quotes already stripped. */
export const replyRequestSchema = {
  $id: 'cs.reply.request',
  type: 'object',
  additionalProperties: false,
  required: ['email', 'history', 'classification'],
  properties: {
    email: {
      type: 'object',
      additionalProperties: false,
      required: ['subject', 'text', 'language'],
      properties: {
        subject: { type: 'string' },
        text: { type: 'string' },
        senderName: { type: 'string' },
        // The only email address a draft may mention besides the company's own (guardrails).
        senderAddress: { type: 'string' },
        language: { type: 'string', minLength: 2 },
      },
    },
    history: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'text', 'at'],
        properties: {
          from: { type: 'string' },
          text: { type: 'string' },
          at: { type: 'string' },
        },
      },
    },
    classification: {
      type: 'object',
      additionalProperties: false,
      required: ['specialization', 'topic', 'priority', 'language', 'needsHuman'],
      properties: {
        specialization: { type: 'string' },
        topic: { type: 'string' },
        priority: { type: 'string' },
        language: { type: 'string' },
        needsHuman: { type: 'boolean' },
      },
    },
  },
} as const;

/** Why a model draft was replaced by the built-in responder. */
export const fallbackReasons = ['timeout', 'http-error', 'connection', 'malformed-output', 'error'] as const;

/** The draft reply: plain JSON, so the agent can store it as the audit record of what was (or was not) sent. */
export const replyDraftSchema = {
  $id: 'cs.reply.draft',
  type: 'object',
  additionalProperties: false,
  required: ['text', 'language', 'grounded', 'escalate', 'passages', 'responder'],
  properties: {
    text: { type: 'string' },
    html: { type: 'string' },
    language: { type: 'string', minLength: 2 },
    grounded: { type: 'boolean' },
    escalate: { type: 'boolean' },
    escalateReason: { type: 'string' },
    passages: { type: 'array', items: replyPassageSchema },
    responder: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'model', 'promptVersion'],
          properties: {
            kind: { const: 'model' },
            model: { type: 'string' },
            promptVersion: { type: 'string' },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'version'],
          properties: {
            kind: { const: 'builtin' },
            version: { type: 'string' },
            // Present when a configured model failed and the built-in responder wrote the draft instead.
            fallback: {
              type: 'object',
              additionalProperties: false,
              required: ['model', 'promptVersion', 'reason', 'detail'],
              properties: {
                model: { type: 'string' },
                promptVersion: { type: 'string' },
                reason: { enum: fallbackReasons },
                detail: { type: 'string' },
              },
            },
          },
        },
      ],
    },
    // Output-filter findings (kinds only, never the matched text) when a draft was refused.
    refusals: { type: 'array', items: { type: 'string' } },
    // Prompt-injection signals found in the untrusted email; recorded, never obeyed.
    injectionSignals: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** What the model must answer (response_format json_object); anything else is malformed output. */
export const modelAnswerSchema = {
  $id: 'cs.reply.model-answer',
  type: 'object',
  additionalProperties: false,
  required: ['reply', 'grounded', 'escalate'],
  properties: {
    reply: { type: 'string', minLength: 1, maxLength: 20000 },
    grounded: { type: 'boolean' },
    escalate: { type: 'boolean' },
    reason: { type: ['string', 'null'] },
  },
} as const;

export type ReplyPassage = FromSchema<typeof replyPassageSchema>;
export type ReplyRequest = FromSchema<typeof replyRequestSchema>;
export type ReplyDraft = FromSchema<typeof replyDraftSchema>;
export type ModelAnswer = FromSchema<typeof modelAnswerSchema>;
export type FallbackReason = (typeof fallbackReasons)[number];
export type ResponderInfo = ReplyDraft['responder'];
