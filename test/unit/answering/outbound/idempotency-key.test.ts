// Unit tests for idempotency keys: AgentMail's allowed alphabet and a stable derivation.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  assertIdempotencyKey,
  deriveIdempotencyKey,
  isValidIdempotencyKey,
} from '../../../../actors/answering/outbound/idempotency-key.ts';

describe('idempotency-key', () => {
  it('accepts 1-256 chars of A-Z a-z 0-9 - . _ ~ and nothing else', () => {
    expect(isValidIdempotencyKey('reply-v1.abc_DEF~0')).to.equal(true);
    expect(isValidIdempotencyKey('a'.repeat(256))).to.equal(true);
    expect(isValidIdempotencyKey('a'.repeat(257))).to.equal(false);
    expect(isValidIdempotencyKey('')).to.equal(false);
    expect(isValidIdempotencyKey('<id@x>')).to.equal(false);
    expect(() => assertIdempotencyKey('a b'))
      .to.throw()
      .with.property('code', 'INVALID_IDEMPOTENCY_KEY');
  });

  it('derives the same valid key for the same message and purpose, and different keys otherwise', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (inbox, msg, purpose) => {
        const k = deriveIdempotencyKey(inbox, msg, purpose);
        return isValidIdempotencyKey(k) && k === deriveIdempotencyKey(inbox, msg, purpose);
      }),
    );
    const a = deriveIdempotencyKey('s@x.to', '<m1@x>');
    expect(a).to.not.equal(deriveIdempotencyKey('s@x.to', '<m2@x>'));
    expect(a).to.not.equal(deriveIdempotencyKey('s@x.to', '<m1@x>', 'escalation-ack-v1'));
  });
});
