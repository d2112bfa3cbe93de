// The bus's one retry loop, and which stream-setup failures provisioning asks again about.
import { expect } from 'chai';
import { NoRespondersError, PermissionViolationError, RequestError, TimeoutError } from '@nats-io/nats-core';
import { JetStreamApiError } from '@nats-io/jetstream';
import { retryWithin } from '../../../bus/retry.ts';
import { setupMayRecover } from '../../../bus/provision.ts';

describe('retryWithin', function () {
  it('asks again after retryable failures and returns the first success', async () => {
    let calls = 0;
    const got = await retryWithin(
      5_000,
      () => (++calls < 3 ? Promise.reject(new Error('busy')) : Promise.resolve('ok')),
      () => true,
    );
    expect([got, calls]).to.deep.equal(['ok', 3]);
  });

  it('gives up at once on a failure that is not retryable, through giveUp', async () => {
    let calls = 0;
    const err = await retryWithin(
      5_000,
      () => {
        calls++;
        return Promise.reject(new Error('refused'));
      },
      () => false,
      (e) => new Error(`gave up: ${(e as Error).message}`),
    ).catch((e: Error) => e);
    expect([err.message, calls]).to.deep.equal(['gave up: refused', 1]);
  });

  it('gives up when the next wait would pass the deadline', async () => {
    let calls = 0;
    const t0 = Date.now();
    const err = await retryWithin(
      200,
      () => {
        calls++;
        return Promise.reject(new Error('still busy'));
      },
      () => true,
    ).catch((e: Error) => e);
    expect(err.message).to.equal('still busy');
    expect(calls).to.be.within(2, 4);
    expect(Date.now() - t0).to.be.below(5_000);
  });
});

describe('setupMayRecover', function () {
  it('retries timeouts, no responders and JetStream 503, not other refusals', () => {
    const api = (code: number) => new JetStreamApiError({ code, err_code: 10000, description: 'x' });
    expect(setupMayRecover(new TimeoutError())).to.equal(true);
    const noResponders = new RequestError('no responders', { cause: new NoRespondersError('$JS.API.INFO') });
    expect(setupMayRecover(noResponders)).to.equal(true);
    const denied = new PermissionViolationError('denied', 'publish', '$JS.API.STREAM.CREATE.MAIL');
    expect(setupMayRecover(new RequestError('denied', { cause: denied }))).to.equal(false);
    expect(setupMayRecover(api(503))).to.equal(true);
    expect(setupMayRecover(api(400))).to.equal(false);
    expect(setupMayRecover(new Error('stream name already in use'))).to.equal(false);
  });
});
