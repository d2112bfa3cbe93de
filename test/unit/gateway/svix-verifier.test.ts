// The gateway's native-crypto Svix verifier against svix's own: same answer or same error for any input.
import { expect } from 'chai';
import fc from 'fast-check';
import { Webhook } from 'svix';
import { createWebhookVerifier } from '../../../gateway/webhook.ts';
import { randomWebhookSecret } from '../../../scripts/sign-webhook.ts';

type Outcome = { ok: true; value: unknown } | { ok: false; name: string; message: string };

function outcome(run: () => unknown): Outcome {
  try {
    return { ok: true, value: run() };
  } catch (e) {
    const err = e as Error;
    return { ok: false, name: err.constructor.name, message: err.message };
  }
}

describe('svix-verifier', () => {
  const secret = randomWebhookSecret();
  const ours = createWebhookVerifier(secret);
  const svix = new Webhook(secret);

  it('agrees with svix on bodies, ids, timestamps and signature lists, valid or not', () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.string({ unit: 'grapheme' }).map((s) => Buffer.from(s)),
      // Invalid UTF-8 too: svix signs the decoded text, so the bytes alone are not what is compared.
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    );
    const id = fc.oneof(fc.constant('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W'), fc.string({ maxLength: 30 }));
    // Offsets stay 10 s clear of the +-300 s edge: the clock may tick between generating a case and the two calls.
    const offset = fc.oneof(
      fc.integer({ min: -290, max: 290 }),
      fc.constantFrom(-100_000, -310, 310, 100_000),
    );
    const timestampText = fc.constantFrom('plain', 'leading-zero', 'trailing-junk', 'junk', 'spaces');
    const signing = fc.constantFrom('right', 'right-among-others', 'other-secret', 'v2', 'junk', 'empty-sig');

    fc.assert(
      fc.property(
        body,
        id,
        offset,
        timestampText,
        signing,
        fc.string({ maxLength: 40 }),
        (raw, msgId, off, tsForm, how, junk) => {
          const seconds = Math.floor(Date.now() / 1000) + off;
          const ts = {
            plain: String(seconds),
            'leading-zero': `0${seconds}`,
            'trailing-junk': `${seconds}abc`,
            junk: junk || 'x',
            spaces: ` ${seconds}`,
          }[tsForm];
          const signedAt = new Date(seconds * 1000);
          const right = svix.sign(msgId, signedAt, raw);
          const signature = {
            right,
            'right-among-others': `v1,${Buffer.from(junk).toString('base64')} ${right} v2,xyz`,
            'other-secret': new Webhook(randomWebhookSecret()).sign(msgId, signedAt, raw),
            v2: right.replace('v1,', 'v2,'),
            junk: junk,
            'empty-sig': 'v1,',
          }[how];
          const headers = { 'svix-id': msgId, 'svix-timestamp': ts, 'svix-signature': signature };
          const a = outcome(() => ours.verify(raw, headers));
          const b = outcome(() => svix.verify(raw, headers));
          expect(a).to.deep.equal(b);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('takes only secrets svix takes too, and verifies what svix signs with them', () => {
    const base64 = fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .map((b) => Buffer.from(b).toString('base64'));
    const candidate = fc.oneof(
      base64.map((k) => `whsec_${k}`),
      base64.map((k) => `whsec_${k.replace(/=+$/, '')}`),
      fc.string({ maxLength: 40 }).map((k) => `whsec_${k}`),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(candidate, (candidate) => {
        let verifier;
        try {
          verifier = createWebhookVerifier(candidate);
        } catch {
          return;
        }
        const now = new Date();
        const raw = Buffer.from('{"type":"event"}');
        const headers = {
          'svix-id': 'msg_1',
          'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
          'svix-signature': new Webhook(candidate).sign('msg_1', now, raw),
        };
        expect(verifier.verify(raw, headers)).to.deep.equal({ type: 'event' });
      }),
      { numRuns: 500 },
    );
  });

  it('accepts a correctly signed body and refuses one changed by a single byte', () => {
    const raw = Buffer.from(JSON.stringify({ type: 'event', event_id: 'evt_1' }));
    const now = new Date();
    const headers = {
      'svix-id': 'msg_1',
      'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
      'svix-signature': svix.sign('msg_1', now, raw),
    };
    expect(ours.verify(raw, headers)).to.deep.equal({ type: 'event', event_id: 'evt_1' });
    const changed = Buffer.from(raw);
    changed[changed.length - 3] = changed[changed.length - 3]! ^ 1;
    expect(() => ours.verify(changed, headers)).to.throw('No matching signature found');
  });
});
