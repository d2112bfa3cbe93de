// Keyword priority scoring (urgency words in several languages, VIP sender domains); pure, no routing decisions.
import { compileAll, normalize, scorePhrases } from './keyword-match.ts';
import type { Priority } from '../../../schemas/email.ts';

const URGENT = compileAll([
  ['urgent', 2],
  ['urgently', 2],
  ['asap', 2],
  ['as soon as possible', 2],
  ['immediately', 2],
  ['emergency', 2],
  ['outage', 3],
  ['is down', 3],
  ['are down', 3],
  ['went down', 3],
  ['site down', 3],
  ['production down', 3],
  ['completely down', 3],
  ['cannot access', 2],
  ["can't access", 2],
  ['can not access', 2],
  ['locked out', 2],
  ['critical', 2],
  ['all users', 1],
  ['business is stopped', 3],
  ['losing money', 2],
  ['right now', 1],
  ['dringend', 2],
  ['sofort', 2],
  ['umgehend', 2],
  ['ausfall', 3],
  ['kein zugriff', 2],
  ['nicht erreichbar', 2],
  ['urgente', 2],
  ['immediatement', 2],
  ['panne', 2],
  ['au plus vite', 2],
  ['plus acces', 2],
  ['inmediatamente', 2],
  ['caido', 2],
  ['caida', 2],
  ['sin acceso', 2],
  ['lo antes posible', 2],
]);

const HIGH = compileAll([
  ['important', 1],
  ['soon', 1],
  ['today', 1],
  ['deadline', 1],
  ['blocked', 1],
  ['blocking', 1],
  ['still waiting', 1],
  ['second time', 1],
  ['third time', 1],
  ['wichtig', 1],
  ['heute', 1],
  ['aujourd hui', 1],
  ["aujourd'hui", 1],
  ['importante', 1],
  ['hoy', 1],
]);

const LOW = compileAll([
  ['no rush', 2],
  ['no hurry', 2],
  ['whenever you', 2],
  ['when you get a chance', 2],
  ['when you have time', 2],
  ['just curious', 2],
  ['fyi', 1],
  ['not urgent', 3],
  ['low priority', 3],
  ['keine eile', 2],
  ['pas urgent', 3],
  ['sin prisa', 2],
  ['no es urgente', 3],
]);

const LEVELS: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];

export interface PriorityOptions {
  /** Sender domains whose mail is raised one level (e.g. key accounts). Sub-domains count too. */
  vipDomains?: readonly string[];
}

export function isVipAddress(address: string, vipDomains: readonly string[] = []): boolean {
  const domain = address.toLowerCase().split('@')[1] ?? '';
  if (domain === '') return false;
  return vipDomains.some((d) => {
    const v = d.toLowerCase().replace(/^@/, '');
    return v !== '' && (domain === v || domain.endsWith(`.${v}`));
  });
}

/** Priority from subject (counted double) and body; "not urgent" beats urgency words; VIPs go up one level. */
export function scorePriority(
  subject: string,
  body: string,
  senderAddress: string,
  opts: PriorityOptions = {},
): Priority {
  const s = normalize(subject);
  const b = normalize(body.slice(0, 20_000));
  const urgency = 2 * scorePhrases(s, URGENT).score + scorePhrases(b, URGENT).score;
  const high = 2 * scorePhrases(s, HIGH).score + scorePhrases(b, HIGH).score;
  const low = 2 * scorePhrases(s, LOW).score + scorePhrases(b, LOW).score;
  let level: number;
  if (low >= 3 || (low > 0 && urgency === 0)) level = 0;
  else if (urgency >= 3) level = 3;
  else if (urgency > 0 || high >= 2) level = 2;
  else level = 1;
  if (isVipAddress(senderAddress, opts.vipDomains)) level = Math.min(level + 1, 3);
  return LEVELS[level] ?? 'normal';
}
