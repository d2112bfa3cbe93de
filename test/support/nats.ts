// Gives a test suite a NATS server: NATS_URL if set (shared), else a nats-server child on free ports, else Docker.
// Every server it starts is stopped by the suite's after hook.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  findNatsServer,
  startLocalNats,
  type LocalNats,
  type ServerConfig,
} from '../../actors/node/nats-server.ts';

export interface TestNats {
  servers: string[];
  /** Present when this suite owns the servers (so it may kill and restart them). */
  local: LocalNats | undefined;
  stop(): Promise<void>;
}

function dockerAnswers(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
}

/**
 * `own: true` asks for servers this suite may kill (never the shared NATS_URL one); `size` 3 or 5 a cluster.
 */
export async function testNats(
  opts: { own?: boolean; size?: 1 | 3 | 5; config?: ServerConfig } = {},
): Promise<TestNats> {
  const size = opts.size ?? 1;
  const shared = process.env['NATS_URL'];
  if (shared && !opts.own && !opts.config && size === 1)
    return { servers: shared.split(','), local: undefined, stop: async () => undefined };
  if (findNatsServer()) {
    const dir = await mkdtemp(join(tmpdir(), 'cs-nats-'));
    const local = await startLocalNats({ dir, size, ...(opts.config ? { config: opts.config } : {}) });
    return {
      servers: local.servers,
      local,
      async stop() {
        await local.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  if (size === 1 && dockerAnswers()) {
    // Imported only here: @testcontainers/nats needs a Docker engine (and crashes at import on some Node versions).
    const { NatsContainer } = await import('@testcontainers/nats');
    const c = await new NatsContainer('nats:2.10-alpine').withJetStream().start();
    const o = c.getConnectionOptions();
    // nats.js takes credentials in the server URL.
    const url = `nats://${o.user}:${o.pass}@${String(o.servers)}`;
    return { servers: [url], local: undefined, stop: async () => void (await c.stop()) };
  }
  throw new Error(
    'no NATS for tests: set NATS_URL, install nats-server (apt-get install nats-server), or run Docker',
  );
}
