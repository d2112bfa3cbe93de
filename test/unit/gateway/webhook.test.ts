// Unit tests for the webhook core: signature checks, schema validation, sender normalisation, classification.
import { expect } from 'chai';
import { WebhookSecretError } from '../../../gateway/errors.ts';
import {
  classifyEventType,
  createWebhookVerifier,
  normaliseSender,
  processWebhook,
  validateEvent,
  type WebhookOutcome,
} from '../../../gateway/webhook.ts';
import type { AgentmailMessageWire } from '../../../schemas/agentmail.ts';
import { randomWebhookSecret, signWebhook } from '../../../scripts/sign-webhook.ts';
import { webhookFixture as fixture } from '../../support/webhook-fixtures.ts';

function receivedWith(mutate: (message: Record<string, unknown>) => void): Record<string, unknown> {
  const payload = fixture('message-received');
  mutate(payload['message'] as Record<string, unknown>);
  return payload;
}
function rejected(outcome: WebhookOutcome | ReturnType<typeof validateEvent>) {
  if (outcome.ok) throw new Error('expected a rejection');
  return outcome.rejection;
}

describe('webhook', () => {
  const secret = randomWebhookSecret();
  const verifier = createWebhookVerifier(secret);

  describe('signature', () => {
    it('accepts a body signed by svix with the shared secret and reports its svix-id', () => {
      const signed = signWebhook(secret, fixture('message-received'), { msgId: 'msg_abc' });
      const outcome = processWebhook(verifier, Buffer.from(signed.body), signed.headers, 1234);
      expect(outcome.ok).to.equal(true);
      if (!outcome.ok) return;
      expect(outcome.event.svixId).to.equal('msg_abc');
      expect(outcome.event.svixTimestamp).to.equal(Number(signed.headers['svix-timestamp']));
      expect(outcome.event.eventId).to.equal('evt_123abc');
      expect(outcome.event.receivedAt).to.equal(1234);
    });

    for (const header of ['svix-id', 'svix-timestamp', 'svix-signature'] as const) {
      it(`rejects a request without ${header} as missing_headers`, () => {
        const signed = signWebhook(secret, fixture('message-received'));
        const headers: Record<string, string> = { ...signed.headers };
        delete headers[header];
        expect(rejected(processWebhook(verifier, Buffer.from(signed.body), headers, 0))).to.deep.equal({
          code: 'invalid_signature',
          reason: 'missing_headers',
        });
      });
    }

    it('rejects a repeated signature header rather than guessing which copy was signed', () => {
      const signed = signWebhook(secret, fixture('message-received'));
      const headers = { ...signed.headers, 'svix-signature': [signed.headers['svix-signature'], 'v1,x'] };
      expect(rejected(processWebhook(verifier, Buffer.from(signed.body), headers, 0)).code).to.equal(
        'invalid_signature',
      );
    });

    it('rejects a body signed with another secret', () => {
      const signed = signWebhook(randomWebhookSecret(), fixture('message-received'));
      expect(rejected(processWebhook(verifier, Buffer.from(signed.body), signed.headers, 0))).to.deep.equal({
        code: 'invalid_signature',
        reason: 'no_matching_signature',
      });
    });

    it('rejects a body changed by one byte after signing', () => {
      const signed = signWebhook(secret, fixture('message-received'));
      const tampered = signed.body.replace('evt_123abc', 'evt_123abd');
      expect(rejected(processWebhook(verifier, Buffer.from(tampered), signed.headers, 0)).reason).to.equal(
        'no_matching_signature',
      );
    });

    it('accepts any one matching signature among several, as during a secret rotation', () => {
      const signed = signWebhook(secret, fixture('message-received'));
      const other = signWebhook(randomWebhookSecret(), signed.body, { msgId: signed.headers['svix-id'] });
      const headers = {
        ...signed.headers,
        'svix-signature': `${other.headers['svix-signature']} ${signed.headers['svix-signature']}`,
      };
      expect(processWebhook(verifier, Buffer.from(signed.body), headers, 0).ok).to.equal(true);
    });

    it('rejects a replay whose timestamp is more than 5 minutes old', () => {
      const signed = signWebhook(secret, fixture('message-received'), {
        date: new Date(Date.now() - 6 * 60_000),
      });
      expect(rejected(processWebhook(verifier, Buffer.from(signed.body), signed.headers, 0)).reason).to.equal(
        'timestamp_too_old',
      );
    });

    it('rejects a timestamp more than 5 minutes in the future', () => {
      const signed = signWebhook(secret, fixture('message-received'), {
        date: new Date(Date.now() + 6 * 60_000),
      });
      expect(rejected(processWebhook(verifier, Buffer.from(signed.body), signed.headers, 0)).reason).to.equal(
        'timestamp_too_new',
      );
    });

    it('accepts a timestamp a little old, within the 5-minute tolerance', () => {
      const signed = signWebhook(secret, fixture('message-received'), {
        date: new Date(Date.now() - 2 * 60_000),
      });
      expect(processWebhook(verifier, Buffer.from(signed.body), signed.headers, 0).ok).to.equal(true);
    });

    it('rejects a timestamp that is not a number', () => {
      const signed = signWebhook(secret, fixture('message-received'));
      const headers = { ...signed.headers, 'svix-timestamp': 'yesterday' };
      expect(rejected(processWebhook(verifier, Buffer.from(signed.body), headers, 0))).to.deep.equal({
        code: 'invalid_signature',
        reason: 'invalid_timestamp',
      });
    });

    it('reports a correctly signed body that is not JSON as invalid_json, not as a bad signature', () => {
      const signed = signWebhook(secret, '{"type":"event",');
      expect(rejected(processWebhook(verifier, Buffer.from(signed.body), signed.headers, 0)).code).to.equal(
        'invalid_json',
      );
    });

    it('refuses to build a verifier from a secret without whsec_ or with bad base64', () => {
      expect(() => createWebhookVerifier('not-a-secret')).to.throw(WebhookSecretError);
      expect(() => createWebhookVerifier('whsec_%%%')).to.throw(WebhookSecretError);
      // svix's own constructor takes these two; an empty HMAC key would accept forged webhooks.
      expect(() => createWebhookVerifier('whsec_')).to.throw(WebhookSecretError);
      expect(() => createWebhookVerifier('whsec_YWJjZA')).to.throw(WebhookSecretError);
    });
  });

  describe('validation', () => {
    const validFixtures = [
      'message-received',
      'message-received-minimal',
      'message-received-spam',
      'message-received-from-underscore',
      'message-sent',
      'message-delivered',
      'message-bounced',
      'message-complained',
      'message-rejected',
      'message-opened',
      'domain-verified',
      'unknown-event',
    ];
    for (const name of validFixtures) {
      it(`accepts the documented ${name} payload`, () => {
        expect(validateEvent(fixture(name)).ok).to.equal(true);
      });
    }

    it('names the field and the reason when a required field has the wrong type', () => {
      const payload = receivedWith((m) => (m['thread_id'] = 42));
      expect(rejected(validateEvent(payload))).to.deep.equal({
        code: 'invalid_payload',
        field: '/message/thread_id',
        reason: 'must be string',
        eventType: 'message.received',
      });
    });

    it('names a missing required field by its full path', () => {
      const payload = receivedWith((m) => delete m['inbox_id']);
      expect(rejected(validateEvent(payload))).to.include({
        field: '/message/inbox_id',
        reason: 'is required',
      });
    });

    it('requires a sender under from or from_', () => {
      const payload = receivedWith((m) => delete m['from']);
      expect(rejected(validateEvent(payload))).to.include({ field: '/message/from', reason: 'is required' });
    });

    it('requires the thread on a message.received event', () => {
      const payload = fixture('message-received');
      delete payload['thread'];
      expect(rejected(validateEvent(payload))).to.include({ field: '/thread', reason: 'is required' });
    });

    it('checks the data key of the other event types', () => {
      const payload = fixture('message-bounced');
      (payload['bounce'] as Record<string, unknown>)['recipients'] = [{ address: 'a@b.c' }];
      expect(rejected(validateEvent(payload))).to.include({ field: '/bounce/recipients/0/status' });
    });

    it('rejects an envelope whose type is not "event"', () => {
      const payload = { ...fixture('message-received'), type: 'message_received' };
      expect(rejected(validateEvent(payload))).to.deep.equal({
        code: 'invalid_payload',
        field: '/type',
        reason: 'must be equal to constant',
      });
    });

    it('rejects a payload that is not an object at the root', () => {
      for (const value of [null, 1, 'x', []]) {
        expect(rejected(validateEvent(value))).to.include({ field: '/' });
      }
    });

    it('does not coerce: a numeric string is not a number', () => {
      const payload = receivedWith((m) => (m['size'] = '2048'));
      expect(rejected(validateEvent(payload))).to.include({
        field: '/message/size',
        reason: 'must be number',
      });
    });

    it('lets unknown extra fields through untouched', () => {
      const payload = receivedWith((m) => (m['new_field'] = { nested: true }));
      payload['organization_id'] = 'org_1';
      const result = validateEvent(payload);
      if (!result.ok || result.kind !== 'received') throw new Error('expected a received event');
      expect(result.payload['organization_id']).to.equal('org_1');
      expect(result.payload.message['new_field']).to.deep.equal({ nested: true });
    });

    it('accepts null for optional fields', () => {
      const payload = receivedWith((m) => {
        m['subject'] = null;
        m['text'] = null;
      });
      expect(validateEvent(payload).ok).to.equal(true);
    });

    it('accepts an unknown event type as a valid envelope, flagged unknown', () => {
      const result = validateEvent(fixture('unknown-event'));
      expect(result).to.include({ ok: true, kind: 'unknown', eventType: 'inbox.created' });
    });

    it('still requires event_id on an unknown event type', () => {
      const payload = fixture('unknown-event');
      delete payload['event_id'];
      expect(rejected(validateEvent(payload))).to.include({ field: '/event_id', reason: 'is required' });
    });
  });

  describe('sender normalisation', () => {
    const base = fixture('message-received')['message'] as AgentmailMessageWire;

    it('keeps a string from as it is', () => {
      expect(normaliseSender(base).from).to.equal('Jane Doe <jane@example.com>');
    });

    it('moves from_ to from and drops from_', () => {
      const { from: _from, ...rest } = base;
      const normalised = normaliseSender({ ...rest, from_: 'John <john@example.com>' });
      expect(normalised.from).to.equal('John <john@example.com>');
      expect(normalised).not.to.have.property('from_');
    });

    it('joins an array of senders into one string', () => {
      expect(normaliseSender({ ...base, from: ['a@example.com', 'b@example.com'] }).from).to.equal(
        'a@example.com, b@example.com',
      );
    });

    it('prefers from over from_ when both are present', () => {
      expect(normaliseSender({ ...base, from: 'x@example.com', from_: 'y@example.com' }).from).to.equal(
        'x@example.com',
      );
    });

    it('hands the sink a normalised from when the payload used from_', () => {
      const result = validateEvent(fixture('message-received-from-underscore'));
      if (!result.ok || result.kind !== 'received') throw new Error('expected a received event');
      expect(result.payload.message.from).to.equal('jane@example.com');
    });
  });

  describe('classification', () => {
    it('classifies the four message.received types as received', () => {
      for (const t of [
        'message.received',
        'message.received.spam',
        'message.received.blocked',
        'message.received.unauthenticated',
      ]) {
        expect(classifyEventType(t)).to.equal('received');
      }
    });

    it('classifies delivery and domain events as other', () => {
      for (const t of ['message.sent', 'message.bounced', 'message.opened', 'domain.verified']) {
        expect(classifyEventType(t)).to.equal('other');
      }
    });

    it('classifies anything else, including prototype keys, as unknown', () => {
      for (const t of ['inbox.created', 'toString', '__proto__', '']) {
        expect(classifyEventType(t)).to.equal('unknown');
      }
    });
  });
});
