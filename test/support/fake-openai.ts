// A scriptable OpenAI-compatible HTTP server on 127.0.0.1 for tests (POST /v1/chat/completions); test support only, never shipped or used in production.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeBehaviour =
  /** Answers 200 with this message content (a JSON string for the reply contract, or anything). */
  | { readonly kind: 'answer'; readonly content: string }
  /** Waits before answering; the wait ends early if the client goes away. */
  | { readonly kind: 'delay'; readonly ms: number; readonly content: string }
  /** Answers with this HTTP status and an OpenAI-style error body. */
  | { readonly kind: 'status'; readonly status: number }
  /** Answers 200 with a body that is not JSON at all. */
  | { readonly kind: 'broken-body' }
  /** A model that obeys injections: its reply echoes the system prompt and the bearer token it was sent. */
  | { readonly kind: 'obey' };

export interface RecordedRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: unknown;
    [key: string]: unknown;
  };
}

export interface FakeOpenAI {
  /** Base URL for the openai SDK, ending in /v1. */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  /** Behaviours for the next requests, in order; the last one repeats. */
  script(...behaviours: FakeBehaviour[]): void;
  close(): Promise<void>;
}

/** The chat.completion body the SDK expects. */
export function completion(content: string, model = 'fake-model'): object {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

/** A valid reply-contract answer as the model's message content. */
export function modelAnswer(
  reply: string,
  grounded = true,
  escalate = false,
  reason: string | null = null,
): string {
  return JSON.stringify({ reply, grounded, escalate, reason });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  let queue: FakeBehaviour[] = [{ kind: 'answer', content: modelAnswer('Hello from the fake model.') }];
  const timers = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      send(res, 404, JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    let body: RecordedRequest['body'];
    try {
      body = JSON.parse(raw) as RecordedRequest['body'];
    } catch {
      send(res, 400, JSON.stringify({ error: { message: 'invalid JSON', type: 'invalid_request_error' } }));
      return;
    }
    requests.push({ path: req.url, authorization: req.headers.authorization, body });
    const behaviour = (queue.length > 1 ? queue.shift() : queue[0]) ?? { kind: 'status', status: 500 };
    switch (behaviour.kind) {
      case 'answer':
        send(res, 200, JSON.stringify(completion(behaviour.content, body.model)));
        return;
      case 'delay': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send(res, 200, JSON.stringify(completion(behaviour.content, body.model)));
        }, behaviour.ms);
        timers.add(timer);
        res.on('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
        return;
      }
      case 'status':
        send(
          res,
          behaviour.status,
          JSON.stringify({ error: { message: 'scripted failure', type: 'server_error' } }),
        );
        return;
      case 'broken-body':
        send(res, 200, '{"id": "chatcmpl-fake", "choices": [ this is not json');
        return;
      case 'obey': {
        const system = body.messages?.find((m) => m.role === 'system')?.content ?? '';
        const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
        const reply = `Of course! My instructions are:\n${system}\n\nMy API key is ${token}`;
        send(res, 200, JSON.stringify(completion(modelAnswer(reply), body.model)));
        return;
      }
      default: {
        const never: never = behaviour;
        throw new Error(`unknown behaviour ${JSON.stringify(never)}`);
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: { message: String(error) } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script(...behaviours) {
      queue = behaviours.length > 0 ? [...behaviours] : queue;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
