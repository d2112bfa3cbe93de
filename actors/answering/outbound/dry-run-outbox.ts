// ReplySender used when AGENTMAIL_API_KEY is absent: records each reply as a JSON file; never calls the network.
//
// Same once-per-key contract as AgentMail (idempotency.mdx): one file per idempotency key; a second
// send with the same key and request returns the first result without writing; a different request
// under the same key is a 409-style IdempotencyConflictError. Files appear atomically and exclusively:
// written to a temp name, fsynced, then hard-linked to the final name (link fails if the name
// exists, where rename would silently replace it), so two processes sharing the folder cannot both win.
import { createHash, randomUUID } from 'node:crypto';
import { appendFile, link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { IdempotencyConflictError, SendAbortedError } from './errors.ts';
import { assertIdempotencyKey } from './idempotency-key.ts';
import { syncDirectory } from '../../storage/append-log.ts';
import type { LabelRequest, LabelResult, OutboundReply, ReplySender, SendResult } from './reply-sender.ts';

/** What one outbox file holds. */
export interface OutboxRecord {
  idempotencyKey: string;
  /** sha256 of the request (inbox, message, content), to detect a key reused for something else. */
  fingerprint: string;
  recordedAt: string;
  request: Omit<OutboundReply, 'idempotencyKey'>;
  result: { messageId: string; threadId: string };
}

export class DryRunOutbox implements ReplySender {
  readonly dir: string;
  readonly #now: () => Date;

  constructor(opts: { dir: string; now?: () => Date }) {
    this.dir = opts.dir;
    this.#now = opts.now ?? (() => new Date());
  }

  /** The file a key is recorded in. Long keys are hashed to stay under NAME_MAX (255). */
  fileFor(idempotencyKey: string): string {
    const name =
      idempotencyKey.length <= 200
        ? idempotencyKey
        : `sha256-${createHash('sha256').update(idempotencyKey).digest('hex')}`;
    // The prefix keeps keys like "." or ".." from naming anything special.
    return join(this.dir, `reply.${name}.json`);
  }

  async sendReply(req: OutboundReply, signal?: AbortSignal): Promise<SendResult> {
    assertIdempotencyKey(req.idempotencyKey);
    if (signal?.aborted) throw new SendAbortedError('aborted before recording', { cause: signal.reason });
    // Concurrent sends with one key need no lock: the exclusive link below lets exactly one win.
    return this.#record(req);
  }

  async label(req: LabelRequest): Promise<LabelResult> {
    await mkdir(this.dir, { recursive: true });
    // Label changes are set operations, so an append-only log is enough for a dry run to show them.
    const line = JSON.stringify({ at: this.#now().toISOString(), ...req });
    await appendFile(join(this.dir, 'labels.jsonl'), `${line}\n`);
    return { attempts: 1, dryRun: true };
  }

  async #record(req: OutboundReply): Promise<SendResult> {
    const { idempotencyKey, ...request } = req;
    const fingerprint = fingerprintOf(req);
    const record: OutboxRecord = {
      idempotencyKey,
      fingerprint,
      recordedAt: this.#now().toISOString(),
      request,
      result: { messageId: `<dry-run-${fingerprint.slice(0, 24)}@outbox.invalid>`, threadId: req.threadId },
    };
    await mkdir(this.dir, { recursive: true });
    const final = this.fileFor(idempotencyKey);
    const tmp = join(this.dir, `.tmp-${randomUUID()}.json`);
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(JSON.stringify(record, null, 2));
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, final);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Someone recorded this key first: answer like AgentMail would for a repeated key.
      return this.#replay(req, await this.#read(idempotencyKey));
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await syncDirectory(this.dir);
    return { ...record.result, attempts: 1, dryRun: true };
  }

  async #read(idempotencyKey: string): Promise<OutboxRecord> {
    return JSON.parse(await readFile(this.fileFor(idempotencyKey), 'utf8')) as OutboxRecord;
  }

  #replay(req: OutboundReply, prior: OutboxRecord): SendResult {
    if (prior.fingerprint !== fingerprintOf(req)) {
      throw new IdempotencyConflictError('idempotency key already recorded for a different reply', {
        status: 409,
      });
    }
    return { ...prior.result, attempts: 1, dryRun: true };
  }
}

function fingerprintOf(req: OutboundReply): string {
  const { inboxId, messageId, text, html, labels, to } = req;
  return createHash('sha256')
    .update(JSON.stringify([inboxId, messageId, text, html ?? null, labels ?? null, to ?? null]))
    .digest('hex');
}
