// The one error convention: createError(code, name, { retryable }) makes a small Error class with a stable code;
// a family whose code varies per instance (a send failure, a log failure) declares its codes with
// declareErrorCodes. Every code is registered once at load, so two modules can never claim one code.

/** What every error of ours carries: a stable code (for logs, metrics, the wire) and whether a retry may help. */
export interface CodedError extends Error {
  readonly code: string;
  readonly retryable: boolean;
}

export type CodedErrorClass = new (message: string, options?: { cause?: unknown }) => CodedError;

const catalogue = new Map<string, string>();

/** Every code declared so far with its class name (the catalogue tests and docs read). */
export function errorCatalogue(): ReadonlyMap<string, string> {
  return catalogue;
}

/**
 * An Error class with `name`, `code`, `retryable` and a chained `cause` (in the spirit of fastify's createError).
 * Extend the returned class to add fields. A code declared twice is a programming error and throws at load.
 */
export function createError<const C extends string>(code: C, name: string, opts: { retryable: boolean }) {
  declareErrorCodes(name, [code]);
  return class extends Error implements CodedError {
    override readonly name: string = name;
    readonly code: C = code;
    readonly retryable: boolean = opts.retryable;
    constructor(message: string, options?: { cause?: unknown }) {
      super(message, options);
    }
  };
}

/**
 * Registers the codes of an error family whose classes carry `code` and `retryable` per instance (they implement
 * CodedError themselves); throws at load when another class already owns one of them.
 */
export function declareErrorCodes(name: string, codes: Iterable<string>): void {
  const all = [...codes];
  for (const code of all) {
    const owner = catalogue.get(code);
    if (owner !== undefined && owner !== name)
      throw new Error(`error code ${code} is declared by ${owner} and ${name}`);
  }
  for (const code of all) catalogue.set(code, name);
}
