// `npm run give-back -- <thread-id> [--by NAME] [--note TEXT]`: a person hands a held thread back to the agents
// (cs.control.thread.give-back); one agent removes the `escalated` label and the hold. It only sends that request.
import { pathToFileURL } from 'node:url';
import { Bus } from '../bus/bus.ts';
import { contracts } from '../bus/contracts.ts';
import { loadConfigOrExit } from './config-or-exit.ts';
import type { GiveBack, GiveBackReply } from '../schemas/work.ts';
import { createLogger } from '../telemetry/logger.ts';

const usage = 'usage: npm run give-back -- <thread-id> [--by NAME] [--note TEXT]';

/** The request from the command line, or the one line saying what is wrong with it. */
export function parseGiveBackArgs(
  argv: readonly string[],
  defaultBy: string,
): { ok: true; request: GiveBack } | { ok: false; problem: string } {
  let threadId: string | undefined;
  let by = defaultBy;
  let note: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--by' || arg === '--note') {
      const value = argv[++i];
      if (value === undefined || value.trim() === '') return { ok: false, problem: `${arg} needs a value` };
      if (arg === '--by') by = value.trim();
      else note = value.trim();
    } else if (arg.startsWith('--')) return { ok: false, problem: `unknown flag ${arg}` };
    else if (threadId === undefined) threadId = arg;
    else return { ok: false, problem: `one thread id only (got ${arg} too)` };
  }
  if (threadId === undefined) return { ok: false, problem: 'a thread id is needed' };
  if (by.length > 200 || (note ?? '').length > 1000)
    return { ok: false, problem: '--by is at most 200 characters, --note at most 1000' };
  return { ok: true, request: { type: 'give-back', threadId, by, ...(note !== undefined ? { note } : {}) } };
}

/** Sends one give-back and returns the agent's answer (throws BusUnavailableError when no agent answers). */
export function requestGiveBack(bus: Bus, request: GiveBack, timeoutMs = 10_000): Promise<GiveBackReply> {
  return bus.request(contracts.giveBack, {}, request, timeoutMs);
}

async function main(): Promise<void> {
  const parsed = parseGiveBackArgs(process.argv.slice(2), process.env['USER'] || 'ops');
  if (!parsed.ok) {
    process.stderr.write(`${parsed.problem}\n${usage}\n`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  const bus = await Bus.connect({
    servers: config.natsServers,
    name: 'cs-give-back',
    logger: createLogger('error', {}),
  });
  try {
    const reply = await requestGiveBack(bus, parsed.request);
    process.stdout.write(`${JSON.stringify(reply)}\n`);
    process.exitCode = reply.outcome === 'given-back' || reply.outcome === 'not-held' ? 0 : 1;
  } catch (e) {
    process.stderr.write(`no agent answered: ${(e as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await bus.drain();
  }
}

// Run only as the command, so tests can import the parser and the request.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
