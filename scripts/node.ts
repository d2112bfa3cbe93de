// The process entry point: validate config, find (or start) NATS, run the chosen actors, drain on SIGINT/SIGTERM.
import { connect } from '@nats-io/transport-node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../actors/runtime/config.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { findNatsServer, startLocalNats, type LocalNats } from '../actors/node/nats-server.ts';
import {
  defaultActors,
  parseActorSpec,
  runNode,
  type ActorSpec,
  type RunningNode,
} from '../actors/node/host.ts';
import { factories } from '../actors/node/registry.ts';
import { natsSecurityOptions } from '../bus/nats-auth.ts';

const EXIT_CONFIG = 2;
const EXIT_NO_NATS = 3;

async function natsAnswers(config: Config): Promise<boolean> {
  try {
    const nc = await connect({
      ...natsSecurityOptions(config.natsSecurity),
      servers: config.natsServers,
      timeout: 1_500,
      maxReconnectAttempts: 0,
    });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

/** NATS from the config; if nothing answers on loopback and nats-server is installed, start one in the data folder. */
async function ensureNats(config: Config, logger: Logger): Promise<LocalNats | undefined> {
  if (await natsAnswers(config)) return undefined;
  const first = new URL(config.natsServers[0]!);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(first.hostname);
  if (config.natsServers.length === 1 && loopback && findNatsServer()) {
    const dir = join(config.dataDir, 'nats');
    const local = await startLocalNats({ dir, port: Number(first.port || 4222) });
    logger.info(
      `nothing answered on ${config.natsServers[0]}: started nats-server with JetStream (data in ${dir}, pid ${local.nodes[0]?.proc?.pid})`,
    );
    return local;
  }
  process.stderr.write(
    `No NATS at ${config.natsServers.join(',')}: install it (sudo apt-get install nats-server) or run \`docker compose up nats\`, or set NATS_URL.\n`,
  );
  process.exit(EXIT_NO_NATS);
}

export async function main(argv: string[]): Promise<void> {
  let config: Config;
  let specs: ActorSpec[];
  try {
    const { values } = parseArgs({ args: argv, options: { actors: { type: 'string' } }, strict: true });
    // A .env file in the working directory fills variables the environment does not set.
    if (existsSync('.env')) process.loadEnvFile('.env');
    config = loadConfig();
    // A credentials file that cannot be read is a configuration mistake: one line and exit 2, like a bad variable.
    natsSecurityOptions(config.natsSecurity);
    specs = parseActorSpec(values.actors ?? process.env['ACTORS'] ?? defaultActors);
  } catch (e) {
    process.stderr.write(`${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
    process.exit(EXIT_CONFIG);
  }
  const logger = createLogger(config.logLevel, { nodeId: config.nodeId });
  const nats = await ensureNats(config, logger);
  let node: RunningNode;
  try {
    node = await runNode({ config, specs, logger, factories });
  } catch (e) {
    // Never leave a nats-server we started behind us.
    await nats?.stop();
    process.stderr.write(`could not start the node: ${(e as Error).message}\n`);
    process.exit(e instanceof ConfigError ? EXIT_CONFIG : 1);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: draining`);
    void (async () => {
      await node.stop();
      await nats?.stop();
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Any actor stopped through its control subject: when all have, the process ends.
  void Promise.all(node.actors.map((a) => a.stopped)).then(() => shutdown('all actors stopped'));
}
