// The codec's error descriptions: one line naming where a value failed and why.
import { expect } from 'chai';
import { describeErrors, validatorFor } from '../../../bus/codec.ts';

describe('codec describeErrors', () => {
  const v = validatorFor<{ name: string }>({
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
