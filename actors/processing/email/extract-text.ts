// Pure text extraction: the new words of an email (no quoted history, no signature) and its sender; no I/O, no classifying.
import { asString } from './email-input.ts';
import type { EmailInput } from './email-input.ts';

export interface Sender {
  /** Lower-cased address, '' when none could be found. */
  address: string;
  /** Display name without quotes, '' when absent. */
  name: string;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  eacute: 'é',
  egrave: 'è',
  ecirc: 'ê',
  agrave: 'à',
  acirc: 'â',
  ccedil: 'ç',
  ocirc: 'ô',
  ucirc: 'û',
  icirc: 'î',
  auml: 'ä',
  ouml: 'ö',
  uuml: 'ü',
  Auml: 'Ä',
  Ouml: 'Ö',
  Uuml: 'Ü',
  szlig: 'ß',
  ntilde: 'ñ',
  aacute: 'á',
  iacute: 'í',
  oacute: 'ó',
  uacute: 'ú',
  iexcl: '¡',
  iquest: '¿',
  euro: '€',
  pound: '£',
  copy: '©',
  reg: '®',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code =
        body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      // Invalid or surrogate code points would make fromCodePoint throw; keep the text as written.
      if (!Number.isFinite(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return whole;
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[body] ?? whole;
  });
}

// indexOf-based rather than a lazy regex: a lazy `[\s\S]*?` over many unclosed tags is quadratic.
function removeElements(html: string, tag: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let pos = 0;
  for (;;) {
    const open = lower.indexOf(`<${tag}`, pos);
    if (open < 0) break;
    const close = lower.indexOf(`</${tag}`, open);
    if (close < 0) break;
    const end = lower.indexOf('>', close);
    out += html.slice(pos, open);
    pos = end < 0 ? html.length : end + 1;
  }
  return out + html.slice(pos);
}

// Quoted history in Gmail/Apple/Outlook HTML lives in <blockquote>; remove innermost first so nesting unwinds.
function removeQuotedBlocks(html: string): string {
  let s = html;
  for (let i = 0; i < 200; i++) {
    const lower = s.toLowerCase();
    const close = lower.indexOf('</blockquote');
    if (close < 0) break;
    const open = lower.lastIndexOf('<blockquote', close);
    const end = lower.indexOf('>', close);
    if (open < 0 || end < 0) break;
    s = s.slice(0, open) + s.slice(end + 1);
  }
  return s;
}

/** HTML to plain text: drops head/style/script and quoted blockquotes, keeps line breaks, decodes entities. */
export function htmlToText(html: string): string {
  let s = asString(html);
  s = s.replace(/<!--[\s\S]*?-->/g, '');
  for (const tag of ['head', 'style', 'script', 'title']) s = removeElements(s, tag);
  s = removeQuotedBlocks(s);
  s = s.replace(/<br\s*\/?>/gi, '\n');
  s = s.replace(/<li\b[^>]*>/gi, '\n- ');
  s = s.replace(/<\/(p|div|li|tr|h[1-6]|table|ul|ol|section|article|header|footer)\s*>/gi, '\n');
  s = s.replace(/<(p|div|tr|h[1-6]|table)\b[^>]*>/gi, '\n');
  s = s.replace(/<[^>]{0,2000}>/g, '');
  s = decodeEntities(s);
  s = s.replace(/[ \t\u00a0]+/g, ' ');
  s = s
    .split('\n')
    .map((l) => l.trim())
    .join('\n');
  return s.replace(/\n{3,}/g, '\n\n').trim();
}

// Lines that introduce quoted history, in the languages our customers write (en, de, fr, es, it, pt, nl).
const QUOTE_INTRO: readonly RegExp[] = [
  /^On\b.{0,300}\bwrote:?\s*$/i,
  /^Am\b.{0,300}\bschrieb\b.{0,120}$/i,
  /^Le\b.{0,300}\ba [ée]crit\s*:?\s*$/i,
  /^El\b.{0,300}\bescribi[óo]\s*:?\s*$/i,
  /^Il giorno\b.{0,300}\bha scritto\s*:?\s*$/i,
  /^Em\b.{0,300}\bescreveu\s*:?\s*$/i,
  /^Op\b.{0,300}\bschreef\b.{0,120}$/i,
  /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Originalnachricht|Message d'origine|Mensaje original|Messaggio originale|Mensagem original|Oorspronkelijk bericht)\s*-{2,}/i,
];

const OUTLOOK_FROM = /^\*?(From|Von|De|Da|Van)\s*:\*?\s*\S/i;
const OUTLOOK_SENT =
  /^\*?(Sent|Date|Gesendet|Datum|Envoy[ée]|Enviado|Enviada|Fecha|Inviato|Data|Verzonden)\s*:/i;

const MOBILE_SIGNATURE =
  /^(Sent from my|Sent from Mail for|Sent from Yahoo|Sent from Outlook|Get Outlook for|Von meinem .{0,40}gesendet|Gesendet von meinem|Envoy[ée] de mon|Enviado desde mi|Enviado do meu|Inviato da|Verzonden vanaf mijn)/i;

const DISCLAIMER_START =
  /^(\*{0,2}(CONFIDENTIALITY|CONFIDENTIAL|DISCLAIMER|LEGAL NOTICE|IMPORTANT NOTICE)\b|This (e-?mail|message|communication)\b|The information (contained )?in this\b|Diese (E-?Mail|Nachricht)\b|Ce (message|courriel|e-?mail)\b|Este (correo|mensaje)\b|Questo messaggio\b)/i;
const DISCLAIMER_WORDS =
  /confidential|privileged|intended (only )?for|intended recipient|vertraulich|confidentiel|confidencial|riservat/i;

const CLOSING =
  /^(best|best regards|best wishes|kind regards|kindest regards|warm regards|warmest regards|regards|many thanks|thanks|thanks a lot|thanks again|thanks in advance|thank you|thank you very much|thank you in advance|cheers|sincerely|yours sincerely|yours truly|all the best|mit freundlichen gr(ü|ue)(ß|ss)en|freundliche gr(ü|ue)(ß|ss)e|viele gr(ü|ue)(ß|ss)e|beste gr(ü|ue)(ß|ss)e|liebe gr(ü|ue)(ß|ss)e|gru(ß|ss)|lg|mfg|danke|vielen dank|cordialement|bien cordialement|bien (à|a) vous|salutations|merci|merci beaucoup|merci d'avance|saludos|saludos cordiales|un saludo|atentamente|gracias|muchas gracias|gracias de antemano|cordiali saluti|saluti|grazie|atenciosamente|obrigad[oa]|met vriendelijke groet(en)?|groeten|bedankt)[\s,.!]*$/i;

function quoteStart(lines: readonly string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    if (QUOTE_INTRO.some((re) => re.test(line))) return i;
    // Gmail wraps long "On ... <addr> wrote:" headers over two lines.
    const joined = `${line} ${(lines[i + 1] ?? '').trim()}`;
    if (/^(On|Am|Le|El)\b/i.test(line) && QUOTE_INTRO.some((re) => re.test(joined))) return i;
    if (OUTLOOK_FROM.test(line)) {
      for (let j = i + 1; j <= i + 4 && j < lines.length; j++) {
        if (OUTLOOK_SENT.test((lines[j] ?? '').trim())) {
          // An Outlook separator line of underscores usually sits just above the block.
          return i > 0 && /^_{5,}\s*$/.test((lines[i - 1] ?? '').trim()) ? i - 1 : i;
        }
      }
    }
  }
  return -1;
}

function signatureStart(lines: readonly string[]): number {
  const firstContent = lines.findIndex((l) => l.trim() !== '');
  // Suffix tallies keep this linear: how many non-empty lines follow i, and the longest of them.
  const nonEmptyAfter = new Array<number>(lines.length + 1).fill(0);
  const longestAfter = new Array<number>(lines.length + 1).fill(0);
  for (let i = lines.length - 1; i >= 0; i--) {
    const next = (lines[i + 1] ?? '').trim();
    nonEmptyAfter[i] = (nonEmptyAfter[i + 1] ?? 0) + (next === '' ? 0 : 1);
    longestAfter[i] = Math.max(longestAfter[i + 1] ?? 0, next.length);
  }
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.trim();
    const hasContentBefore = firstContent >= 0 && firstContent < i;
    // RFC 3676 §4.3 signature separator "-- " (many clients drop the trailing space).
    if (raw.trimEnd() === '--') return i;
    if (MOBILE_SIGNATURE.test(line)) return i;
    if (
      hasContentBefore &&
      DISCLAIMER_START.test(line) &&
      DISCLAIMER_WORDS.test(`${line} ${lines[i + 1] ?? ''}`)
    ) {
      return i;
    }
    // A closing word only starts the signature when what follows is a short name/title block.
    if (
      hasContentBefore &&
      CLOSING.test(line) &&
      (nonEmptyAfter[i] ?? 0) <= 8 &&
      (longestAfter[i] ?? 0) <= 80
    ) {
      return i;
    }
  }
  return -1;
}

/** Removes quoted history and signature from a plain-text body. */
export function extractNewText(body: string): string {
  const text = asString(body).replace(/\r\n?/g, '\n');
  let lines = text.split('\n');
  const q = quoteStart(lines);
  if (q >= 0) lines = lines.slice(0, q);
  lines = lines.filter((l) => !/^\s*>/.test(l));
  const s = signatureStart(lines);
  if (s >= 0) lines = lines.slice(0, s);
  return lines
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * The new text of an email. Prefers AgentMail's extracted_text, then text, then html
 * (reference/agentmail.md §1.2: text can be absent for HTML-only mail); always strips quotes and signature.
 */
export function extractText(email: EmailInput): string {
  const extracted = asString(email.extracted_text);
  if (extracted.trim() !== '') return extractNewText(extracted);
  const text = asString(email.text);
  if (text.trim() !== '') return extractNewText(text);
  const html = asString(email.html);
  if (html.trim() !== '') return extractNewText(htmlToText(html));
  return '';
}

/** Parses "Jane Doe <jane@x.com>", '"Doe, Jane" <jane@x.com>', "jane@x.com (Jane)" and bare addresses. */
export function parseSender(raw: string): Sender {
  const s = asString(raw).slice(0, 1000).trim();
  const angled = /<\s*([^<>\s@]+@[^<>\s@]+)\s*>/.exec(s);
  if (angled?.[1] !== undefined) {
    const name = s
      .slice(0, angled.index)
      .trim()
      .replace(/^["']+|["']+$/g, '')
      .trim();
    return { address: angled[1].toLowerCase(), name };
  }
  const bare = /[^\s<>"',;()]+@[^\s<>"',;()]+/.exec(s);
  if (bare !== null) {
    const rest = (s.slice(0, bare.index) + s.slice(bare.index + bare[0].length))
      .replace(/[()"']/g, '')
      .trim();
    return { address: bare[0].toLowerCase(), name: rest };
  }
  return { address: '', name: s.replace(/[<>"']/g, '').trim() };
}
