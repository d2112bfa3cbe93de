// Rules deciding an email must go to a person (asked for one, legal threat, cancellation, big refund, anger); pure.
import { anyPhrase, compileAll, normalize, scorePhrases } from './keyword-match.ts';
import type { HumanReason } from '../../../schemas/email.ts';

export interface NeedsHumanOptions {
  /** Refund requests above this amount (any currency, compared as numbers) go to a person. Default 100. */
  refundLimit?: number;
  /** Negative-tone score at or above which a person answers. Default 4. */
  negativeThreshold?: number;
}

export const DEFAULT_REFUND_LIMIT = 100;
export const DEFAULT_NEGATIVE_THRESHOLD = 4;

const HUMAN_REQUEST = compileAll([
  ['speak to a human', 1],
  ['talk to a human', 1],
  ['speak with a human', 1],
  ['talk with a human', 1],
  ['a real person', 1],
  ['a real human', 1],
  ['an actual person', 1],
  ['an actual human', 1],
  ['a human being', 1],
  ['a live person', 1],
  ['a live agent', 1],
  ['a human agent', 1],
  ['not a bot', 1],
  ['not a robot', 1],
  ['speak to someone', 1],
  ['talk to someone', 1],
  ['speak with someone', 1],
  ['phone me', 1],
  ['give me a call', 1],
  ['ring me', 1],
  ['a manager', 1],
  ['your manager', 1],
  ['the manager', 1],
  ['your supervisor', 1],
  ['a supervisor', 1],
  ['escalate this', 1],
  ['mit einem menschen', 1],
  ['einen menschen', 1],
  ['echten menschen', 1],
  ['einem mitarbeiter', 1],
  ['rufen sie mich', 1],
  ['ruckruf', 1],
  ['vorgesetzten', 1],
  ['une vraie personne', 1],
  ['un humain', 1],
  ['un etre humain', 1],
  ["parler a quelqu'un", 1],
  ['appelez-moi', 1],
  ['appelez moi', 1],
  ['rappelez-moi', 1],
  ['rappelez moi', 1],
  ['un responsable', 1],
  ['una persona real', 1],
  ['hablar con una persona', 1],
  ['hablar con alguien', 1],
  ['llamenme', 1],
  ['llamame', 1],
  ['un supervisor', 1],
  ['el gerente', 1],
  ['un gerente', 1],
]);

// "call me" only when it asks for a call ("call me back", "call me on 0123..."), not "call me old-fashioned".
const CALL_ME =
  /(?<![\p{L}])call me(?: back| at| on| asap| today| tomorrow| now| please| urgently|\s*[+(]?\d|\s*[.!]|\s*$)/mu;

const LEGAL = compileAll([
  ['lawyer*', 1],
  ['attorney*', 1],
  ['sue', 1],
  ['suing', 1],
  ['lawsuit', 1],
  ['legal action', 1],
  ['legal steps', 1],
  ['legal proceedings', 1],
  ['take you to court', 1],
  ['small claims', 1],
  ['gdpr complaint', 1],
  ['complaint with the data protection', 1],
  ['data protection authority', 1],
  ['ico complaint', 1],
  ['consumer protection', 1],
  ['trading standards', 1],
  ['anwalt', 1],
  ['rechtsanwalt', 1],
  ['anwaltin', 1],
  ['verklagen', 1],
  ['klage', 1],
  ['rechtliche schritte', 1],
  ['gerichtlich', 1],
  ['datenschutzbehorde', 1],
  ['verbraucherzentrale', 1],
  ['avocat', 1],
  ['poursuites', 1],
  ['en justice', 1],
  ['tribunal', 1],
  ['cnil', 1],
  ['abogado', 1],
  ['demandar', 1],
  ['demanda judicial', 1],
  ['acciones legales', 1],
  ['medidas legales', 1],
  ['denuncia', 1],
]);

// "cancel my subscription", "close our account", "kündigen", "résilier", "dar de baja".
const CANCEL_PHRASES = compileAll([
  ['kundige', 1],
  ['kundigen', 1],
  ['kundigung', 1],
  ['konto loschen', 1],
  ['abo beenden', 1],
  ['resilier', 1],
  ['resiliation', 1],
  ['annuler mon abonnement', 1],
  ['fermer mon compte', 1],
  ['supprimer mon compte', 1],
  ['cancelar mi suscripcion', 1],
  ['cancelar mi cuenta', 1],
  ['cancelar la suscripcion', 1],
  ['dar de baja', 1],
  ['darme de baja', 1],
]);
const CANCEL_EN =
  /(?<![\p{L}])(cancel|cancell?ing|cancell?ed|close|closing|delete|deleting|terminate|terminating|end)\s+(my|our|the|this)\s+(?:[\p{L}-]+\s+){0,2}(account|subscription|plan|membership|contract)(?![\p{L}])/u;
const CANCELLATION_EN =
  /(?<![\p{L}])cancell?ation of (my|our|the) (account|subscription|plan|membership|contract)/u;

const REFUND = compileAll([
  ['refund*', 1],
  ['money back', 1],
  ['reimburse*', 1],
  ['chargeback', 1],
  ['ruckerstattung', 1],
  ['erstattung', 1],
  ['erstatten', 1],
  ['geld zuruck', 1],
  ['rembours*', 1],
  ['reembols*', 1],
  ['devolucion del dinero', 1],
  ['devuelvan el dinero', 1],
  ['devolver el dinero', 1],
]);

const NEGATIVE = compileAll([
  ['terrible', 2],
  ['awful', 2],
  ['horrible', 2],
  ['worst', 2],
  ['disgusting', 2],
  ['unacceptable', 2],
  ['ridiculous', 2],
  ['furious', 3],
  ['angry', 2],
  ['outraged', 3],
  ['scam', 3],
  ['fraud', 2],
  ['rip-off', 3],
  ['ripoff', 3],
  ['incompetent', 3],
  ['useless', 2],
  ['pathetic', 3],
  ['disgrace', 3],
  ['shame on you', 3],
  ['fed up', 2],
  ['sick of', 2],
  ['sick and tired', 3],
  ['never again', 2],
  ['hate', 2],
  ['a joke', 2],
  ['liars', 3],
  ['lied', 2],
  ['stealing', 3],
  ['thieves', 3],
  ['disappointed', 1],
  ['frustrated', 1],
  ['frustrating', 1],
  ['annoyed', 1],
  ['waste of', 2],
  ['still not', 1],
  ['no one', 1],
  ['nobody', 1],
  ['unverschamt', 3],
  ['frechheit', 3],
  ['katastrophe', 2],
  ['schrecklich', 2],
  ['betrug', 3],
  ['abzocke', 3],
  ['inkompetent', 3],
  ['wutend', 3],
  ['enttauscht', 1],
  ['unzumutbar', 2],
  ['argerlich', 1],
  ['inadmissible', 3],
  ['inacceptable', 2],
  ['scandaleux', 3],
  ['honteux', 3],
  ['arnaque', 3],
  ['furieux', 3],
  ['decu', 1],
  ['decue', 1],
  ['incompetent*', 2],
  ['inaceptable', 2],
  ['vergonzoso', 3],
  ['una verguenza', 3],
  ['estafa', 3],
  ['pesimo', 2],
  ['furioso', 3],
  ['harto', 2],
  ['indignante', 3],
  ['decepcionado', 1],
]);

export interface MoneyAmount {
  amount: number;
  currency: string;
  raw: string;
}

const CURRENCY_BY_SYMBOL: Readonly<Record<string, string>> = { $: 'USD', '€': 'EUR', '£': 'GBP' };
// Grouped thousands first, then plain digits; the lookahead stops "$1200" being read as "$120".
const NUMBER = String.raw`\d{1,3}(?:[.,']\d{3})+(?:[.,]\d{1,2})?(?!\d)|\d+(?:[.,]\d{1,2})?(?!\d)`;
const SYMBOL_FIRST = new RegExp(String.raw`([$€£])\s?(${NUMBER})`, 'g');
const CODE_FIRST = new RegExp(String.raw`\b(USD|EUR|GBP|CHF)\s?(${NUMBER})`, 'gi');
const AMOUNT_FIRST = new RegExp(
  String.raw`(?<![\d.,])(${NUMBER})\s?(€|\$|£|eur\b|euros?\b|usd\b|dollars?\b|gbp\b|pounds?\b|chf\b)`,
  'gi',
);

/** "1,200.50" -> 1200.5, "1.200,50" -> 1200.5, "45" -> 45, "300,5" -> 300.5; a 3-digit group is thousands. */
export function parseNumber(raw: string): number {
  const s = raw.replace(/'/g, '');
  const lastSep = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
  if (lastSep < 0) return Number(s);
  const decimals = s.length - lastSep - 1;
  if (decimals === 3) return Number(s.replace(/[.,]/g, ''));
  return Number(`${s.slice(0, lastSep).replace(/[.,]/g, '')}.${s.slice(lastSep + 1)}`);
}

function currencyCode(token: string): string {
  const t = token.toLowerCase();
  if (t in CURRENCY_BY_SYMBOL) return CURRENCY_BY_SYMBOL[t] ?? t.toUpperCase();
  if (t.startsWith('euro') || t === 'eur' || t === '€') return 'EUR';
  if (t.startsWith('dollar') || t === 'usd') return 'USD';
  if (t.startsWith('pound') || t === 'gbp') return 'GBP';
  return t.toUpperCase();
}

/** Money amounts written with a currency ($1,200.50, 300 EUR, €45, 12,99 €). Bare numbers are not money. */
export function parseMoneyAmounts(text: string): MoneyAmount[] {
  const sample = text.slice(0, 20_000);
  const out: MoneyAmount[] = [];
  for (const m of sample.matchAll(SYMBOL_FIRST)) {
    out.push({ amount: parseNumber(m[2] ?? ''), currency: currencyCode(m[1] ?? ''), raw: m[0] });
  }
  for (const m of sample.matchAll(CODE_FIRST)) {
    out.push({ amount: parseNumber(m[2] ?? ''), currency: currencyCode(m[1] ?? ''), raw: m[0] });
  }
  for (const m of sample.matchAll(AMOUNT_FIRST)) {
    out.push({ amount: parseNumber(m[1] ?? ''), currency: currencyCode(m[2] ?? ''), raw: m[0] });
  }
  return out.filter((a) => Number.isFinite(a.amount));
}

/** Anger score: weighted negative words, plus shouting (several all-caps words) and "!!!". */
export function negativeScore(text: string): number {
  const sample = text.slice(0, 20_000);
  let score = scorePhrases(normalize(sample), NEGATIVE).score;
  const shouted =
    sample
      .match(/\b[A-Z]{3,}\b/g)
      ?.filter(
        (w) =>
          !/^(API|SSO|SLA|USD|EUR|GBP|PDF|CSV|URL|HTTP|HTTPS|SMTP|DNS|SSL|VAT|GDPR|CEO|CTO|SAML|ASAP|FAQ)$/.test(
            w,
          ),
      ).length ?? 0;
  if (shouted >= 3) score += 2;
  if (/[!?]{3,}/.test(sample)) score += 1;
  return score;
}

export interface NeedsHumanResult {
  needsHuman: boolean;
  humanReasons: HumanReason[];
}

/** Every rule that fires is recorded, in a stable order, so an escalation can say why. */
export function assessNeedsHuman(
  subject: string,
  body: string,
  opts: NeedsHumanOptions = {},
): NeedsHumanResult {
  const whole = `${subject}\n${body.slice(0, 20_000)}`;
  const n = normalize(whole);
  const reasons: HumanReason[] = [];
  if (anyPhrase(n, HUMAN_REQUEST) !== undefined || CALL_ME.test(n)) reasons.push('human_requested');
  if (anyPhrase(n, LEGAL) !== undefined) reasons.push('legal_threat');
  if (CANCEL_EN.test(n) || CANCELLATION_EN.test(n) || anyPhrase(n, CANCEL_PHRASES) !== undefined) {
    reasons.push('cancellation');
  }
  if (anyPhrase(n, REFUND) !== undefined) {
    const limit = opts.refundLimit ?? DEFAULT_REFUND_LIMIT;
    if (parseMoneyAmounts(whole).some((a) => a.amount > limit)) reasons.push('refund_over_limit');
  }
  if (negativeScore(whole) >= (opts.negativeThreshold ?? DEFAULT_NEGATIVE_THRESHOLD))
    reasons.push('negative_tone');
  return { needsHuman: reasons.length > 0, humanReasons: reasons };
}
