// The loose inbound-email shape the understanding core accepts, and safe accessors; no parsing policy, no I/O.
// Structurally compatible with AgentMail's `message.received` message (reference/agentmail.md §1.2) after the
// gateway normalised its sender to `from` (gateway/webhook.ts handles `from_`, nothing here does).

export interface EmailInput {
  from?: string | readonly string[] | null;
  subject?: string | null;
  text?: string | null;
  html?: string | null;
  extracted_text?: string | null;
  headers?: Readonly<Record<string, unknown>> | null;
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
