// Unit tests for the outbound error catalogue: which statuses are retryable and which are definite.
import { expect } from 'chai';
import { errorForStatus, SendErrorCode } from '../../../../actors/answering/outbound/errors.ts';

describe('errors', () => {
  const table: Array<[number, string, string, boolean, boolean]> = [
    // status, class name, code, retryable, definite
    [400, 'BadRequestError', SendErrorCode.BadRequest, false, true],
    [401, 'UnauthorizedError', SendErrorCode.Unauthorized, false, true],
    [403, 'ForbiddenError', SendErrorCode.Forbidden, false, true],
    [404, 'NotFoundError', SendErrorCode.NotFound, false, true],
    [409, 'IdempotencyConflictError', SendErrorCode.IdempotencyConflict, false, false],
    [422, 'UnprocessableError', SendErrorCode.Unprocessable, false, true],
    [429, 'RateLimitedError', SendErrorCode.RateLimited, true, true],
    [500, 'ServerError', SendErrorCode.ServerError, true, false],
    [503, 'ServerError', SendErrorCode.ServerError, true, false],
    [408, 'UnexpectedStatusError', SendErrorCode.UnexpectedStatus, true, false],
    [413, 'UnexpectedStatusError', SendErrorCode.UnexpectedStatus, false, true],
  ];

  for (const [status, name, code, retryable, definite] of table) {
    it(`classifies HTTP ${status} as ${name} (retryable=${retryable}, definite=${definite})`, () => {
      const cause = new Error('sdk');
      const e = errorForStatus(status, 'm', { cause, apiCode: 'x' });
      expect(e.name).to.equal(name);
      expect(e.code).to.equal(code);
      expect(e.status).to.equal(status);
      expect(e.retryable).to.equal(retryable);
      expect(e.definite).to.equal(definite);
      expect(e.cause).to.equal(cause);
      expect(e).to.be.instanceOf(Error);
    });
  }

  it('gives the wire shape of an error reply', () => {
    expect(errorForStatus(429, 'slow down').toWire()).to.deep.equal({
      type: 'error',
      code: 'RATE_LIMITED',
      text: 'slow down',
      definite: true,
      retryable: true,
    });
  });
});
