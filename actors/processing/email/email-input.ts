// The minimal inbound-email shape the understanding core reads, and safe accessors; no parsing policy, no I/O.
// Structurally compatible with AgentMail's `message.received` message (reference/agentmail.md §1.2):
// `from` is documented as a string but docs also show `from_` and arrays, so both are accepted.

export interface EmailInput {
  from?: string | readonly string[] | null;
  from_?: string | readonly string[] | null;
  to?: string | readonly string[] | null;
  subject?: string | null;
  text?: string | null;
  html?: string | null;
  extracted_text?: string | null;
  headers?: Readonly<Record<string, string>> | null;
  labels?: readonly string[] | null;
  inbox_id?: string | null;
  message_id?: string | null;
  thread_id?: string | null;
}

// Bodies above this are truncated before any regex runs: keeps every function linear and bounded
// even on hostile input (AgentMail caps payloads at 1 MB anyway).
export const MAX_BODY_CHARS = 200_000;

export function asString(value: unknown): string {
  if (typeof value !== 'string') return '';
  return value.length > MAX_BODY_CHARS ? value.slice(0, MAX_BODY_CHARS) : value;
}

export function asStringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

// Header names are case-insensitive (RFC 5322 §1.2.2); AgentMail passes them as the sender wrote them.
export function getHeader(email: EmailInput, name: string): string | undefined {
  const headers: unknown = email.headers;
  if (headers === null || typeof headers !== 'object') return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === wanted && typeof value === 'string') return value;
  }
  return undefined;
}

export function rawFrom(email: EmailInput): string {
  const first = asStringList(email.from)[0] ?? asStringList(email.from_)[0];
  return first ?? '';
}
