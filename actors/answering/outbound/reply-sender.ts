// The outbound contract every sender implements (AgentMail API or dry-run outbox); types only, no behaviour.

export interface OutboundReply {
  /** The inbox's email address (AgentMail's inbox_id). */
  inboxId: string;
  /** RFC 5322 Message-ID of the received message, with angle brackets, e.g. `<abc@mail.example.com>`. */
  messageId: string;
  /** AgentMail thread id of the conversation (for the result and the outbox; the API threads by messageId). */
  threadId: string;
  text: string;
  html?: string | undefined;
  /** Labels put on the sent reply. */
  labels?: string[] | undefined;
  /** Explicit recipients; AgentMail otherwise prefers the original Reply-To over From. */
  to?: string[] | undefined;
  /**
   * Derived by the caller from the received message (see `deriveIdempotencyKey`), identical on every
   * attempt and every redelivery: AgentMail then sends at most one email for it (idempotency.mdx).
   * 1–256 chars of `A-Z a-z 0-9 - . _ ~`.
   */
  idempotencyKey: string;
}

export interface SendResult {
  /** Message-ID of the reply that was sent (or recorded, in dry-run). */
  messageId: string;
  threadId: string;
  /** HTTP attempts made by this call (1 when the first succeeded; 1 for dry-run). */
  attempts: number;
  dryRun: boolean;
}

/** Label changes on the received message and/or its thread (owner, specialization, escalated...). */
export interface LabelRequest {
  inboxId: string;
  /** When set, the message's labels are updated. */
  messageId?: string | undefined;
  /** When set, the thread's labels are updated. */
  threadId?: string | undefined;
  add?: string[] | undefined;
  remove?: string[] | undefined;
}

export interface LabelResult {
  /** Labels of the message after the update, when a message was updated. */
  messageLabels?: string[] | undefined;
  /** Labels of the thread after the update, when a thread was updated. */
  threadLabels?: string[] | undefined;
  attempts: number;
  dryRun: boolean;
}

export interface ReplySender {
  /** Sends one reply threaded to `req.messageId`. Throws a `SendError` (see errors.ts) on failure. */
  sendReply(req: OutboundReply, signal?: AbortSignal): Promise<SendResult>;
  /** Adds/removes labels. Label updates are set operations, so retrying them is harmless. */
  label(req: LabelRequest, signal?: AbortSignal): Promise<LabelResult>;
}
