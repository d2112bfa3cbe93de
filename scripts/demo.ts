// `npm run demo`: posts a few realistic Svix-signed emails to a running node's gateway and prints, per email, owner, classification and reply.
// It only talks to the node the way AgentMail and an operator would (HTTP webhook in, NATS events and the replies bucket out); it changes nothing.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Bus } from '../bus/bus.ts';
import { loadConfigOrExit } from './config-or-exit.ts';
import { contracts } from '../bus/contracts.ts';
import { createLogger } from '../telemetry/logger.ts';
import { ReplyStore } from '../actors/conversation/reply-store.ts';
import { WEBHOOK_PATH } from '../gateway/app.ts';
import { WEBHOOK_SECRET_FILE } from '../gateway/webhook-secret.ts';
import type { ActorEvent, EventName } from '../schemas/bus.ts';
import { signWebhook } from './sign-webhook.ts';
import { messageReceivedEvent } from './received-event.ts';

interface DemoMail {
  thread: string;
  from: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

const mails: DemoMail[] = [
  {
    thread: 'login',
    from: 'Jane Doe <jane.doe@example.com>',
    subject: 'Cannot log in',
    text: 'Hi, I forgot my password and cannot log in to my account. How do I reset it?\n\nThanks, Jane',
  },
  {
    thread: 'pricing',
    from: 'Marco Rossi <marco@bigcorp.example>',
    subject: 'Enterprise plan pricing',
    text: 'Hello, we are 200 people. What does the enterprise plan cost per year, and can we get a demo?',
  },
  {
    thread: 'refund',
    from: 'Li Wei <li.wei@example.org>',
    subject: 'Refund after cancelling',
    text: 'I cancelled last week. How long does a refund take to reach my card?',
  },
  {
    thread: 'human',
    from: 'Sam Taylor <sam@example.net>',
    subject: 'This is not working',
    text: 'I have written three times now. Let me talk to a human, a real person please.',
  },
  {
    thread: 'ooo',
    from: 'Bob Martin <bob@example.com>',
    subject: 'Automatic reply: Your ticket',
    text: 'I am out of the office until Monday and will read your message when I am back.',
    headers: { 'Auto-Submitted': 'auto-replied' },
  },
  {
    thread: 'login',
    from: 'Jane Doe <jane.doe@example.com>',
    subject: 'Re: Cannot log in',
    text: 'Thanks! One more thing: where do I download my last invoice?',
  },
];

const finalEvents = new Set<EventName>([
  'reply.sent',
  'reply.dry-run',
  'reply.failed',
  'escalation.queued',
  'mail.not-answered',
  'mail.duplicate',
]);

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const inbox = process.env['DEMO_INBOX'] ?? 'support@demo.agentmail.to';
  const gateway = process.env['DEMO_GATEWAY_URL'] ?? `http://127.0.0.1:${config.gatewayPort}`;
  let secret = config.agentmailWebhookSecret;
  if (!secret) {
    const file = join(config.dataDir, WEBHOOK_SECRET_FILE);
    secret = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (!secret) {
      process.stderr.write(
        `No webhook secret: set AGENTMAIL_WEBHOOK_SECRET or start the node first (it writes ${file}).\n`,
      );
      process.exit(2);
    }
  }
  if (config.agentmailApiKey) {
    process.stdout.write(
      'Note: AGENTMAIL_API_KEY is set. These demo emails do not exist in AgentMail, so its API will refuse the replies;\n' +
        'run the node without the key to see dry-run replies.\n\n',
    );
  }

  const bus = await Bus.connect({
    servers: config.natsServers,
    name: 'cs-demo',
    logger: createLogger('error', {}),
  });
  const events: ActorEvent[] = [];
  bus.handle(contracts.events, { kind: '*' }, (e) => void events.push(e));
  await bus.nc.flush();
  const replies = await ReplyStore.open(bus);
  const run = randomBytes(3).toString('hex');

  try {
    for (const mail of mails) {
      const threadId = `thd_demo_${run}_${mail.thread}`;
      const messageId = `<demo-${randomBytes(6).toString('hex')}@${mail.from.replace(/.*@|>.*/g, '')}>`;
      const body = JSON.stringify(
        messageReceivedEvent({
          inboxId: inbox,
          threadId,
          messageId,
          from: mail.from,
          subject: mail.subject,
          text: mail.text,
          headers: mail.headers,
          eventId: `evt_demo_${randomBytes(6).toString('hex')}`,
        }),
      );
      const signed = signWebhook(secret, body, { msgId: `msg_demo_${randomBytes(8).toString('hex')}` });
      const res = await fetch(`${gateway}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
      }).catch((e: Error) => {
        process.stderr.write(
          `Cannot reach the gateway at ${gateway} (${e.message}). Is \`npm start\` running?\n`,
        );
        process.exit(3);
      });
      process.stdout.write(
        `\n=== ${mail.subject}  (from ${mail.from}, thread ${mail.thread})\n` +
          `message:        ${messageId}   (follow it: npm run ops -- trace '${messageId}')\n`,
      );
      if (res.status !== 200) {
        process.stdout.write(`gateway answered ${res.status}: ${await res.text()}\n`);
        continue;
      }
      const deadline = Date.now() + 30_000;
      let last: ActorEvent | undefined;
      while (
        Date.now() < deadline &&
        !(last = events.find((e) => e.messageId === messageId && finalEvents.has(e.event)))
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const routed = events.find((e) => e.messageId === messageId && e.event === 'mail.routed');
      if (routed) {
        const d = routed.data ?? {};
        process.stdout.write(
          `owner:          ${String(d['owner'])} (epoch ${String(d['epoch'])})\n` +
            `classification: ${String(d['specialization'])}/${String(d['topic'])}, priority ${String(d['priority'])}, ` +
            `language ${String(d['language'])}, needs human: ${String(d['needsHuman'])} (${String(d['method'])})\n`,
        );
      }
      if (!last) {
        process.stdout.write('no outcome within 30 s (are the processor and agents running?)\n');
        continue;
      }
      const d = last.data ?? {};
      switch (last.event) {
        case 'mail.not-answered':
          process.stdout.write(`not answered:   ${String(d['reason'])} (${String(d['detail'])})\n`);
          break;
        case 'escalation.queued':
          process.stdout.write(
            `escalated:      ${JSON.stringify(d['reasons'])} -> human queue, thread labelled "escalated"\n`,
          );
          break;
        default: {
          const record = await replies.get(inbox, messageId);
          const text = record?.audit.draft?.text ?? '(no draft recorded)';
          process.stdout.write(
            `outcome:        ${last.event} by ${typeof d['agentId'] === 'string' ? d['agentId'] : last.actorId}, passages ${JSON.stringify(d['passages'] ?? [])}\n` +
              `reply:\n${text.replace(/^/gm, '  | ')}\n`,
          );
        }
      }
    }
  } finally {
    await bus.drain();
  }
}

await main();
