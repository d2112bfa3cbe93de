// Runs one labelled email through the code the processor and the agent run (filters, classifier, responder); no NATS, no sending.
import { createResponder, type Responder } from '../../actors/answering/drafting/responder.ts';
import { classifyByKeywords } from '../../actors/processing/email/classify.ts';
import type { EmailInput } from '../../actors/processing/email/email-input.ts';
import { parseEmail } from '../../actors/processing/email/parsed-email.ts';
import { decideAnswerability } from '../../actors/processing/email/should-answer.ts';
import { parseSpecializations } from '../../schemas/specializations.ts';
import { asksQuestion, replyLanguage } from './core/reply-language.ts';
import { Outcome, type EvalResult, type Observed } from './core/score.ts';
import type { Business, LabelledEmail } from './labelled-set.ts';

export interface BusinessRun {
  readonly business: Business;
  readonly responder: Responder;
  /** Company names of every other business (and the default brand): a reply naming one is a miss. */
  readonly otherNames: readonly string[];
}

/**
 * The responder as the agent builds it (actors/answering/agent.ts): the knowledge base, no model, signed for the
 * business (BUSINESS_CONFIG's company_name and signature), its support addresses citable.
 */
export function businessRun(business: Business, allNames: readonly string[]): BusinessRun {
  const own = business.config.company_name.toLowerCase();
  return {
    business,
    responder: createResponder({
      kb: business.kb,
      secrets: [],
      allowedAddresses: business.config.support_addresses,
      builtin: {
        signing: { companyName: business.config.company_name, signature: business.config.signature },
      },
    }),
    otherNames: [...new Set(allNames)].filter((n) => n.toLowerCase() !== own),
  };
}

/** The webhook's message as AgentMail would deliver it to the business's first support address. */
export function emailInputOf(mail: LabelledEmail, business: Business): EmailInput {
  const inbox = business.config.support_addresses[0]!;
  return {
    from: mail.from,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html !== undefined ? { html: mail.html } : {}),
    ...(mail.headers !== undefined ? { headers: mail.headers } : {}),
    inbox_id: inbox,
    message_id: `<${mail.id}@eval.invalid>`,
    thread_id: `thd_${mail.id}`,
  };
}

export async function evaluate(mail: LabelledEmail, run: BusinessRun): Promise<EvalResult> {
  const { config } = run.business;
  const email = parseEmail(emailInputOf(mail, run.business));
  const classification = classifyByKeywords(email, {
    refundLimit: config.refund_limit,
    ...(config.specializations
      ? { specializations: parseSpecializations(JSON.stringify(config.specializations)) }
      : {}),
  });
  const base = { specialization: classification.specialization, language: classification.language };
  const result = (observed: Observed): EvalResult => ({
    id: mail.id,
    business: mail.business,
    expected: mail.labels,
    observed,
  });

  const verdict = decideAnswerability(email, { ownAddresses: config.support_addresses });
  if (!verdict.answer) return result({ ...base, outcome: Outcome.filtered, why: verdict.reason });
  if (classification.needsHuman)
    return result({
      ...base,
      outcome: Outcome.held,
      why: `needs-human:${classification.humanReasons.join('+')}`,
    });

  const { sender } = email;
  const draft = await run.responder.reply({
    email: {
      subject: mail.subject,
      text: email.text,
      language: classification.language,
      ...(sender.name ? { senderName: sender.name } : {}),
      ...(sender.address ? { senderAddress: sender.address } : {}),
    },
    history: [],
    classification: {
      specialization: classification.specialization,
      topic: classification.topic,
      priority: classification.priority,
      language: classification.language,
      needsHuman: classification.needsHuman,
    },
  });
  if (draft.escalate)
    return result({
      ...base,
      outcome: Outcome.held,
      why: `responder:${draft.escalateReason ?? 'escalated'}`,
    });
  const text = draft.text.toLowerCase();
  return result({
    ...base,
    outcome: Outcome.answered,
    reply: {
      language: replyLanguage(draft.text),
      grounded: draft.grounded,
      asksQuestion: asksQuestion(draft.text),
      topDoc: draft.passages[0]?.docId,
      foreignNames: run.otherNames.filter((n) => text.includes(n.toLowerCase())),
    },
  });
}
