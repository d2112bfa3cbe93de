// agentmail-ops: watch and steer a running cluster over NATS. Exit 0 when done, 1 when the cluster could not be
// read or an actor did not answer, 2 (one line) for a bad command, flag or variable.
import { parseArgs } from 'node:util';
import type { Bus } from '../bus/bus.ts';
import type { ClusterState } from '../schemas/cluster-state.ts';
import { assignments } from './assignments.ts';
import { control } from './control.ts';
import { knownKind, parseDuration, renderTrace } from './core/events.ts';
import { renderStatus } from './core/status.ts';
import { deadLetterTable, getDeadLetter, listDeadLetters, replay } from './dead-letters.ts';
import { readStatus } from './status.ts';
import { connectTarget, resolveTarget, UsageError } from './target.ts';
import { readTrace } from './trace.ts';
import { watch } from './watch.ts';

export const usage = `usage: agentmail-ops [--nats URL | --state FILE] <command>
  status [--json] [--wait 3s]                       actors, health, load, owners, stream depths, consumer lags
  watch [--thread T] [--actor A] [--kind K] [--json] [--count N] [--for 30s]
                                                    live events, one line each (K: event, its area, or actor kind)
  trace <message-id> [--since 1h] [--json]          one email's events, owners by epoch and reply record
  assignments [thread]                              current owners, or one thread's owner per epoch
  dead-letters [list | show <seq> | replay <seq> | replay --all]
  drain <actor-id> | stop <actor-id>                a command on the actor's control subject
NATS comes from --nats, --state (npm run cluster's cluster.json), NATS_URL/CLUSTER_NODES and the NATS_* credentials
as the nodes read them, or .data/cluster/cluster.json when that exists.`;

const options = {
  nats: { type: 'string' },
  state: { type: 'string' },
  json: { type: 'boolean' },
  wait: { type: 'string' },
  thread: { type: 'string' },
  actor: { type: 'string' },
  kind: { type: 'string' },
  count: { type: 'string' },
  for: { type: 'string' },
  since: { type: 'string' },
  all: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** Which flags each command takes besides --nats and --state. */
const commandFlags: Record<string, (keyof Flags)[]> = {
  status: ['json', 'wait'],
  watch: ['thread', 'actor', 'kind', 'json', 'count', 'for'],
  trace: ['since', 'json'],
  assignments: [],
  'dead-letters': ['all', 'json'],
  drain: [],
  stop: [],
};

function duration(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  if (ms === undefined)
    throw new UsageError(`--${flag} must be a duration like 90s, 30m, 2h or 1d (got ${JSON.stringify(raw)})`);
  return ms;
}

function positiveInteger(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(raw))
    throw new UsageError(`--${flag} must be a positive integer (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

function arity(command: string, args: string[], min: number, max: number, what: string): void {
  if (args.length < min || args.length > max) throw new UsageError(`${command} takes ${what}`);
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTty: boolean;
  env: NodeJS.ProcessEnv;
  interrupted: Promise<void>;
}

async function run(
  bus: Bus,
  command: string,
  args: string[],
  f: Flags,
  io: Io,
  state: ClusterState | undefined,
): Promise<number> {
  const colour = io.isTty && !io.env['NO_COLOR'];
  switch (command) {
    case 'status': {
      arity(command, args, 0, 0, 'no arguments');
      const waitMs = duration('wait', f.wait);
      const snapshot = await readStatus(bus, {
        ...(waitMs !== undefined ? { waitMs } : {}),
        ...(state ? { state } : {}),
      });
      io.out(f.json ? JSON.stringify(snapshot, null, 2) : renderStatus(snapshot));
      if (snapshot.actors.every((a) => a.status === 'not heard')) {
        io.err(
          `heard no heartbeat in ${((waitMs ?? 2_500) / 1000).toFixed(1)} s: is the cluster running, and on this NATS?`,
        );
        return 1;
      }
      return 0;
    }
    case 'watch': {
      arity(command, args, 0, 0, 'no arguments (filters are --thread, --actor, --kind)');
      if (f.kind !== undefined && !knownKind(f.kind))
        throw new UsageError(
          `--kind ${JSON.stringify(f.kind)} is no event, event area or actor kind (docs/OPERATIONS.md, Events)`,
        );
      const count = positiveInteger('count', f.count);
      const forMs = duration('for', f.for);
      io.err(
        `watching cs.events.*${f.thread || f.actor || f.kind ? ' (filtered)' : ''}${count ? `, until ${count} line(s)` : ''} (Ctrl-C to stop)`,
      );
      await watch(bus, {
        filter: {
          ...(f.thread !== undefined ? { threadId: f.thread } : {}),
          ...(f.actor !== undefined ? { actorId: f.actor } : {}),
          ...(f.kind !== undefined ? { kind: f.kind } : {}),
        },
        json: f.json ?? false,
        colour,
        ...(count !== undefined ? { count } : {}),
        ...(forMs !== undefined ? { forMs } : {}),
        write: io.out,
        interrupted: io.interrupted,
      });
      return 0;
    }
    case 'trace': {
      arity(command, args, 1, 1, 'one message id');
      const trace = await readTrace(bus, args[0]!, duration('since', f.since) ?? 3_600_000);
      io.out(f.json ? JSON.stringify(trace, null, 2) : renderTrace(trace, colour));
      if (!f.json && trace.note) io.err(trace.note);
      return trace.events.length > 0 || trace.reply ? 0 : 1;
    }
    case 'assignments': {
      arity(command, args, 0, 1, 'at most one thread id');
      const found = await assignments(bus, args[0]);
      (found.found ? io.out : io.err)(found.text);
      return found.found ? 0 : 1;
    }
    case 'dead-letters': {
      const [verb = 'list', seqRaw] = args;
      if (verb === 'list') {
        arity(command, args, 0, 1, 'list, show <seq>, replay <seq> or replay --all');
        const letters = await listDeadLetters(bus);
        io.out(f.json ? JSON.stringify(letters, null, 2) : deadLetterTable(letters));
        return 0;
      }
      if (verb === 'replay' && f.all) {
        arity(command, args, 1, 1, 'replay --all without a sequence number');
        const letters = await listDeadLetters(bus);
        for (const d of letters) io.out(await replay(bus, d));
        if (letters.length === 0) io.out('no dead letters');
        return 0;
      }
      if (verb !== 'show' && verb !== 'replay')
        throw new UsageError(`dead-letters ${verb}: not list, show or replay`);
      arity(command, args, 2, 2, `${verb} <seq>`);
      if (!/^[1-9]\d*$/.test(seqRaw ?? ''))
        throw new UsageError(`dead-letters ${verb} takes a sequence number (got ${JSON.stringify(seqRaw)})`);
      const seq = Number(seqRaw);
      const d = await getDeadLetter(bus, seq);
      io.out(verb === 'show' ? JSON.stringify({ seq: d.seq, ...d.letter }, null, 2) : await replay(bus, d));
      return 0;
    }
    case 'drain':
    case 'stop':
      arity(command, args, 1, 1, 'one actor id');
      io.out(await control(bus, command, args[0]!));
      return 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

/** Runs one command; the exit code it returns is the process's. */
export async function main(argv: string[], io: Io): Promise<number> {
  let bus: Bus | undefined;
  try {
    const { values: f, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
    });
    const [command, ...args] = positionals;
    if (f.help || command === undefined) {
      (f.help ? io.out : io.err)(usage);
      return f.help ? 0 : 2;
    }
    const allowed = commandFlags[command];
    if (!allowed) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    for (const name of Object.keys(f) as (keyof Flags)[])
      if (name !== 'nats' && name !== 'state' && !allowed.includes(name))
        throw new UsageError(`${command} does not take --${name}`);
    if (f.nats !== undefined && f.state !== undefined)
      throw new UsageError('give --nats or --state, not both');
    const target = resolveTarget(
      {
        ...(f.nats !== undefined ? { nats: f.nats } : {}),
        ...(f.state !== undefined ? { state: f.state } : {}),
      },
      io.env,
    );
    bus = await connectTarget(target);
    return await run(bus, command, args, f, io, target.state);
  } catch (e) {
    const usageError = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.err(`agentmail-ops: ${(e as Error).message}${usageError ? ' (agentmail-ops --help)' : ''}`);
    return usageError ? 2 : 1;
  } finally {
    await bus?.drain().catch(() => undefined);
  }
}
