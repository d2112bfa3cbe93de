// Guardrails for untrusted email and for every draft: injection detection (recorded, never obeyed) and an output filter; pure, no I/O.
import type { ReplyDraft } from '../../../schemas/reply.ts';
import { noticeText, templateLanguage, toHtml, type Signing } from './reply-templates.ts';

export const InjectionSignal = {
  ignoreInstructions: 'ignore-instructions',
  revealPrompt: 'reveal-prompt',
  revealSecret: 'reveal-secret',
  roleOverride: 'role-override',
  fakeTurn: 'fake-turn',
  encodedPayload: 'encoded-payload',
} as const;
export type InjectionSignal = (typeof InjectionSignal)[keyof typeof InjectionSignal];

const INJECTION_PATTERNS: readonly (readonly [InjectionSignal, RegExp])[] = [
  [
    InjectionSignal.ignoreInstructions,
    /\b(ignore|disregard|forget|override|bypass|skip)\b.{0,60}?\b(instructions?|rules|prompts?|guidelines|directives|constraints|guardrails|polic(?:y|ies))\b/is,
  ],
  [
    InjectionSignal.ignoreInstructions,
    /\b(ignorier\w*|vergiss|missachte\w*)\b.{0,60}?\b(anweisungen|regeln|instruktionen|vorgaben)\b/is,
  ],
  [
    InjectionSignal.ignoreInstructions,
    /\b(ignore[rz]?|oublie[rz]?)\b.{0,60}?\b(instructions|règles|consignes)\b/is,
  ],
  [
    InjectionSignal.ignoreInstructions,
    /\b(ignora\w*|olvida\w*)\b.{0,60}?\b(instrucciones|reglas|indicaciones)\b/is,
  ],
  [
    InjectionSignal.revealPrompt,
    /\b(print|show|reveal|repeat|output|display|tell|give|share|leak|dump|write out|what (?:is|are|were))\b.{0,40}?\b(system ?prompt|(?:initial|original|hidden|secret|your) (?:prompt|instructions|rules)|configuration|config)\b/is,
  ],
  [
    InjectionSignal.revealSecret,
    /\b(print|show|reveal|output|display|tell|give|send|share|leak|dump|list|what (?:is|are))\b.{0,40}?\b(api[ _-]?keys?|secrets?|tokens?|credentials?|env(?:ironment)?(?: variables| vars)?|\.env|passwords? (?:of|for) (?:the|your) system)\b/is,
  ],
  [InjectionSignal.revealSecret, /\b(OPENAI_API_KEY|AGENTMAIL_[A-Z_]+|process\.env)\b/],
  [
    InjectionSignal.roleOverride,
    /\b(you are now|you're now|from now on,? you|act as|pretend (?:to be|you are)|role-?play|new persona|developer mode|jailbreak|do anything now|DAN mode)\b/i,
  ],
  [
    InjectionSignal.roleOverride,
    /\b(du bist (?:jetzt|nun|ab sofort)|tu es (?:maintenant|désormais)|vous êtes (?:maintenant|désormais)|ahora eres|actúa como)\b/i,
  ],
  [InjectionSignal.fakeTurn, /(^|\n)\s*(system|assistant|developer)\s*:/i],
  [
    InjectionSignal.fakeTurn,
    /<\|im_(?:start|end)\|>|<\|system\|>|\[\/?INST\]|<<\/?SYS>>|#{2,}\s*(?:system|instructions?)\b|<\/?(?:customer_email|knowledge_base|thread_history|rules)\b/i,
  ],
  [
    InjectionSignal.encodedPayload,
    /\b(base64|rot13|hex)\b.{0,30}?\b(decode|decoded|encoded|encode)\b|\b(decode|decoded)\b.{0,30}?\b(base64|rot13)\b/is,
  ],
];

/** Decodes base64 runs that turn into readable text: instructions hidden from a casual read. */
function decodedPayloads(text: string): string[] {
  const out: string[] = [];
  for (const run of text.match(/[A-Za-z0-9+/]{24,}={0,2}/g) ?? []) {
    const decoded = Buffer.from(run, 'base64').toString('utf8');
    const printable = decoded.replace(/[^\x20-\x7E\n\t]/g, '').length;
    if (decoded.length > 0 && printable / decoded.length > 0.9 && /\s/.test(decoded)) out.push(decoded);
  }
  return out;
}

/** Injection signals in untrusted text (sorted, unique). They are recorded on the draft; they never change the rules. */
export function detectInjection(text: string): InjectionSignal[] {
  const found = new Set<InjectionSignal>();
  const scan = (t: string) => {
    for (const [signal, re] of INJECTION_PATTERNS) if (re.test(t)) found.add(signal);
  };
  scan(text);
  for (const decoded of decodedPayloads(text)) {
    found.add(InjectionSignal.encodedPayload);
    scan(decoded);
  }
  return [...found].sort();
}

export const Refusal = {
  secretPattern: 'secret-pattern',
  configuredSecret: 'configured-secret',
  systemPrompt: 'system-prompt',
  configuration: 'configuration',
  foreignAddress: 'foreign-address',
} as const;

const SECRET_PATTERNS: readonly (readonly [string, RegExp])[] = [
  ['agentmail-key', /\bam_[A-Za-z0-9_-]{12,}/],
  ['openai-key', /\bsk-[A-Za-z0-9_-]{12,}/],
  ['webhook-secret', /\bwhsec_[A-Za-z0-9+/=_-]{12,}/],
  ['bearer-token', /\bbearer\s+[A-Za-z0-9._~+/-]{12,}=*/i],
  ['jwt', /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/],
  ['private-key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['aws-key', /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/],
  ['github-token', /\bgh[pousr]_[A-Za-z0-9]{20,}/],
  ['slack-token', /\bxox[abprs]-[A-Za-z0-9-]{10,}/],
];

// Names of the system's own settings: a reply that spells them is describing our configuration.
const CONFIG_NAMES =
  /\b(OPENAI_API_KEY|OPENAI_BASE_URL|OPENAI_MODEL|AGENTMAIL_API_KEY|AGENTMAIL_WEBHOOK_SECRET|AGENTMAIL_BASE_URL|NATS_URL|CLUSTER_NODES|STATE_REPLICATION_FACTOR|PAXOS_TIMEOUT|HEALTH_CHECK_INTERVAL|METRICS_PORT|FLASK_PORT|NODE_ID|process\.env)\b/;
const ENV_LINE = /^\s*(?:export\s+)?([A-Z][A-Z0-9_]{2,})\s*=\s*\S+/gm;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
// Zero-width and spacing characters a model might slip between the characters of a secret.
const INVISIBLE = /[\s\u200B-\u200D\u2060\uFEFF]+/g;

export interface OutputPolicy {
  /** Literal values of configured secrets (API keys, webhook secret); none may appear, whole or in part. */
  readonly secrets: readonly string[];
  /** The model's rules text; a verbatim run of 8 words from it means the prompt leaked. */
  readonly systemPrompt?: string;
  /** The current customer's address, the only customer address a reply may contain. */
  readonly customerAddress?: string;
  /** Company addresses a reply may cite (the knowledge base's own). */
  readonly allowedAddresses: Iterable<string>;
}

const SECRET_WINDOW = 12;

function leaksSecret(normalized: string, secret: string): boolean {
  const s = secret.replace(INVISIBLE, '');
  if (s.length < 8) return false; // too short to tell from ordinary words
  const forms = [s, Buffer.from(s).toString('base64').replace(/=+$/, ''), [...s].reverse().join('')];
  for (const form of forms) {
    if (form.length < SECRET_WINDOW) {
      if (normalized.includes(form)) return true;
      continue;
    }
    // Any 12-character window: half a key is still a leak.
    for (let i = 0; i + SECRET_WINDOW <= form.length; i++) {
      if (normalized.includes(form.slice(i, i + SECRET_WINDOW))) return true;
    }
  }
  return false;
}

function shingles(text: string, size: number): Set<string> {
  const ws = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = new Set<string>();
  for (let i = 0; i + size <= ws.length; i++) out.add(ws.slice(i, i + size).join(' '));
  return out;
}

/** What in an outgoing text breaks the output policy (finding kinds, sorted; never the matched text itself). */
export function inspectOutput(text: string, policy: OutputPolicy): string[] {
  const findings = new Set<string>();
  for (const [kind, re] of SECRET_PATTERNS)
    if (re.test(text)) findings.add(`${Refusal.secretPattern}:${kind}`);
  const normalized = text.replace(INVISIBLE, '');
  if (policy.secrets.some((s) => leaksSecret(normalized, s))) findings.add(Refusal.configuredSecret);
  if (CONFIG_NAMES.test(text)) findings.add(Refusal.configuration);
  const envLines = [...text.matchAll(ENV_LINE)];
  if (
    envLines.length >= 2 ||
    envLines.some((m) => /(KEY|SECRET|TOKEN|PASSWORD|PASS|URL)$/.test(m[1] ?? ''))
  ) {
    findings.add(Refusal.configuration);
  }
  if (policy.systemPrompt) {
    const leaked = shingles(text, 8);
    for (const s of shingles(policy.systemPrompt, 8)) {
      if (leaked.has(s)) {
        findings.add(Refusal.systemPrompt);
        break;
      }
    }
  }
  const allowed = new Set([...policy.allowedAddresses].map((a) => a.toLowerCase()));
  if (policy.customerAddress) allowed.add(policy.customerAddress.toLowerCase());
  for (const address of text.match(EMAIL) ?? []) {
    if (!allowed.has(address.toLowerCase().replace(/\.$/, ''))) findings.add(Refusal.foreignAddress);
  }
  return [...findings].sort();
}

export interface DraftContext {
  readonly customerName?: string | undefined;
  readonly signing: Signing;
}

/** A notice in the draft's language, addressed to the customer, in place of the draft's own text and HTML. */
function noticeBody(
  draft: ReplyDraft,
  context: DraftContext,
  kind: 'refusal' | 'noAnswer',
): { text: string; html: string } {
  const text = noticeText(templateLanguage(draft.language), kind, context.customerName, context.signing);
  return { text, html: toHtml(text) };
}

/** Applies the output filter to a draft: if anything trips, the whole draft becomes a safe refusal and escalates. */
export function filterDraft(draft: ReplyDraft, policy: OutputPolicy, context: DraftContext): ReplyDraft {
  const findings = [
    ...new Set([...inspectOutput(draft.text, policy), ...inspectOutput(draft.html ?? '', policy)]),
  ].sort();
  if (findings.length === 0) return draft;
  return {
    ...draft,
    ...noticeBody(draft, context, 'refusal'),
    grounded: false,
    escalate: true,
    escalateReason: 'output-filter',
    refusals: [...new Set([...(draft.refusals ?? []), ...findings])].sort(),
  };
}

/** An answer not grounded in the knowledge base is never sent as is: it becomes the holding reply and escalates. */
export function enforceGrounding(draft: ReplyDraft, context: DraftContext): ReplyDraft {
  if (draft.grounded) return draft;
  return {
    ...draft,
    ...noticeBody(draft, context, 'noAnswer'),
    escalate: true,
    escalateReason: draft.escalateReason ?? 'ungrounded',
  };
}
