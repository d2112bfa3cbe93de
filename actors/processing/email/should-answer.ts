// Must-not-answer filters (auto-replies, lists, bounces, machine mail, no-reply senders, mail loops, rate limit); pure, sends nothing.
import { parseSender } from './extract-text.ts';
import { recogniseMachineMail } from './machine-mail.ts';
import { getHeader, type ParsedEmail } from './parsed-email.ts';
import { rateLimit } from './rate-limit.ts';
import type { RateLimitOptions, RateLimitState } from './rate-limit.ts';
import type { Answerability, NotAnswerableReason } from '../../../schemas/email.ts';

export type { Answerability } from '../../../schemas/email.ts';

export interface AnswerContext {
  /** Our own inbox addresses ("support@x.com" or "Support <support@x.com>"); the email's inbox_id is added. */
  ownAddresses?: readonly string[];
  /** The adapter's rateLimit() verdict for this sender; false means rate_limited. Omitted: not checked. */
  senderAllowed?: boolean;
}

const AUTO_SUBJECT =
  /^\s*((re|aw|fw|fwd|wg)\s*:\s*)*(out of (the )?office|ooo\b|automatic reply|auto(matic)?[- ]?reply|autoreply|auto-response|auto:|abwesenheitsnotiz|abwesend|automatische antwort|r[ée]ponse automatique|absence du bureau|absent du bureau|respuesta autom[áa]tica|fuera de la oficina|risposta automatica|fuori sede|resposta autom[áa]tica|afwezig|automatisch antwoord|niet aanwezig|buiten kantoor|fuori ufficio|fora do escrit[óo]rio|ausente|abwesenheit|nicht im b[üu]ro|away from (the )?office|\[?auto[- ]?(reply|response|antwort|r[ée]ponse|respuesta|risposta|resposta|antwoord)\]?)|^\s*((re|aw|fw|fwd|wg)\s*:\s*)*[[【(（]?\s*(自動返信|自動応答|不在通知|不在のお知らせ|自動送信)/i;

const BOUNCE_SUBJECT =
  /^\s*(undeliverable|undelivered mail|delivery status notification|mail delivery failed|delivery failure|delivery has failed|returned mail|failure notice|message not delivered|unzustellbar|nicht zustellbar|non remis|non distribu[ée]|no se puede entregar|mensaje no entregado|no entregado)/i;

const BOUNCE_LOCAL = /^(mailer-daemon|mail-daemon|maildaemon|postmaster)$/i;
const BOUNCE_NAME = /^(mail delivery (subsystem|system)|mailer-daemon)$/i;
const NO_REPLY_LOCAL = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply|notifications?)([-+_.].*)?$/i;

const BULK_PRECEDENCE = /^\s*(bulk|junk|list)\s*$/i;
const AUTO_PRECEDENCE = /^\s*auto[_-]reply\s*$/i;

function no(reason: NotAnswerableReason, detail: string): Answerability {
  return { answer: false, reason, detail: detail.slice(0, 500) };
}

/**
 * Whether an agent may reply. Order matters only for which reason is reported: loops and bounces first,
 * because bounces also carry auto-reply headers (RFC 3464/3834).
 */
export function decideAnswerability(email: ParsedEmail, ctx: AnswerContext = {}): Answerability {
  const sender = email.sender;
  const subject = email.subject.slice(0, 1000);
  const [local = ''] = sender.address.split('@');

  const own = new Set(
    [...(ctx.ownAddresses ?? []), email.inboxId].map((a) => parseSender(a).address).filter((a) => a !== ''),
  );
  if (sender.address !== '' && own.has(sender.address)) {
    return no('mail_loop', `sender ${sender.address} is one of our own inboxes`);
  }

  if (BOUNCE_LOCAL.test(local) || BOUNCE_NAME.test(sender.name)) {
    return no('bounce', `bounce sender ${sender.address || sender.name}`);
  }
  if (BOUNCE_SUBJECT.test(subject)) return no('bounce', `bounce subject "${subject}"`);
  if (getHeader(email, 'X-Failed-Recipients') !== undefined)
    return no('bounce', 'X-Failed-Recipients header');
  if (/report-type\s*=\s*"?delivery-status/i.test(getHeader(email, 'Content-Type') ?? '')) {
    return no('bounce', 'delivery-status report');
  }

  // Calendar responses, read receipts and ticket acknowledgements often carry no header saying they are automatic.
  const domain = sender.address.split('@')[1] ?? '';
  const machine = recogniseMachineMail(
    subject,
    email.text,
    local,
    getHeader(email, 'Content-Type') ?? '',
    domain,
  );
  if (machine !== undefined && machine.reason !== 'newsletter' && machine.reason !== 'notification')
    return no(machine.reason, machine.detail);

  // RFC 3834 §5: any Auto-Submitted value other than "no" marks machine-sent mail.
  const autoSubmitted = getHeader(email, 'Auto-Submitted');
  if (autoSubmitted !== undefined && autoSubmitted.split(';')[0]?.trim().toLowerCase() !== 'no') {
    return no('auto_reply', `Auto-Submitted: ${autoSubmitted}`);
  }
  for (const h of ['X-Autoreply', 'X-Autorespond', 'X-Autoresponder']) {
    if (getHeader(email, h) !== undefined) return no('auto_reply', `${h} header`);
  }
  const precedence = getHeader(email, 'Precedence');
  if (precedence !== undefined && AUTO_PRECEDENCE.test(precedence)) {
    return no('auto_reply', `Precedence: ${precedence}`);
  }
  if (AUTO_SUBJECT.test(subject)) return no('auto_reply', `auto-reply subject "${subject}"`);

  if (precedence !== undefined && BULK_PRECEDENCE.test(precedence)) {
    return no('bulk_or_list', `Precedence: ${precedence}`);
  }
  for (const h of ['List-Id', 'List-Unsubscribe']) {
    if (getHeader(email, h) !== undefined) return no('bulk_or_list', `${h} header`);
  }

  if (machine !== undefined) return no(machine.reason, machine.detail);

  if (sender.address === '') return no('no_reply_sender', 'no sender address to answer');
  if (NO_REPLY_LOCAL.test(local)) return no('no_reply_sender', `no-reply sender ${sender.address}`);

  if (ctx.senderAllowed === false) return no('rate_limited', `too many mails from ${sender.address}`);
  return { answer: true };
}

/**
 * decideAnswerability plus the per-sender rate limit. Only mail that passes every other filter counts
 * against the sender, so ignored auto-replies never use up a real customer's budget.
 */
export function decideWithRateLimit(
  email: ParsedEmail,
  ctx: Omit<AnswerContext, 'senderAllowed'>,
  state: RateLimitState,
  now: number,
  opts: RateLimitOptions,
): Answerability {
  const decision = decideAnswerability(email, ctx);
  if (!decision.answer || rateLimit(state, email.sender.address, now, opts)) return decision;
  return decideAnswerability(email, { ...ctx, senderAllowed: false });
}
