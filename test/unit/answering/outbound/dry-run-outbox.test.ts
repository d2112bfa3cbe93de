// Unit tests for the dry-run outbox: one atomic file per idempotency key, replays, conflicts.
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DryRunOutbox } from '../../../../actors/answering/outbound/dry-run-outbox.ts';
import type { OutboxRecord } from '../../../../actors/answering/outbound/dry-run-outbox.ts';
import { IdempotencyConflictError } from '../../../../actors/answering/outbound/errors.ts';
import type { OutboundReply } from '../../../../actors/answering/outbound/reply-sender.ts';

describe('dry-run-outbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outbox-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const req = (over: Partial<OutboundReply> = {}): OutboundReply => ({
    inboxId: 'support@agentmail.to',
    messageId: '<m1@mail.example.com>',
    threadId: 'thd_1',
    text: 'hello',
    labels: ['owner-a1'],
    idempotencyKey: 'reply-v1-abc',
    ...over,
  });

  it('writes one JSON file named from the idempotency key', async () => {
    const outbox = new DryRunOutbox({ dir: join(dir, 'out') });
    const result = await outbox.sendReply(req());

    expect(result.dryRun).to.equal(true);
    expect(result.attempts).to.equal(1);
    expect(result.threadId).to.equal('thd_1');
    expect(await readdir(join(dir, 'out'))).to.deep.equal(['reply.reply-v1-abc.json']);
    const record = JSON.parse(await readFile(outbox.fileFor('reply-v1-abc'), 'utf8')) as OutboxRecord;
    expect(record.idempotencyKey).to.equal('reply-v1-abc');
    expect(record.request.text).to.equal('hello');
    expect(record.result.messageId).to.equal(result.messageId);
  });

  it('returns the first result for a second send with the same key and writes nothing new', async () => {
    const outbox = new DryRunOutbox({ dir, now: () => new Date('2026-01-01T00:00:00Z') });
    const first = await outbox.sendReply(req());
    const before = await readFile(outbox.fileFor('reply-v1-abc'), 'utf8');
    const second = await new DryRunOutbox({ dir, now: () => new Date('2027-01-01T00:00:00Z') }).sendReply(
      req(),
    );

    expect(second).to.deep.equal(first);
    expect(await readFile(outbox.fileFor('reply-v1-abc'), 'utf8')).to.equal(before);
    expect(await readdir(dir)).to.have.length(1);
  });

  it('writes exactly one file when many sends with one key race', async () => {
    const outboxes = Array.from({ length: 8 }, () => new DryRunOutbox({ dir }));
    const results = await Promise.all(outboxes.map((o) => o.sendReply(req())));

    expect(new Set(results.map((r) => r.messageId)).size).to.equal(1);
    // No temp files are left behind either.
    expect(await readdir(dir)).to.deep.equal(['reply.reply-v1-abc.json']);
  });

  it('refuses the same key for a different reply, like AgentMail’s 409', async () => {
    const outbox = new DryRunOutbox({ dir });
    await outbox.sendReply(req());
    let thrown: unknown;
    try {
      await outbox.sendReply(req({ text: 'different' }));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(IdempotencyConflictError);
  });

  it('writes separate files for separate keys, hashing keys too long for a file name', async () => {
    const outbox = new DryRunOutbox({ dir });
    const long = 'k'.repeat(256);
    await outbox.sendReply(req({ idempotencyKey: 'a' }));
    await outbox.sendReply(req({ idempotencyKey: long }));

    const files = (await readdir(dir)).sort();
    expect(files).to.have.length(2);
    expect(files).to.include('reply.a.json');
    expect(files.every((f) => f.length < 255)).to.equal(true);
  });

  it('rejects an invalid key before writing', async () => {
    const outbox = new DryRunOutbox({ dir });
    let thrown: unknown;
    try {
      await outbox.sendReply(req({ idempotencyKey: '../escape' }));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.have.property('code', 'INVALID_IDEMPOTENCY_KEY');
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('records label changes in a log', async () => {
    const outbox = new DryRunOutbox({ dir });
    const r = await outbox.label({ inboxId: 'i', threadId: 't', add: ['escalated'] });
    expect(r.dryRun).to.equal(true);
    const lines = (await readFile(join(dir, 'labels.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0]!)).to.include({ inboxId: 'i', threadId: 't' });
  });
});
