// The labelled evaluation sets and businesses (eval/): their JSON Schemas, and loading them from disk; no scoring.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import { loadKnowledgeBase, type KnowledgeBase } from '../../actors/answering/drafting/knowledge-base.ts';
import { describeErrors, validatorFor } from '../../schemas/codec.ts';
import { KINDS, MACHINE_KINDS, NEEDS_PERSON_REASONS, SUPPORTED_LANGUAGES } from './core/score.ts';

export const EVAL_ROOT = join(import.meta.dirname, '..', '..', 'eval');
export const SET_NAMES = ['tune', 'heldout', 'heldout-b', 'old'] as const;
export type SetName = (typeof SET_NAMES)[number];

export const labelledEmailSchema = {
  $id: 'cs.eval.labelled-email',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'business', 'from', 'subject', 'text', 'labels'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9-]+$' },
    business: { type: 'string', minLength: 1 },
    from: { type: 'string', minLength: 1 },
    subject: { type: 'string' },
    text: { type: 'string' },
    html: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    labels: {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'language'],
      properties: {
        kind: { enum: KINDS },
        specialization: { type: 'string', minLength: 1 },
        language: { enum: SUPPORTED_LANGUAGES },
        needs_person_reason: { enum: NEEDS_PERSON_REASONS },
        machine_kind: { enum: MACHINE_KINDS },
        expected_topic: { type: 'string', minLength: 1 },
      },
    },
  },
} as const;
export type LabelledEmail = FromSchema<typeof labelledEmailSchema>;

export const businessSchema = {
  $id: 'cs.eval.business',
  type: 'object',
  additionalProperties: false,
  required: [
    'name',
    'industry',
    'company_name',
    'signature',
    'support_addresses',
    'languages',
    'refund_limit',
  ],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9-]+$' },
    industry: { type: 'string' },
    company_name: { type: 'string', minLength: 1 },
    signature: { type: 'string', minLength: 1 },
    support_addresses: { type: 'array', minItems: 1, items: { type: 'string', minLength: 3 } },
    languages: { type: 'array', items: { enum: SUPPORTED_LANGUAGES } },
    refund_limit: { type: 'number', minimum: 0 },
    currency: { type: 'string' },
    handled_by_a_person: { type: 'array', items: { type: 'string' } },
    specializations: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
  },
} as const;
export type BusinessConfig = FromSchema<typeof businessSchema>;

export const validateLabelledEmail = validatorFor<LabelledEmail>(labelledEmailSchema);
export const validateBusiness = validatorFor<BusinessConfig>(businessSchema);

export interface Business {
  readonly config: BusinessConfig;
  readonly kb: KnowledgeBase;
  /** Knowledge-base document ids (`<lang>/<file>` for the language folders), for checking `expected_topic`. */
  readonly docIds: readonly string[];
}

/** The old fixture set (test/fixtures/emails/labelled.json) is answered from the default knowledge base. */
export const OLD_BUSINESS: BusinessConfig = {
  name: 'acme',
  industry: 'cloud software (the default knowledge base)',
  company_name: 'Acme Cloud',
  signature: 'The Acme Cloud team',
  support_addresses: ['support@acme-shop.com'],
  languages: ['en'],
  refund_limit: 100,
};

/** The knowledge base as the agent loads it (language folders as `<lang>/`, docId `de/preise`). */
export async function loadKnowledgeBaseTree(
  folder: string,
): Promise<{ kb: KnowledgeBase; docIds: string[] }> {
  const kb = await loadKnowledgeBase(folder);
  return { kb, docIds: [...new Set(kb.passages.map((p) => p.docId))] };
}

function parsed<T>(validate: ReturnType<typeof validatorFor<T>>, value: unknown, where: string): T {
  if (!validate(value)) throw new Error(`${where}: ${describeErrors(validate)}`);
  return value;
}

export async function loadBusinesses(root = EVAL_ROOT): Promise<Map<string, Business>> {
  const dir = join(root, 'businesses');
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const out = new Map<string, Business>();
  for (const name of names.sort()) {
    const file = join(dir, name, 'business.json');
    const config = parsed(validateBusiness, JSON.parse(await readFile(file, 'utf8')), file);
    if (config.name !== name) throw new Error(`${file}: name "${config.name}" is not its folder's name`);
    out.set(name, { config, ...(await loadKnowledgeBaseTree(join(dir, name, 'kb'))) });
  }
  const old = await loadKnowledgeBaseTree(join(root, '..', 'knowledge-base'));
  out.set(OLD_BUSINESS.name, { config: OLD_BUSINESS, ...old });
  return out;
}

/** Parses a JSON Lines set; every line must match the schema (the error names the line). */
export function parseSet(text: string, where: string): LabelledEmail[] {
  return text
    .split('\n')
    .map((line, i) => [line, i + 1] as const)
    .filter(([line]) => line.trim() !== '')
    .map(([line, n]) => parsed(validateLabelledEmail, JSON.parse(line), `${where}:${n}`));
}

interface OldFixture {
  id: string;
  email: { from: string; subject?: string; text?: string; html?: string; extracted_text?: string };
  expected: { specialization: string; needsHuman: boolean; language: string };
}

/** The old set in the new shape, as far as it carries labels: kind is needs_person or answerable. */
export function fromOldFixtures(fixtures: readonly OldFixture[]): LabelledEmail[] {
  return fixtures.map((f) =>
    parsed(
      validateLabelledEmail,
      {
        id: f.id,
        business: OLD_BUSINESS.name,
        from: f.email.from,
        subject: f.email.subject ?? '',
        text: f.email.text ?? f.email.extracted_text ?? '',
        ...(f.email.html !== undefined ? { html: f.email.html } : {}),
        labels: {
          kind: f.expected.needsHuman ? 'needs_person' : 'answerable',
          specialization: f.expected.specialization,
          language: f.expected.language,
        },
      },
      `labelled.json ${f.id}`,
    ),
  );
}

export async function loadSet(name: SetName, root = EVAL_ROOT): Promise<LabelledEmail[]> {
  if (name === 'old') {
    const file = join(root, '..', 'test', 'fixtures', 'emails', 'labelled.json');
    return fromOldFixtures(JSON.parse(await readFile(file, 'utf8')) as OldFixture[]);
  }
  const file = join(root, 'sets', `${name}.jsonl`);
  return parseSet(await readFile(file, 'utf8'), file);
}
