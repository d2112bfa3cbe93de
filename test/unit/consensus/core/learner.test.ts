// Rule-by-rule tests of the pure learner core: majority per ballot, learn once, notices, lookups and restore.
import { expect } from 'chai';
import { forget, initialState, restore, step } from '../../../../actors/consensus/core/learner.ts';
import type { LearnerInput, LearnerOut, LearnerState } from '../../../../actors/consensus/core/learner.ts';
import type { Ballot } from '../../../../actors/consensus/core/types.ts';

type V = { agentId: string };
const I = 'conv/t1/0';
const config = { id: 'L1', acceptors: ['A1', 'A2', 'A3'] };
const b = (round: number, proposer = 'P1'): Ballot => ({ round, proposer });
const accepted = (from: string, ballot: Ballot, agentId: string): LearnerInput<V> => ({
  type: 'message',
  msg: { type: 'accepted', instance: I, ballot, value: { agentId }, from },
});
const lookup = (instance = I): LearnerInput<V> => ({
  type: 'lookup',
  requestId: 'r1',
  msg: { type: 'lookup', instance },
});

function run(
  state: LearnerState<V>,
  ...inputs: LearnerInput<V>[]
): { state: LearnerState<V>; out: LearnerOut<V>[] } {
  let s = state;
  const out: LearnerOut<V>[] = [];
  for (const i of inputs) {
    const r = step(s, i);
    s = r.state;
    out.push(...r.out);
  }
  return { state: s, out };
}

describe('learner', () => {
  const fresh = () => initialState<V>(config);

  it('learns a value once a majority of acceptors accepted it in the same ballot', () => {
    const r = run(fresh(), accepted('A1', b(1), 'x'), accepted('A2', b(1), 'x'));
    expect(r.out).to.deep.equal([{ kind: 'decided', instance: I, value: { agentId: 'x' }, ballot: b(1) }]);
  });

  it('does not learn from a majority split across ballots', () => {
    const r = run(fresh(), accepted('A1', b(1), 'x'), accepted('A2', b(2, 'P2'), 'y'));
    expect(r.out).to.deep.equal([]);
  });

  it('does not count a duplicated accepted or an unknown acceptor toward the majority', () => {
    const r = run(fresh(), accepted('A1', b(1), 'x'), accepted('A1', b(1), 'x'), accepted('X9', b(1), 'x'));
    expect(r.out).to.deep.equal([]);
  });

  it('emits decided only once per instance, whatever arrives later', () => {
    const r = run(
      fresh(),
      accepted('A1', b(1), 'x'),
      accepted('A2', b(1), 'x'),
      accepted('A3', b(1), 'x'),
      accepted('A1', b(2, 'P2'), 'x'),
      accepted('A2', b(2, 'P2'), 'x'),
      { type: 'message', msg: { type: 'decided', instance: I, value: { agentId: 'x' } } },
    );
    expect(r.out.filter((o) => o.kind === 'decided')).to.have.length(1);
  });

  it('learns from a decided notice (a value already chosen by a majority or read from the durable record)', () => {
    const r = step(fresh(), {
      type: 'message',
      msg: { type: 'decided', instance: I, value: { agentId: 'v' }, from: 'P1' },
    });
    expect(r.out).to.deep.equal([{ kind: 'decided', instance: I, value: { agentId: 'v' } }]);
  });

  it('answers lookups from what it learned, and says not found otherwise', () => {
    const s = run(fresh(), accepted('A1', b(1), 'x'), accepted('A3', b(1), 'x')).state;
    expect(step(s, lookup()).out).to.deep.equal([
      {
        kind: 'reply',
        requestId: 'r1',
        msg: { type: 'lookup-reply', instance: I, found: true, value: { agentId: 'x' }, ballot: b(1) },
      },
    ]);
    expect(step(s, lookup('conv/other/0')).out).to.deep.equal([
      {
        kind: 'reply',
        requestId: 'r1',
        msg: { type: 'lookup-reply', instance: 'conv/other/0', found: false },
      },
    ]);
  });

  it('restore: catches up from the durable record and then ignores votes for what it knows', () => {
    const s = restore<V>(config, [{ instance: I, value: { agentId: 'v' } }]);
    expect(step(s, lookup()).out[0]).to.have.nested.property('msg.found', true);
    expect(run(s, accepted('A1', b(3), 'v'), accepted('A2', b(3), 'v')).out).to.deep.equal([]);
  });

  it('outputs already returned stay as they were while later steps change the state in place', () => {
    const s = fresh();
    const returned = [
      run(s, accepted('A1', b(1), 'x'), accepted('A2', b(1), 'x')).out,
      step(s, lookup()).out,
    ].map((out) => ({ out, asReturned: structuredClone(out) }));
    // Forgotten, then learned again at another ballot (a late majority): the state holds a new entry.
    forget(s, [I]);
    run(s, accepted('A2', b(2, 'P2'), 'x'), accepted('A3', b(2, 'P2'), 'x'), lookup());
    for (const r of returned) expect(r.out).to.deep.equal(r.asReturned);
    expect(step(s, lookup()).out[0]).to.have.deep.nested.property('msg.ballot', b(2, 'P2'));
  });

  it('forget: drops learned instances so memory stays bounded', () => {
    const s = restore<V>(config, [{ instance: I, value: { agentId: 'v' } }]);
    expect(step(forget(s, [I]), lookup()).out[0]).to.have.nested.property('msg.found', false);
  });
});
