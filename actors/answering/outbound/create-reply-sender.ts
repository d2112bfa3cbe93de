// Chooses the ReplySender from configuration: AgentMail when an API key is set, else the dry-run outbox.
import { AgentMailSender } from './agentmail-sender.ts';
import type { OutboundLogger } from './agentmail-sender.ts';
import { DryRunOutbox } from './dry-run-outbox.ts';
import type { ReplySender } from './reply-sender.ts';
import type { RetryPolicy } from './retry.ts';

export interface ReplySenderConfig {
  /** AGENTMAIL_API_KEY; absent or empty means dry-run. */
  apiKey?: string | undefined;
  /** AGENTMAIL_BASE_URL (origin only). */
  baseUrl?: string | undefined;
  /** Where the dry-run outbox writes its files. */
  outboxDir: string;
  attemptTimeoutMs?: number | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  logger?: OutboundLogger | undefined;
}

export function createReplySender(cfg: ReplySenderConfig): ReplySender {
  if (cfg.apiKey === undefined || cfg.apiKey === '') {
    cfg.logger?.warn('AGENTMAIL_API_KEY is not set: replies go to the dry-run outbox, nothing is emailed', {
      outboxDir: cfg.outboxDir,
    });
    return new DryRunOutbox({ dir: cfg.outboxDir });
  }
  return new AgentMailSender({
    apiKey: cfg.apiKey,
    baseUrl: cfg.baseUrl,
    attemptTimeoutMs: cfg.attemptTimeoutMs,
    retry: cfg.retry,
    logger: cfg.logger,
  });
}
