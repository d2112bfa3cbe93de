// `npm run cluster -- --nodes 3 [--split]`: a local cluster on 127.0.0.1 (3 NATS servers, N nodes) until Ctrl-C; it
// must not leave anything running: SIGINT/SIGTERM, an exception or a failed start all stop what it started.
import { parseArgs } from 'node:util';
import { parseActorSpec } from '../actors/node/host.ts';
import { clusterTable, startCluster, type LocalCluster } from './cluster/launcher.ts';

const EXIT_USAGE = 2;
const usage =
  'usage: npm run cluster -- [--nodes 1-5] [--split] [--nats 1|3|5] [--dir DIR] [--actors LIST] (LIST as --actors takes it)';

/** The launcher's options from argv; a bad flag is one line naming it. */
function parseClusterArgs(argv: string[]): {
  nodes: number;
  split: boolean;
  natsSize: 1 | 3 | 5;
  dir: string;
  actors: string | undefined;
} {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string', default: '3' },
      split: { type: 'boolean', default: false },
      nats: { type: 'string', default: '3' },
      dir: { type: 'string', default: '.data/cluster' },
      actors: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const nodes = Number(values.nodes);
  if (!/^\d+$/.test(values.nodes) || nodes < 1 || nodes > 5)
    throw new Error(`--nodes must be an integer from 1 to 5 (got ${JSON.stringify(values.nodes)})`);
  if (!['1', '3', '5'].includes(values.nats))
    throw new Error(`--nats must be 1, 3 or 5 (got ${JSON.stringify(values.nats)})`);
  if (values.actors !== undefined) parseActorSpec(values.actors);
  return {
    nodes,
    split: values.split,
    natsSize: Number(values.nats) as 1 | 3 | 5,
    dir: values.dir,
    actors: values.actors,
  };
}

async function main(argv: string[]): Promise<void> {
  let args: ReturnType<typeof parseClusterArgs>;
  try {
    args = parseClusterArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}; ${usage}\n`);
    process.exit(EXIT_USAGE);
  }
  process.stdout.write(
    `starting ${args.natsSize} NATS servers and ${args.nodes} nodes${args.split ? ', one process per actor' : ''} in ${args.dir} ...\n`,
  );
  let cluster: LocalCluster | undefined;
  let stopping = false;
  const shutdown = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${why}: stopping every process\n`);
    void (cluster?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
  };
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('uncaughtException', (e) => shutdown(`error: ${e.message}`, 1));
  try {
    cluster = await startCluster({ ...args, ...(args.actors ? { actors: args.actors } : {}) });
  } catch (e) {
    process.stderr.write(`could not start the cluster: ${(e as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  }
  if (stopping) return void (await cluster.stop());
  process.stdout.write(`${clusterTable(cluster.state())}\n`);
  process.stdout.write(`state: ${cluster.statePath}  webhook secret: ${cluster.state().webhookSecretFile}\n`);
  process.stdout.write('Ctrl-C stops everything.\n');
}

await main(process.argv.slice(2));
