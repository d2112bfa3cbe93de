// The model responder: one chat completion through the openai package against any OpenAI-compatible server; falls back to the built-in responder on any failure.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { FallbackReason, ModelAnswer, ReplyDraft, ReplyRequest } from '../../../schemas/reply.ts';
import {
  builtinReply,
  DEFAULT_BUILTIN_OPTIONS,
  EscalationReason,
  planReply,
  toPassages,
  type BuiltinOptions,
} from './builtin-responder.ts';
import type { KnowledgeBase } from './knowledge-base.ts';
import { buildPrompt, PROMPT_VERSION } from './prompts.ts';
import { ModelOutputError, ReplyAbortedError } from './reply-errors.ts';
import { templateLanguage, toHtml } from './reply-templates.ts';
import { describeErrors } from '../../../schemas/codec.ts';
import { validateModelAnswer } from './reply-validators.ts';

export interface ModelConfig {
  readonly apiKey: string;
  /** Any OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1; the SDK's default when absent. */
  readonly baseURL?: string;
  readonly model: string;
  /** Deadline for the whole call, retries included. */
  readonly timeoutMs: number;
  /** SDK retries on 408/409/429/5xx and connection errors; 1 unless set. */
  readonly maxRetries?: number;
}

/** The narrow slice of the SDK we use, so tests and other runtimes can pass their own client. */
export interface ChatClient {
  chat: { completions: { create: OpenAI['chat']['completions']['create'] } };
}

export interface ModelResponderDeps {
  readonly kb: KnowledgeBase;
  readonly builtin?: BuiltinOptions;
  readonly client?: ChatClient;
}

export interface ModelResponder {
  reply(request: ReplyRequest, options?: { signal?: AbortSignal }): Promise<ReplyDraft>;
  /** The rules text sent for this request, for the output filter. */
  rulesFor(request: ReplyRequest): string;
}

/** Parses and validates the model's message content: one JSON object, optionally inside a ``` fence. */
export function parseModelAnswer(content: string | null | undefined): ModelAnswer {
  if (!content) throw new ModelOutputError('the model returned no content');
  const unfenced = content
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  let value: unknown;
  try {
    value = JSON.parse(unfenced);
  } catch (cause) {
    throw new ModelOutputError('the model did not return JSON', { cause });
  }
  if (!validateModelAnswer(value)) {
    throw new ModelOutputError(
      `the model's JSON does not match the answer schema: ${describeErrors(validateModelAnswer)}`,
    );
  }
  return value;
}

/** Maps a failed call to the reason recorded on the fallback draft. */
export function fallbackReasonOf(
  error: unknown,
  deadlineHit: boolean,
): { reason: FallbackReason; detail: string } {
  const message = error instanceof Error ? error.message.slice(0, 200) : String(error);
  if (error instanceof APIConnectionTimeoutError || (deadlineHit && error instanceof APIUserAbortError)) {
    return { reason: 'timeout', detail: 'the model did not answer before the deadline' };
  }
  // A SyntaxError comes from the SDK parsing a 200 response body that is not JSON at all.
  if (error instanceof ModelOutputError || error instanceof SyntaxError)
    return { reason: 'malformed-output', detail: message };
  if (error instanceof APIConnectionError) return { reason: 'connection', detail: message };
  if (error instanceof APIError)
    return { reason: 'http-error', detail: `HTTP ${String(error.status)}: ${message}` };
  return { reason: 'error', detail: message };
}

export function createModelResponder(config: ModelConfig, deps: ModelResponderDeps): ModelResponder {
  const options = deps.builtin ?? DEFAULT_BUILTIN_OPTIONS;
  const client: ChatClient =
    deps.client ??
    new OpenAI({
      apiKey: config.apiKey,
      ...(config.baseURL !== undefined ? { baseURL: config.baseURL } : {}),
      timeout: config.timeoutMs,
      maxRetries: config.maxRetries ?? 1,
    });

  const ask = async (request: ReplyRequest, signal: AbortSignal): Promise<ReplyDraft> => {
    const plan = planReply(deps.kb, request, options);
    // The knowledge base's own rule that a person handles this topic is obeyed without asking the model.
    if (plan.kind === 'escalate' && plan.reason === EscalationReason.kbPolicy)
      return builtinReply(deps.kb, request, options);
    const hits = plan.hits.slice(0, options.maxPassages + 1);
    const prompt = buildPrompt(request, hits, options.signing);
    const completion = await client.chat.completions.create(
      {
        model: config.model,
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
      },
      { signal, timeout: config.timeoutMs },
    );
    const choice = completion.choices[0];
    if (choice?.finish_reason === 'length') throw new ModelOutputError('the model ran out of tokens');
    const answer = parseModelAnswer(choice?.message.content);
    const needsHuman = request.classification.needsHuman;
    const escalate = answer.escalate || needsHuman;
    const reason = answer.reason ?? (needsHuman ? 'classified-needs-human' : 'model-escalated');
    return {
      text: answer.reply,
      html: toHtml(answer.reply),
      language: templateLanguage(request.email.language),
      // No passage, no grounding: whatever the model claims, it had nothing to ground on.
      grounded: answer.grounded && hits.length > 0,
      escalate,
      ...(escalate ? { escalateReason: reason } : {}),
      passages: toPassages(hits),
      responder: { kind: 'model', model: config.model, promptVersion: PROMPT_VERSION },
    };
  };

  return {
    rulesFor: (request) => buildPrompt(request, [], options.signing).rules,
    async reply(request, callOptions = {}) {
      const external = callOptions.signal;
      if (external?.aborted)
        throw new ReplyAbortedError('reply aborted before the model call', { cause: external.reason });
      // One deadline for the whole call, retries included; the SDK's own timeout only bounds one attempt,
      // so a retry happens only while time is left.
      const deadline = AbortSignal.timeout(config.timeoutMs);
      const signal = external ? AbortSignal.any([external, deadline]) : deadline;
      try {
        return await ask(request, signal);
      } catch (error) {
        if (external?.aborted)
          throw new ReplyAbortedError('reply aborted during the model call', { cause: error });
        const { reason, detail } = fallbackReasonOf(error, deadline.aborted);
        const draft = builtinReply(deps.kb, request, options);
        return {
          ...draft,
          responder: {
            kind: 'builtin',
            version: draft.responder.kind === 'builtin' ? draft.responder.version : 'unknown',
            fallback: { model: config.model, promptVersion: PROMPT_VERSION, reason, detail },
          },
        };
      }
    },
  };
}
