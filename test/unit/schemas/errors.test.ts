// The one error convention: createError's classes carry name, code, retryable and cause; a code is declared once.
import { expect } from 'chai';
import { createError, declareErrorCodes, errorCatalogue } from '../../../schemas/errors.ts';
// Loading these registers their codes in the catalogue.
import { BusUnavailableError } from '../../../bus/bus.ts';
import { ConfigError } from '../../../actors/runtime/config.ts';
import '../../../actors/node/registry.ts';
import { RateLimitedError } from '../../../actors/answering/outbound/errors.ts';
import { LogClosedError } from '../../../actors/storage/errors.ts';
import { SinkTimeoutError } from '../../../gateway/errors.ts';
import '../../../actors/node/node-process.ts';

describe('errors', function () {
  it('makes Error classes with a stable code, a retryable flag, a name and a chained cause', function () {
    const cause = new Error('socket closed');
    const e = new BusUnavailableError('no JetStream ack', { cause });
    expect(e).to.be.instanceOf(Error).and.instanceOf(BusUnavailableError);
    expect(e).to.include({ name: 'BusUnavailableError', code: 'BUS_UNAVAILABLE', retryable: true });
    expect(e.cause).to.equal(cause);
    const c = new ConfigError('LOG_LEVEL', 'one of error, warn', 'loud');
    expect(c).to.include({ code: 'CONFIG_INVALID', retryable: false, variable: 'LOG_LEVEL' });
    expect(c.message).to.equal('LOG_LEVEL must be one of error, warn (got "loud")');
  });

  it('refuses a code declared twice by different classes, so two modules cannot share one', function () {
    expect(() => createError('BUS_UNAVAILABLE', 'SomeOtherError', { retryable: false })).to.throw(
      /BUS_UNAVAILABLE is declared by BusUnavailableError and SomeOtherError/,
    );
  });

  it('makes the families whose code varies per instance claim their codes in the same catalogue', function () {
    expect(() => declareErrorCodes('SomeFamily', ['FRESH_CODE', 'RATE_LIMITED'])).to.throw(
      /RATE_LIMITED is declared by SendError and SomeFamily/,
    );
    expect(errorCatalogue().has('FRESH_CODE'), 'a refused family registers none of its codes').to.equal(
      false,
    );
    expect(() => createError('LOG_CLOSED', 'AnotherError', { retryable: true })).to.throw(/AppendLogError/);
    expect(new RateLimitedError('429')).to.include({ code: 'RATE_LIMITED', retryable: true });
    expect(new LogClosedError('x')).to.include({ code: 'LOG_CLOSED', retryable: false });
    expect(new SinkTimeoutError(5)).to.include({ code: 'sink_timeout', retryable: true, timeoutMs: 5 });
  });

  it('holds every code the running system declares', function () {
    const codes = [...errorCatalogue().keys()];
    expect(codes).to.include.members([
      'BUS_UNAVAILABLE',
      'CONFIG_INVALID',
      'OWNER_UNAVAILABLE',
      'KV_CONTENTION',
      'RATE_LIMITED',
      'LOG_CORRUPT',
      'JS_TIMEOUT',
      'JS_API',
      'KB_EMPTY',
      'bus_unavailable',
      'NODE_PROCESS',
    ]);
  });
});
