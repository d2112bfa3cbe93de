// JSON Schemas for what the email-understanding core produces (classification, answerability); no logic, no I/O.
import type { FromSchema } from 'json-schema-to-ts';

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

// Stable reason codes: escalation rules and dashboards key on them, so never rename one.
export const HUMAN_REASONS = [
  'human_requested',
  'legal_threat',
  'cancellation',
  'refund_over_limit',
  'negative_tone',
  'model_flagged',
  'chargeback',
  'partnership',
  'outage',
] as const;

export const NOT_ANSWERABLE_REASONS = [
  'auto_reply',
  'bulk_or_list',
  'bounce',
  'no_reply_sender',
  'mail_loop',
  'rate_limited',
  'calendar',
  'read_receipt',
  'ticket_ack',
  'newsletter',
  'notification',
] as const;

export const classificationSchema = {
  $id: 'cs.email.classification',
  type: 'object',
  additionalProperties: false,
  required: [
    'specialization',
    'topic',
    'priority',
    'language',
    'needsHuman',
    'humanReasons',
    'confidence',
    'method',
  ],
  properties: {
    specialization: { type: 'string', minLength: 1, maxLength: 64 },
    topic: { type: 'string', minLength: 1, maxLength: 64 },
    priority: { type: 'string', enum: PRIORITIES },
    // ISO 639-1: two lowercase letters.
    language: { type: 'string', pattern: '^[a-z]{2}$' },
    needsHuman: { type: 'boolean' },
    humanReasons: { type: 'array', maxItems: 16, items: { type: 'string', enum: HUMAN_REASONS } },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    method: { type: 'string', enum: ['keywords', 'model'] },
  },
} as const;

export type Classification = FromSchema<typeof classificationSchema>;
export type Priority = (typeof PRIORITIES)[number];
export type HumanReason = (typeof HUMAN_REASONS)[number];
export type NotAnswerableReason = (typeof NOT_ANSWERABLE_REASONS)[number];

// What a model must return: the classification without `method` (we set that), with free-text reasons
// folded into 'model_flagged' by the parser.
export const modelClassificationSchema = {
  $id: 'cs.email.model-classification',
  type: 'object',
  additionalProperties: false,
  required: ['specialization', 'topic', 'priority', 'language', 'needsHuman', 'confidence'],
  properties: {
    specialization: { type: 'string', minLength: 1, maxLength: 64 },
    topic: { type: 'string', minLength: 1, maxLength: 64 },
    priority: { type: 'string', enum: PRIORITIES },
    language: { type: 'string', pattern: '^[a-z]{2}$' },
    needsHuman: { type: 'boolean' },
    humanReasons: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 200 } },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

export type ModelClassification = FromSchema<typeof modelClassificationSchema>;

export const answerabilitySchema = {
  $id: 'cs.email.answerability',
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['answer'],
      properties: { answer: { const: true } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['answer', 'reason', 'detail'],
      properties: {
        answer: { const: false },
        reason: { type: 'string', enum: NOT_ANSWERABLE_REASONS },
        detail: { type: 'string', maxLength: 500 },
      },
    },
  ],
} as const;

export type Answerability = FromSchema<typeof answerabilitySchema>;
