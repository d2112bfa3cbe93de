// The codec's error descriptions: one line naming where a value failed and why.
import type { ValidateFunction } from 'ajv';
import { expect } from 'chai';
import { describeErrors, validatorFor } from '../../../schemas/codec.ts';

describe('codec describeErrors', () => {
  // Annotated: mocha first tries require(), and `f<{ name: string }>(x)` also parses as plain JS (then fails).
  const v: ValidateFunction = validatorFor({
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string' } },
    additionalProperties: false,
  });

  it('names the path and the reason of a refused value', () => {
    expect(v({ name: 7 })).to.equal(false);
    expect(describeErrors(v)).to.equal('/name must be string');
  });

  it('names the property that is not allowed', () => {
    expect(v({ name: 'a', extra: 1 })).to.equal(false);
    expect(describeErrors(v)).to.equal('/ must NOT have additional properties: extra');
  });
});
