// Property tests for ballot order and uniqueness; pure, no I/O.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  ballotEquals,
  compareBallots,
  maxBallot,
  nextBallot,
} from '../../../../actors/consensus/core/ballot.ts';

const ballot = fc.record({ round: fc.nat(1000), proposer: fc.string({ minLength: 1, maxLength: 4 }) });

describe('ballot', () => {
  it('orders ballots totally: antisymmetric, transitive, and equal only when round and proposer match', () => {
    fc.assert(
      fc.property(ballot, ballot, ballot, (a, b, c) => {
        expect(Math.sign(compareBallots(a, b))).to.equal(-Math.sign(compareBallots(b, a)));
        if (compareBallots(a, b) <= 0 && compareBallots(b, c) <= 0)
          expect(compareBallots(a, c)).to.be.at.most(0);
        expect(compareBallots(a, b) === 0).to.equal(a.round === b.round && a.proposer === b.proposer);
      }),
    );
  });

  it('orders by round first, proposer id only breaks ties', () => {
    fc.assert(
      fc.property(ballot, ballot, (a, b) => {
        if (a.round < b.round) expect(compareBallots(a, b)).to.be.below(0);
      }),
    );
  });

  it('gives distinct proposers distinct ballots for any rounds they reach', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 5 }),
        fc.array(fc.nat(50)),
        (ids, seen) => {
          const made = ids.flatMap((id) => seen.map((s) => nextBallot(id, s)));
          for (let i = 0; i < made.length; i++) {
            for (let j = i + 1; j < made.length; j++) {
              if (made[i]!.proposer !== made[j]!.proposer)
                expect(ballotEquals(made[i], made[j])).to.equal(false);
            }
          }
        },
      ),
    );
  });

  it('makes the next ballot strictly above every ballot of the round it has seen', () => {
    fc.assert(
      fc.property(ballot, fc.string({ minLength: 1, maxLength: 4 }), (seen, id) => {
        expect(compareBallots(nextBallot(id, seen.round), seen)).to.be.above(0);
      }),
    );
  });

  it('treats undefined as below every ballot in maxBallot', () => {
    fc.assert(
      fc.property(ballot, ballot, (a, b) => {
        expect(maxBallot(undefined, a)).to.equal(a);
        expect(compareBallots(maxBallot(a, b)!, a)).to.be.at.least(0);
        expect(compareBallots(maxBallot(a, b)!, b)).to.be.at.least(0);
      }),
    );
  });
});
