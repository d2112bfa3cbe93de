// The AGENT_SPECIALIZATIONS map (specialization -> topics): default, and a strict parser; reads no environment itself.
import { createError } from './errors.ts';

export type SpecializationMap = Readonly<Record<string, readonly string[]>>;

/** The seed's default map. */
export const DEFAULT_SPECIALIZATIONS: SpecializationMap = Object.freeze({
  support: Object.freeze(['customer', 'billing', 'technical']),
  sales: Object.freeze(['pricing', 'demo', 'enterprise']),
  general: Object.freeze(['info', 'routing', 'fallback']),
});

/** Thrown when AGENT_SPECIALIZATIONS is not a valid map; `message` is one line naming what is wrong. */
export class SpecializationsConfigError extends createError(
  'EMAIL_BAD_SPECIALIZATIONS',
  'SpecializationsConfigError',
  { retryable: false },
) {}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * Validates a JSON string such as {"support":["billing"]}. Names are lower-case identifiers so they are safe
 * in logs, metrics labels and prompts; a topic may belong to one specialization only, or routing is ambiguous.
 */
export function parseSpecializations(json: string, variable = 'AGENT_SPECIALIZATIONS'): SpecializationMap {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new SpecializationsConfigError(`${variable} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SpecializationsConfigError(`${variable} must be a JSON object of specialization -> [topics]`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) {
    throw new SpecializationsConfigError(`${variable} must name at least one specialization`);
  }
  const owner = new Map<string, string>();
  const out: Record<string, readonly string[]> = {};
  for (const [spec, topics] of entries) {
    if (!NAME.test(spec)) {
      throw new SpecializationsConfigError(
        `${variable}: specialization "${spec}" must match ${NAME.source} (lower-case letters, digits, - or _)`,
      );
    }
    if (!Array.isArray(topics) || topics.length === 0) {
      throw new SpecializationsConfigError(`${variable}: "${spec}" must map to a non-empty array of topics`);
    }
    const list: string[] = [];
    for (const topic of topics as unknown[]) {
      if (typeof topic !== 'string' || !NAME.test(topic)) {
        throw new SpecializationsConfigError(
          `${variable}: topic ${JSON.stringify(topic)} of "${spec}" must be a string matching ${NAME.source}`,
        );
      }
      const previous = owner.get(topic);
      if (previous !== undefined) {
        throw new SpecializationsConfigError(
          `${variable}: topic "${topic}" appears under both "${previous}" and "${spec}"`,
        );
      }
      owner.set(topic, spec);
      list.push(topic);
    }
    out[spec] = Object.freeze(list);
  }
  return Object.freeze(out);
}

/** The specialization owning a topic, if any. */
export function specializationOf(map: SpecializationMap, topic: string): string | undefined {
  for (const [spec, topics] of Object.entries(map)) if (topics.includes(topic)) return spec;
  return undefined;
}

/**
 * Where mail goes when nothing matches: the 'fallback' topic if configured, else the 'general'
 * specialization's first topic, else the first topic of the map.
 */
export function fallbackRoute(map: SpecializationMap): { specialization: string; topic: string } {
  const fb = specializationOf(map, 'fallback');
  if (fb !== undefined) return { specialization: fb, topic: 'fallback' };
  const general = map['general']?.[0];
  if (general !== undefined) return { specialization: 'general', topic: general };
  for (const [spec, topics] of Object.entries(map)) {
    const first = topics[0];
    if (first !== undefined) return { specialization: spec, topic: first };
  }
  // parseSpecializations never returns an empty map; a hand-built one is a programming error.
  throw new SpecializationsConfigError('specialization map is empty');
}

/**
 * Where mail that says something the lexicons cannot place goes: the first specialization of the map that does not
 * hold the fallback topic (the default map's support desk), its first topic. Undefined when there is none.
 */
export function primaryRoute(map: SpecializationMap): { specialization: string; topic: string } | undefined {
  const fallback = fallbackRoute(map).specialization;
  for (const [spec, topics] of Object.entries(map)) {
    const first = topics[0];
    if (spec !== fallback && first !== undefined) return { specialization: spec, topic: first };
  }
  return undefined;
}

/**
 * An agent's specializations: its roster entry (AGENT_ROSTER) when it has one, else the map's keys round-robin by
 * the agent's index (`<node>-agent-<i>`).
 */
export function agentSpecializations(
  map: SpecializationMap,
  actorId: string,
  roster: Readonly<Record<string, readonly string[]>> = {},
): string[] {
  const listed = Object.hasOwn(roster, actorId) ? roster[actorId] : undefined;
  if (listed !== undefined) return [...listed];
  const keys = Object.keys(map);
  if (keys.length === 0) return [];
  const m = /-(\d+)$/.exec(actorId);
  const index = m ? Number(m[1]) : 0;
  return [keys[index % keys.length]!];
}
