// Tests for finding the webhook signing secret: env value, existing file, or a new 0600 file in a temp folder.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { WebhookSecretError } from '../../../gateway/errors.ts';
import { createWebhookVerifier } from '../../../gateway/webhook.ts';
import { loadOrCreateWebhookSecret, WEBHOOK_SECRET_FILE } from '../../../gateway/webhook-secret.ts';
import { randomWebhookSecret } from '../../../scripts/sign-webhook.ts';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('webhook-secret', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webhook-secret-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses the environment value and writes no file', async () => {
    const env = randomWebhookSecret();
    const result = await loadOrCreateWebhookSecret(dir, env);
    expect(result).to.deep.equal({ secret: env, path: undefined, created: false });
    expect(await rejection(stat(join(dir, WEBHOOK_SECRET_FILE)))).to.have.property('code', 'ENOENT');
  });

  it('prefers the environment value over an existing file', async () => {
    await writeFile(join(dir, WEBHOOK_SECRET_FILE), randomWebhookSecret());
    const env = randomWebhookSecret();
    expect((await loadOrCreateWebhookSecret(dir, env)).secret).to.equal(env);
  });

  it('rejects an environment value without the whsec_ prefix, naming the variable', async () => {
    const err = await rejection(loadOrCreateWebhookSecret(dir, 'sk_live_abc'));
    expect(err).to.be.instanceOf(WebhookSecretError);
    expect(err.message).to.include('AGENTMAIL_WEBHOOK_SECRET').and.include('whsec_');
  });

  it('rejects an environment value that is not base64 after the prefix', async () => {
    for (const bad of ['whsec_', 'whsec_not base64!', 'whsec_abc']) {
      expect(await rejection(loadOrCreateWebhookSecret(dir, bad))).to.be.instanceOf(WebhookSecretError);
    }
  });

  it('creates a whsec_ secret with mode 0600 that svix accepts, then reads the same one back', async () => {
    const first = await loadOrCreateWebhookSecret(dir);
    expect(first.created).to.equal(true);
    expect(first.path).to.equal(join(dir, WEBHOOK_SECRET_FILE));
    expect(first.secret).to.match(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect((await stat(first.path!)).mode & 0o777).to.equal(0o600);
    expect(() => createWebhookVerifier(first.secret)).not.to.throw();

    const second = await loadOrCreateWebhookSecret(dir);
    expect(second).to.deep.equal({ secret: first.secret, path: first.path, created: false });
  });

  it('creates the data folder when it does not exist yet', async () => {
    const nested = join(dir, 'a', 'b');
    const result = await loadOrCreateWebhookSecret(nested);
    expect(result.created).to.equal(true);
    expect((await readFile(join(nested, WEBHOOK_SECRET_FILE), 'utf8')).trim()).to.equal(result.secret);
  });

  it('gives two concurrent first starts the same secret', async () => {
    const [a, b] = await Promise.all([loadOrCreateWebhookSecret(dir), loadOrCreateWebhookSecret(dir)]);
    expect(a.secret).to.equal(b.secret);
    expect([a.created, b.created].filter(Boolean)).to.have.length(1);
  });

  it('rejects a corrupted secret file instead of replacing it', async () => {
    await writeFile(join(dir, WEBHOOK_SECRET_FILE), 'garbage');
    const err = await rejection(loadOrCreateWebhookSecret(dir));
    expect(err).to.be.instanceOf(WebhookSecretError);
    expect(err.message).to.include(WEBHOOK_SECRET_FILE);
    expect(await readFile(join(dir, WEBHOOK_SECRET_FILE), 'utf8')).to.equal('garbage');
  });
});
