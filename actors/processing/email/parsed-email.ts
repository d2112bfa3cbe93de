// One received email parsed once, where it enters processing: text extracted, sender parsed, headers indexed; pure.
// The filters, the classifiers and the work item read this value; nothing downstream re-reads the raw payload.
import { asString, asStringList, type EmailInput } from './email-input.ts';
import { extractText, parseSender, type Sender } from './extract-text.ts';

export interface ParsedEmail {
  readonly inboxId: string;
  readonly threadId: string;
  readonly messageId: string;
  /** The subject as written (bounded like every body), '' when absent. */
  readonly subject: string;
  /** The new words: AgentMail's extracted text, else text, else html, without quoted history or signature. */
  readonly text: string;
  /** The From value as written (the first, if a list came). */
  readonly from: string;
  readonly sender: Sender;
  /** String header values by lower-cased name (RFC 5322 §1.2.2: names are case-insensitive); the first wins. */
  readonly headers: ReadonlyMap<string, string>;
}

export function parseEmail(input: EmailInput): ParsedEmail {
  const from = asStringList(input.from)[0] ?? '';
  const headers = new Map<string, string>();
  const raw: unknown = input.headers;
  if (raw !== null && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      const name = key.toLowerCase();
      if (typeof value === 'string' && !headers.has(name)) headers.set(name, value);
    }
  }
  return {
    inboxId: asString(input.inbox_id),
    threadId: asString(input.thread_id),
    messageId: asString(input.message_id),
    subject: asString(input.subject),
    text: extractText(input),
    from,
    sender: parseSender(from),
    headers,
  };
}

export function getHeader(email: ParsedEmail, name: string): string | undefined {
  return email.headers.get(name.toLowerCase());
}
