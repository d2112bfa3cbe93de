// The Responder agents call: picks the model responder when configured, else the built-in one, and always applies the guardrails; no NATS, no sending.
import type { ReplyDraft, ReplyRequest } from '../../../schemas/reply.ts';
import {
  builtinReply,
  DEFAULT_BUILTIN_OPTIONS,
  greetingName,
  type BuiltinOptions,
} from './builtin-responder.ts';
import {
  detectInjection,
  enforceGrounding,
  filterDraft,
  type DraftContext,
  type OutputPolicy,
} from './guardrails.ts';
import type { KnowledgeBase } from './knowledge-base.ts';
import { createModelResponder, type ChatClient, type ModelConfig } from './model-responder.ts';
import { renderRules } from './prompts.ts';
import { ReplyAbortedError, ReplyDraftError, ReplyRequestError } from './reply-errors.ts';
import { describeErrors } from '../../../schemas/codec.ts';
import { validateReplyDraft, validateReplyRequest } from './reply-validators.ts';

export interface Responder {
  /** Which responder writes first drafts (a model draft may still fall back to builtin; see draft.responder). */
  readonly kind: 'model' | 'builtin';
  /**
   * Writes the draft for one email. Never throws for model trouble (falls back to builtin); throws
   * ReplyRequestError for an invalid request and ReplyAbortedError when the signal fires.
   */
  reply(request: ReplyRequest, options?: { signal?: AbortSignal }): Promise<ReplyDraft>;
}

export interface ResponderConfig {
  readonly kb: KnowledgeBase;
  readonly model?: ModelConfig | undefined;
  /** Literal values of configured secrets (AgentMail key, webhook secret...); the model API key is added. */
  readonly secrets: readonly string[];
  /** Company addresses a reply may cite besides those the knowledge base publishes. */
  readonly allowedAddresses?: readonly string[];
  readonly builtin?: Partial<BuiltinOptions>;
  /** A ready chat client (tests, other runtimes); default: the openai SDK with the model config. */
  readonly client?: ChatClient;
}

export function createResponder(config: ResponderConfig): Responder {
  const options: BuiltinOptions = { ...DEFAULT_BUILTIN_OPTIONS, ...config.builtin };
  const model = config.model
    ? createModelResponder(config.model, {
        kb: config.kb,
        builtin: options,
        ...(config.client ? { client: config.client } : {}),
      })
    : undefined;
  const secrets = [...config.secrets, ...(config.model ? [config.model.apiKey] : [])].filter(
    (s) => s.length > 0,
  );
  const allowedAddresses = [...config.kb.addresses, ...(config.allowedAddresses ?? [])];

  return {
    kind: model ? 'model' : 'builtin',
    async reply(request, callOptions = {}) {
      if (!validateReplyRequest(request)) {
        throw new ReplyRequestError(`invalid reply request: ${describeErrors(validateReplyRequest)}`);
      }
      if (callOptions.signal?.aborted)
        throw new ReplyAbortedError('reply aborted', { cause: callOptions.signal.reason });
      const injectionSignals = detectInjection(
        [request.email.senderName ?? '', request.email.subject, request.email.text].join('\n'),
      );
      const drafted = model
        ? await model.reply(request, callOptions)
        : builtinReply(config.kb, request, options);

      const context: DraftContext = {
        customerName: greetingName(request.email.senderName),
        signing: options.signing,
      };
      const policy: OutputPolicy = {
        secrets,
        // Rules are checked for both responders: a builtin draft quoting them would be a leak too.
        systemPrompt: model ? model.rulesFor(request) : renderRules(options.signing, request.email.language),
        ...(request.email.senderAddress !== undefined
          ? { customerAddress: request.email.senderAddress }
          : {}),
        allowedAddresses,
      };
      // Grounding first (it may swap in the holding reply), then the filter sees exactly what would be sent.
      let draft = filterDraft(enforceGrounding(drafted, context), policy, context);
      if (injectionSignals.length > 0) draft = { ...draft, injectionSignals };
      if (!validateReplyDraft(draft)) {
        throw new ReplyDraftError(`draft breaks its schema: ${describeErrors(validateReplyDraft)}`);
      }
      return draft;
    },
  };
}
