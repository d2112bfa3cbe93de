// End-to-end, the README's walkthrough as a person does it: `npm start`'s entry point, `agentmail-ops watch` in a
// second terminal while `npm run demo` runs in a third, then `agentmail-ops trace` on one of the demo's emails.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort } from '../../actors/node/nats-server.ts';
import { defaultActors } from '../../actors/node/host.ts';
import { testNats, type TestNats } from '../support/nats.ts';
import { runOps, type OpsRun } from '../support/ops-cli.ts';
import { ProcessGroup, type NodeProcess } from '../support/processes.ts';

const root = join(import.meta.dirname, '..', '..');

/** `npm run demo` as its script runs it, to its end. */
function runDemo(env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', 'scripts/demo.ts'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

describe('the ops walkthrough: npm start, watch while the demo runs, trace one email', function () {
  this.timeout(180_000);
  let nats: TestNats;
  let group: ProcessGroup;
  let node: NodeProcess;
  let env: Record<string, string>;

  before(async function () {
    nats = await testNats({ own: true });
    group = await ProcessGroup.create('cs-ops-walkthrough-');
    const port = await freePort();
    env = { NATS_URL: nats.servers.join(','), FLASK_PORT: String(port) };
    // What `npm start` runs with nothing configured: dry-run, the webhook secret made in DATA_DIR.
    node = await group.spawn({
      nodeId: 'walk',
      actors: defaultActors,
      env: {
        ...env,
        HEALTH_CHECK_INTERVAL: '1',
        STATE_REPLICATION_FACTOR: '1',
        AGENTMAIL_API_KEY: '',
        AGENTMAIL_WEBHOOK_SECRET: '',
      },
    });
  });

  after(async function () {
    await group?.killAll();
    await nats?.stop();
  });

  it('watch shows every demo email from webhook to outcome, and trace follows one of them', async function () {
    let demo: Promise<{ code: number | null; stdout: string }> | undefined;
    const watched: OpsRun = await runOps(['watch'], {
      env,
      onStderr: (text, interrupt) => {
        if (!text.includes('watching') || demo) return;
        demo = runDemo({ ...env, DATA_DIR: node.dataDir });
        // Ctrl-C once the demo has printed every outcome (it waits for each one's final event).
        void demo.then(() => setTimeout(interrupt, 1_000));
      },
    });
    const shown = await demo!;
    expect(shown.code, shown.stdout).to.equal(0);
    expect(watched.code, watched.stderr).to.equal(0);
    const ids = [...shown.stdout.matchAll(/^message: +(\S+)/gm)].map((m) => m[1]!);
    expect(ids).to.have.length(6);
    const lines = watched.stdout.trim().split('\n');
    for (const id of ids) {
      const mine = lines.filter((l) => l.includes(`msg=${id}`));
      expect(mine.length, `events of ${id}`).to.be.greaterThan(0);
      expect(
        mine.some((l) => / (reply\.dry-run|escalation\.queued|mail\.not-answered) /.test(l)),
        id,
      ).to.equal(true);
    }

    const first = ids[0]!;
    const traced = await runOps(['trace', first], { env });
    expect(traced.code, traced.stderr).to.equal(0);
    expect(traced.stdout.split('\n')[0]).to.match(
      new RegExp(`^message ${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}  thread thd_demo_\\S+_login$`),
    );
    expect(traced.stdout)
      .to.match(/ mail\.routed /)
      .and.match(/ reply\.dry-run /);
    expect(traced.stdout).to.match(/^owners:\n {2}epoch 0 {2}walk-agent-\d/m);
    expect(traced.stdout).to.match(
      /^reply record: sent \(dry run: to the outbox, not AgentMail\) by walk-agent-\d \(epoch 0\)/m,
    );
  });
});
