// End-to-end: `npm start`'s entry point with nothing configured but NATS, its status page opened in a real headless
// Chromium (Debian's, driven by playwright-core), signed in with the generated admin token, watched while mail flows.
// Skipped only where no chromium is installed; CI installs it (.ci/run). Everything it starts is stopped by pid.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../../actors/node/nats-server.ts';
import { defaultActors } from '../../actors/node/host.ts';
import { ADMIN_TOKEN_FILE } from '../../gateway/admin-token.ts';
import { check } from '../../schemas/codec.ts';
import { StatusPage } from '../../schemas/status.ts';
import { WEBHOOK_SECRET_FILE } from '../../gateway/webhook-secret.ts';
import { messageReceivedEvent } from '../../scripts/received-event.ts';
import { signWebhook } from '../../scripts/sign-webhook.ts';
import { testNats, type TestNats } from '../support/nats.ts';
import { ProcessGroup, type NodeProcess } from '../support/processes.ts';
import { newMail, testSender } from '../support/received-mail.ts';

const chromiumPath = '/usr/bin/chromium';
/** Without the background-networking flags Chromium keeps calling Google's services, which this network refuses. */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Waits for a condition evaluated in the page (a string: the test's own tsconfig has no DOM types). It polls from
 * here with page.evaluate: waitForFunction polls a string with eval inside the page, which the page's CSP (no
 * 'unsafe-eval') refuses, so it failed whenever the condition was not already true on its first check.
 */
async function until(page: Page, condition: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await page.evaluate(condition))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${condition}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('status page in a browser', function () {
  this.timeout(180_000);
  let nats: TestNats;
  let group: ProcessGroup;
  let node: NodeProcess;
  let browser: Browser | undefined;
  let base: string;

  before(async function () {
    if (!existsSync(chromiumPath)) this.skip();
    nats = await testNats({ own: true });
    group = await ProcessGroup.create('cs-status-page-');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // What `npm start` runs, with no ADMIN_TOKEN and no webhook secret: the gateway makes both in DATA_DIR.
    node = await group.spawn({
      nodeId: 'page',
      actors: defaultActors,
      env: {
        NATS_URL: nats.servers.join(','),
        FLASK_PORT: String(port),
        HEALTH_CHECK_INTERVAL: '1',
        PAXOS_TIMEOUT: '2',
        STATE_REPLICATION_FACTOR: '1',
        ADMIN_TOKEN: '',
        AGENTMAIL_API_KEY: '',
        AGENTMAIL_WEBHOOK_SECRET: '',
      },
    });
    // playwright gives every launch a fresh temporary profile (user-data dir) and removes it on close.
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });

  after(async function () {
    await browser?.close();
    await group?.killAll();
    await nats?.stop();
  });

  it('signs in with the generated token and updates live as mail is answered', async () => {
    const tokenFile = join(node.dataDir, ADMIN_TOKEN_FILE);
    expect(node.output()).to.include(`no ADMIN_TOKEN: made one and saved it in ${tokenFile}`);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(node.output()).to.not.include(token);
    // /status itself wants the token too.
    expect((await fetch(`${base}/status`)).status).to.equal(401);
    expect(
      (await fetch(`${base}/status`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).to.equal(200);

    const page: Page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const failures: string[] = [];
    page.on('pageerror', (e) => failures.push(e.message));
    const first = await page.goto(`${base}/status/page`);
    expect(first?.status()).to.equal(401);
    await page.fill('input[name="token"]', token);
    await Promise.all([page.waitForURL(`${base}/status/page`), page.click('button[type="submit"]')]);

    // Every actor of the default set is listed from its heartbeats, and the agents are healthy.
    await until(page, `document.querySelectorAll('#actors tr').length >= 10`);
    await until(page, `document.getElementById('healthy').textContent === '3'`);
    expect(await page.textContent('#nats')).to.equal('connected');
    // Before any mail the page shows no reply and no webhook rate, so what follows can only be a live update.
    const replyRows = `[...document.querySelectorAll('#events td')].filter((td) => td.textContent === 'reply.dry-run').length`;
    expect(await page.evaluate(replyRows)).to.equal(0);
    expect(Number(await page.textContent('#rate')) > 0, 'no webhook rate yet').to.equal(false);

    // Mail arrives the way AgentMail sends it; the page must show it without a reload.
    const secret = (await readFile(join(node.dataDir, WEBHOOK_SECRET_FILE), 'utf8')).trim();
    for (let i = 0; i < 6; i++) {
      const mail = newMail('status-page', `Order ${i}`, 'Hello, how do I reset my password? Thanks');
      const signed = signWebhook(secret, messageReceivedEvent({ ...mail, from: testSender }));
      const res = await fetch(`${base}/webhook/agentmail`, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
      });
      expect(res.status).to.equal(200);
      await new Promise((r) => setTimeout(r, 150));
    }
    await until(page, `Number(document.getElementById('rate').textContent) > 0`, 15_000);
    await until(page, `${replyRows} > 0`, 60_000);
    const after = await page.screenshot({ fullPage: true });

    // The JSON behind the page keeps the seed's shape, now with the replies in it.
    const status: unknown = await (
      await fetch(`${base}/status`, { headers: { authorization: `Bearer ${token}` } })
    ).json();
    const valid = check<StatusPage>(StatusPage, status);
    expect(valid.ok, valid.ok ? '' : `${valid.failure.instancePath} ${valid.failure.reason}`).to.equal(true);
    const body = status as StatusPage;
    const agents = Object.values(body.agents);
    expect(agents).to.have.length(3);
    for (const a of agents) expect(a).to.include.keys('status', 'load', 'specializations', 'last_heartbeat');
    expect(body.recent_replies.length, 'the replies sent').to.be.greaterThan(0);
    // The README's picture: `STATUS_PAGE_SCREENSHOT=docs/status-page.png npx mocha test/e2e/status-page.test.ts`.
    await writeFile(process.env['STATUS_PAGE_SCREENSHOT'] ?? join(group.dir, 'status-page.png'), after);
    expect(failures, 'no script errors on the page').to.deep.equal([]);
    await page.close();

    // Signed out (a fresh browser context has no cookie): the form again, no data.
    const stranger = await browser!.newContext();
    const res = await (await stranger.newPage()).goto(`${base}/status/live`);
    expect(res?.status()).to.equal(401);
    await stranger.close();
  });
});
