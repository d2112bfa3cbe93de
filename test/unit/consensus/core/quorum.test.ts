// Property tests for majority quorums: any two intersect, and only distinct known acceptors count; pure, no I/O.
import { expect } from 'chai';
import fc from 'fast-check';
import { isQuorum, majority } from '../../../../actors/consensus/core/quorum.ts';

describe('quorum', () => {
  it('makes any two majorities of the same acceptor set intersect', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 9 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.subarray([...Array(n).keys()]), fc.subarray([...Array(n).keys()])),
          ),
        ([n, q1, q2]) => {
          const ids = [...Array(n).keys()].map((i) => `A${i}`);
          const s1 = q1.map((i) => `A${i}`);
          const s2 = q2.map((i) => `A${i}`);
          if (isQuorum(ids, s1) && isQuorum(ids, s2)) expect(s1.some((x) => s2.includes(x))).to.equal(true);
        },
      ),
    );
  });

  it('needs floor(n/2)+1 distinct known acceptors; duplicates and strangers do not count', () => {
    expect(majority(3)).to.equal(2);
    expect(majority(4)).to.equal(3);
    expect(majority(5)).to.equal(3);
    const ids = ['A0', 'A1', 'A2'];
    expect(isQuorum(ids, ['A0', 'A0'])).to.equal(false);
    expect(isQuorum(ids, ['A0', 'X', 'Y'])).to.equal(false);
    expect(isQuorum(ids, ['A0', 'A2'])).to.equal(true);
  });
});
