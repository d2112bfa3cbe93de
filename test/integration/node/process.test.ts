// The process entry point as a user runs it: starts every actor kind, answers /health, drains on SIGINT and exits 0.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../actors/node/nats-server.ts';
import { testNats, type TestNats } from '../../support/nats.ts';

function waitExit(p: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve(p.exitCode);
    p.once('exit', (code) => resolve(code));
  });
}

async function waitHealthy(url: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status === 200) return (await r.json()) as Record<string, unknown>;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('agentmail-cs process', function () {
  this.timeout(90_000);
  let nats: TestNats;
  let dir: string;
  let child: ChildProcess | undefined;
  let output = '';

  before(async () => {
    nats = await testNats({ own: true });
    dir = await mkdtemp(join(tmpdir(), 'cs-process-'));
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(output.slice(-4000));
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });
  after(async () => {
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts every actor kind, serves /health, and drains on SIGINT with exit code 0', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['bin/agentmail-cs.js'], {
      env: {
        ...process.env,
        NATS_URL: nats.servers[0],
        NODE_ID: 'proc',
        FLASK_PORT: String(port),
        METRICS_PORT: String(await freePort()),
        GATEWAY_HOST: '127.0.0.1',
        DATA_DIR: dir,
        LOG_LEVEL: 'info',
        AGENTMAIL_API_KEY: '',
        OPENAI_API_KEY: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));

    const health = await waitHealthy(`http://127.0.0.1:${port}/health`, 60_000);
    expect(health).to.include({ status: 'healthy', node_id: 'proc' });
    // Every kind of the default set reported itself started.
    for (const kind of ['gateway', 'processor', 'proposer', 'acceptor', 'learner', 'agent']) {
      expect(output, `${kind} started`).to.match(
        new RegExp(`"actorId":"proc-${kind}-0"[^\\n]*"message":"actor.started"`),
      );
    }

    child.kill('SIGINT');
    expect(await waitExit(child)).to.equal(0);
    expect(output).to.include('SIGINT: draining');
    expect(output).to.match(/"message":"stopped"/);
  });
});
