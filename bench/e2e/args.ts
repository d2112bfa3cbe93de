// The end-to-end bench's command line, parsed into one typed value; pure: a bad flag is one UsageError line, never I/O.
import { parseArgs } from 'node:util';

export const usage =
  'usage: npm run bench:e2e -- [--nodes 1|3] [--rate N|max | --sweep N,N,max] [--seconds S] [--api-latency-ms MS] ' +
  '[--model] [--continuing 0..1] [--seed S] [--concurrency N] [--preload THREADS] [--drain-seconds S] [--cpu-prof DIR]';

/** A bad command line: the bench prints the message and the usage on one line each and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One offered load: webhooks per second, or as many as `concurrency` requests in flight allow. */
export type Rate = number | 'max';

export interface E2eArgs {
  nodes: 1 | 3;
  /** The offered loads, run one after another on the same system. */
  rates: Rate[];
  seconds: number;
  apiLatencyMs: number;
  /** A local fake OpenAI-compatible model instead of the built-in responder. */
  model: boolean;
  /** Share of webhooks that continue an earlier conversation instead of starting one. */
  continuing: number;
  /** Seeds which webhooks continue which conversations, so a run can be repeated. */
  seed: number;
  /** Webhooks in flight at most (the whole load at `max`). */
  concurrency: number;
  /** Threads given an owner through Paxos before the load (many live conversations). */
  preload: number;
  /** How long after the load the bench waits for the last replies before it counts the rest as lost. */
  drainSeconds: number;
  cpuProfDir: string | undefined;
}

export const defaults: E2eArgs = {
  nodes: 1,
  rates: [500, 1_000, 1_500],
  seconds: 60,
  apiLatencyMs: 0,
  model: false,
  continuing: 0.2,
  seed: 1,
  concurrency: 64,
  preload: 0,
  drainSeconds: 30,
  cpuProfDir: undefined,
};

function number(flag: string, raw: string, min: number, max: number, integer = true): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new UsageError(
      `--${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got ${JSON.stringify(raw)})`,
    );
  return n;
}

function rate(flag: string, raw: string): Rate {
  return raw === 'max' ? 'max' : number(flag, raw, 1, 100_000);
}

export function parseE2eArgs(argv: readonly string[]): E2eArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        nodes: { type: 'string' },
        rate: { type: 'string' },
        sweep: { type: 'string' },
        seconds: { type: 'string' },
        'api-latency-ms': { type: 'string' },
        model: { type: 'boolean' },
        continuing: { type: 'string' },
        seed: { type: 'string' },
        concurrency: { type: 'string' },
        preload: { type: 'string' },
        'drain-seconds': { type: 'string' },
        'cpu-prof': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  if (values.rate !== undefined && values.sweep !== undefined)
    throw new UsageError('--rate and --sweep exclude each other');
  const nodes = values.nodes === undefined ? defaults.nodes : number('nodes', values.nodes, 1, 3);
  if (nodes === 2) throw new UsageError('--nodes must be 1 or 3 (got "2")');
  const rates =
    values.sweep !== undefined
      ? values.sweep.split(',').map((r) => rate('sweep', r.trim()))
      : values.rate !== undefined
        ? [rate('rate', values.rate)]
        : defaults.rates;
  return {
    nodes: nodes as 1 | 3,
    rates,
    seconds: values.seconds === undefined ? defaults.seconds : number('seconds', values.seconds, 1, 3_600),
    apiLatencyMs:
      values['api-latency-ms'] === undefined
        ? defaults.apiLatencyMs
        : number('api-latency-ms', values['api-latency-ms'], 0, 60_000),
    model: values.model ?? defaults.model,
    continuing:
      values.continuing === undefined
        ? defaults.continuing
        : number('continuing', values.continuing, 0, 1, false),
    seed: values.seed === undefined ? defaults.seed : number('seed', values.seed, 0, 2 ** 31),
    concurrency:
      values.concurrency === undefined
        ? defaults.concurrency
        : number('concurrency', values.concurrency, 1, 4_096),
    preload:
      values.preload === undefined ? defaults.preload : number('preload', values.preload, 0, 1_000_000),
    drainSeconds:
      values['drain-seconds'] === undefined
        ? defaults.drainSeconds
        : number('drain-seconds', values['drain-seconds'], 0, 600),
    cpuProfDir: values['cpu-prof'],
  };
}
