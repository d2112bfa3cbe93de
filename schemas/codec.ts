// The one ajv instance and the JSON codec: every bus message is validated on publish and on receive; it never coerces or strips.
import { createError } from './errors.ts';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats ships CommonJS with a default export; under NodeNext its default is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// allowUnionTypes: AgentMail's optional fields are `["string", "null"]`.
const ajv = new Ajv({
  allErrors: false,
  strict: true,
  allowUnionTypes: true,
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: false,
});
addFormats(ajv);

/** Adds schemas that others refer to by `$ref: "<$id>"`; idempotent. */
export function registerSchemas(schemas: readonly { $id: string }[]): void {
  for (const s of schemas) if (!ajv.getSchema(s.$id)) ajv.addSchema(s);
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles a schema once per process (cached by the schema object). */
export function validatorFor<T>(schema: object): ValidateFunction<T> {
  let v = compiled.get(schema);
  if (!v) {
    // A schema already registered by $id (registerSchemas) is compiled once, under that id.
    const id = (schema as { $id?: unknown }).$id;
    v = (typeof id === 'string' ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v as ValidateFunction<T>;
}

export interface SchemaFailure {
  instancePath: string;
  schemaPath: string;
  reason: string;
}

function describe(errors: ErrorObject[] | null | undefined): SchemaFailure {
  const e = errors?.[0];
  if (!e) return { instancePath: '', schemaPath: '', reason: 'invalid' };
  const extra =
    e.keyword === 'additionalProperties'
      ? `: ${String((e.params as { additionalProperty?: string }).additionalProperty)}`
      : e.keyword === 'enum'
        ? `: ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}`
        : '';
  return {
    instancePath: e.instancePath || '/',
    schemaPath: e.schemaPath,
    reason: `${e.message ?? e.keyword}${extra}`,
  };
}

/** One line saying why a validator (from validatorFor) refused its last value: where, and the reason. */
export function describeErrors(validate: ValidateFunction): string {
  const f = describe(validate.errors);
  return `${f.instancePath} ${f.reason}`;
}

/** A message that fails its schema. On publish it is a bug in the sender; on receive it is bad input. */
export class InvalidMessageError extends createError('INVALID_MESSAGE', 'InvalidMessageError', {
  retryable: false,
}) {
  constructor(
    readonly contract: string,
    readonly failure: SchemaFailure,
  ) {
    super(`${contract}: ${failure.instancePath} ${failure.reason} (schema ${failure.schemaPath})`);
  }
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; failure: SchemaFailure };

export function check<T>(schema: object, value: unknown): Decoded<T> {
  const v = validatorFor<T>(schema);
  return v(value) ? { ok: true, value } : { ok: false, failure: describe(v.errors) };
}

export function decode<T>(schema: object, data: Uint8Array | string): Decoded<T> {
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  } catch (e) {
    return {
      ok: false,
      failure: { instancePath: '', schemaPath: '', reason: `not JSON: ${(e as Error).message}` },
    };
  }
  return check<T>(schema, value);
}

export function encode(name: string, schema: object, value: unknown): string {
  const r = check(schema, value);
  if (!r.ok) throw new InvalidMessageError(name, r.failure);
  return JSON.stringify(value);
}
