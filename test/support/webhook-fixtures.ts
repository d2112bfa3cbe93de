// Test helper: the recorded AgentMail webhook payloads under test/fixtures/webhooks, read fresh per call; must not be imported by production code.
import { readFileSync } from 'node:fs';

/** A fixture by file name without `.json`; a new object every call, so a test may change it freely. */
export function webhookFixture(name: string): Record<string, unknown> {
  const url = new URL(`../fixtures/webhooks/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}
