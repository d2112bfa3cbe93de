// The local nats-server launcher (npm start's fallback, every suite's servers): a port another process takes between
// choosing it and binding it costs a restart on new ports, not a failed start.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findNatsServer,
  freePort,
  startLocalNats,
  type LocalNats,
} from '../../../actors/node/nats-server.ts';

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : 0 });
    });
  });
}

describe('local nats-server launcher', function () {
  this.timeout(60_000);
  let dir: string;
  let nats: LocalNats | undefined;
  let taken: { server: Server; port: number } | undefined;

  before(function () {
    if (!findNatsServer()) this.skip();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-local-nats-'));
    taken = await listen();
  });
  afterEach(async () => {
    await nats?.stop();
    nats = undefined;
    taken?.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const size of [1, 3] as const) {
    it(`starts ${size === 1 ? 'a server' : 'a 3-server cluster'} on new ports when a chosen one was taken meanwhile`, async () => {
      let handedOut = 0;
      // The first port handed out is one another process already listens on, as a race would leave it.
      const ports = async () => (handedOut++ === 0 ? taken!.port : freePort());
      nats = await startLocalNats({ dir, size, ports });
      expect(nats.servers).to.have.length(size);
      expect(nats.servers.map((s) => Number(new URL(s).port))).to.not.include(taken!.port);
      const r = await fetch(`http://127.0.0.1:${nats.nodes[0]!.monitorPort}/healthz`);
      expect(r.ok).to.equal(true);
    });
  }

  it('says so when the port it was told to use is taken, after its retries', async () => {
    let failure: Error | undefined;
    try {
      nats = await startLocalNats({ dir, port: taken!.port });
    } catch (e) {
      failure = e as Error;
    }
    expect(failure?.message).to.match(/^nats-server n1 exited with 1$/);
  });
});
