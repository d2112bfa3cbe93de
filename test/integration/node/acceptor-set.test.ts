// Two quorums by accident: a node whose acceptor set leaves out acceptors heard on the bus, or a node on several NATS
// servers that names no set, must refuse to start (exit 2, one line) instead of deciding with a quorum of its own.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testNats, type TestNats } from '../../support/nats.ts';
import { ProcessGroup } from '../../support/processes.ts';

/** Runs the entry point to its end; resolves with its exit code and stderr. */
function runToExit(
  env: Record<string, string>,
  actors: string,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/agentmail-cs.js', '--actors', actors], {
      env: { ...process.env, LOG_LEVEL: 'error', HEALTH_CHECK_INTERVAL: '1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stderr });
    });
  });
}

describe('acceptor set check at start', function () {
  this.timeout(120_000);
  let single: TestNats;
  let cluster: TestNats;
  let group: ProcessGroup;
  let dir: string;

  before(async () => {
    [single, cluster] = await Promise.all([testNats({ own: true }), testNats({ own: true, size: 3 })]);
    group = await ProcessGroup.create('cs-acceptor-set-');
    dir = await mkdtemp(join(tmpdir(), 'cs-acceptor-set-'));
  });
  after(async () => {
    await group?.killAll();
    await Promise.all([single?.stop(), cluster?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a node without PAXOS_ACCEPTORS once another node’s acceptors are heard on the bus', async () => {
    await group.spawn({
      nodeId: 'first',
      actors: 'acceptor,proposer',
      env: { NATS_URL: single.servers[0]!, HEALTH_CHECK_INTERVAL: '1' },
    });
    const r = await runToExit(
      { NATS_URL: single.servers[0]!, NODE_ID: 'second', DATA_DIR: join(dir, 'second') },
      'acceptor,proposer',
    );
    expect(r.code).to.equal(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0])
      .to.match(/PAXOS_ACCEPTORS/)
      .and.match(/first-acceptor-0/);
  });

  it('refuses a node whose PAXOS_ACCEPTORS leaves out an acceptor heard on the bus', async () => {
    const r = await runToExit(
      {
        NATS_URL: single.servers[0]!,
        NODE_ID: 'third',
        DATA_DIR: join(dir, 'third'),
        PAXOS_ACCEPTORS: 'third-acceptor-0,x-acceptor-0,y-acceptor-0',
      },
      'proposer',
    );
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr)
      .to.match(/PAXOS_ACCEPTORS/)
      .and.match(/first-acceptor-0/);
  });

  it('refuses a Paxos node on several NATS servers that names no acceptor set', async () => {
    const r = await runToExit(
      { CLUSTER_NODES: cluster.servers.join(','), NODE_ID: 'lone', DATA_DIR: join(dir, 'lone') },
      'acceptor:3,proposer,learner',
    );
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr)
      .to.match(/PAXOS_ACCEPTORS/)
      .and.match(/3 NATS servers/);
  });

  it('starts a node whose PAXOS_ACCEPTORS names every acceptor heard', async () => {
    await group.spawn({
      nodeId: 'fourth',
      actors: 'proposer',
      env: {
        NATS_URL: single.servers[0]!,
        HEALTH_CHECK_INTERVAL: '1',
        PAXOS_ACCEPTORS: 'first-acceptor-0',
      },
    });
  });
});
