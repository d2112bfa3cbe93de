// Rule-by-rule tests of the pure acceptor core, including restore, compaction and the durable-record contract.
import { expect } from 'chai';
import {
  compact,
  hasInstance,
  initialState,
  needsRecordLookup,
  recordLookupSkippable,
  restore,
  snapshot,
  step,
} from '../../../../actors/consensus/core/acceptor.ts';
import type {
  AcceptorInput,
  AcceptorMessage,
  AcceptorState,
} from '../../../../actors/consensus/core/acceptor.ts';
import type { Ballot } from '../../../../actors/consensus/core/types.ts';

type V = { agentId: string };
const I = 'conv/t1/0';
const b = (round: number, proposer = 'P1'): Ballot => ({ round, proposer });
const prepare = (ballot: Ballot, instance = I): AcceptorInput<V> => ({
  type: 'message',
  msg: { type: 'prepare', instance, ballot, from: ballot.proposer },
});
const accept = (ballot: Ballot, agentId: string, fast = false, instance = I): AcceptorInput<V> => ({
  type: 'message',
  msg: {
    type: 'accept',
    instance,
    ballot,
    value: { agentId },
    from: ballot.proposer,
    ...(fast ? { fast } : {}),
  },
});
const prepareAll = (ballot: Ballot): AcceptorInput<V> => ({
  type: 'message',
  msg: { type: 'prepare-all', ballot, from: ballot.proposer },
});

function msgOf(input: AcceptorInput<V>): AcceptorMessage<V> {
  if (input.type !== 'message') throw new Error('not a message');
  return input.msg;
}

/** Feeds the inputs in order; `step` updates the state in place, so this returns the state it was given. */
function run(state: AcceptorState<V>, ...inputs: AcceptorInput<V>[]): AcceptorState<V> {
  return inputs.reduce((s, i) => step(s, i).state, state);
}

describe('acceptor', () => {
  const fresh = (): AcceptorState<V> => initialState<V>({ id: 'A1' });

  it('P1b: promises a prepare above anything promised, persisting the promise before answering', () => {
    const r = step(fresh(), prepare(b(1)));
    expect(r.out).to.deep.equal([
      { kind: 'persist', records: [{ t: 'promise', instance: I, ballot: b(1) }] },
      { kind: 'send', to: 'P1', msg: { type: 'promise', instance: I, ballot: b(1), from: 'A1' } },
    ]);
  });

  it('P1b: reports its highest accepted proposal in the promise', () => {
    const s = run(fresh(), accept(b(1), 'x'));
    const r = step(s, prepare(b(2, 'P2')));
    expect(r.out[1]).to.deep.equal({
      kind: 'send',
      to: 'P2',
      msg: {
        type: 'promise',
        instance: I,
        ballot: b(2, 'P2'),
        from: 'A1',
        accepted: { ballot: b(1), value: { agentId: 'x' } },
      },
    });
  });

  it('P1b: rejects a prepare below its promise with a nack naming the promise, changing nothing', () => {
    const s = run(fresh(), prepare(b(5)));
    const before = structuredClone(s);
    const r = step(s, prepare(b(3, 'P2')));
    expect(r.state).to.deep.equal(before);
    expect(r.out).to.deep.equal([
      {
        kind: 'send',
        to: 'P2',
        msg: { type: 'nack', instance: I, ballot: b(3, 'P2'), promised: b(5), from: 'A1' },
      },
    ]);
  });

  it('P1a: rejects an accept below its promise', () => {
    const s = run(fresh(), prepare(b(5)));
    const before = structuredClone(s);
    const r = step(s, accept(b(4, 'P2'), 'y'));
    expect(r.state).to.deep.equal(before);
    expect(r.out).to.deep.equal([
      {
        kind: 'send',
        to: 'P2',
        msg: { type: 'nack', instance: I, ballot: b(4, 'P2'), promised: b(5), from: 'A1' },
      },
    ]);
  });

  it('P2b: accepts at or above its promise, persists, then tells the proposer and the learners', () => {
    const s = run(fresh(), prepare(b(2)));
    const r = step(s, accept(b(2), 'x'));
    const accepted = { type: 'accepted', instance: I, ballot: b(2), value: { agentId: 'x' }, from: 'A1' };
    expect(r.out).to.deep.equal([
      { kind: 'persist', records: [{ t: 'accept', instance: I, ballot: b(2), value: { agentId: 'x' } }] },
      { kind: 'send', to: 'P1', msg: accepted },
      { kind: 'send', to: 'learners', msg: accepted },
    ]);
    expect(step(r.state, prepare(b(1, 'P0'))).out[0]).to.have.nested.property('msg.type', 'nack');
  });

  it('answers a duplicated prepare or accept exactly as the first time, without writing or changing anything', () => {
    const s1 = run(fresh(), prepare(b(2)));
    const promised = structuredClone(s1);
    const again = step(s1, prepare(b(2)));
    expect(again.out).to.deep.equal([
      { kind: 'send', to: 'P1', msg: { type: 'promise', instance: I, ballot: b(2), from: 'A1' } },
    ]);
    expect(again.state).to.deep.equal(promised);
    const s2 = run(s1, accept(b(2), 'x'));
    const accepted = structuredClone(s2);
    const dup = step(s2, accept(b(2), 'x'));
    expect(dup.out.map((o) => o.kind)).to.deep.equal(['send', 'send']);
    expect(dup.state).to.deep.equal(accepted);
  });

  it('outputs already returned stay as they were while later steps change the same instance in place', () => {
    // The adapter sends a step's outputs only after the sync, when later steps have run: a promise that
    // reported (1, x) must still say (1, x) after x is replaced by y, the floor rises and the instance is decided.
    const s = run(fresh(), accept(b(1), 'x'));
    const returned = [prepare(b(2)), prepareAll(b(3)), prepare(b(1, 'P0')), accept(b(3), 'y', true)].map(
      (i) => {
        const out = step(s, i).out;
        return { out, asReturned: structuredClone(out) };
      },
    );
    run(s, accept(b(4), 'z'), prepareAll(b(5)), { type: 'recorded', instance: I, value: { agentId: 'z' } });
    compact(s, [I]);
    for (const r of returned) expect(r.out).to.deep.equal(r.asReturned);
    expect(returned[0]!.out[1]).to.have.deep.nested.property('msg.accepted', {
      ballot: b(1),
      value: { agentId: 'x' },
    });
  });

  it('prepare-all: promises every instance not promised higher, reports accepted values, refuses the rest', () => {
    const before = () => run(fresh(), accept(b(1), 'x', false, 'conv/a/0'), prepare(b(9, 'P2'), 'conv/b/0'));
    const after = () => run(before(), prepareAll(b(4)));
    const r = step(before(), prepareAll(b(4)));
    expect(r.out).to.deep.equal([
      { kind: 'persist', records: [{ t: 'promise-all', ballot: b(4) }] },
      {
        kind: 'send',
        to: 'P1',
        msg: {
          type: 'promise-all',
          ballot: b(4),
          from: 'A1',
          accepted: [{ instance: 'conv/a/0', ballot: b(1), value: { agentId: 'x' } }],
          refused: ['conv/b/0'],
        },
      },
    ]);
    // The leader floor now covers instances never seen...
    expect(step(after(), prepare(b(3, 'P3'), 'conv/new/0')).out[0]).to.have.nested.property(
      'msg.type',
      'nack',
    );
    // ...while the refused instance keeps its own, higher promise.
    expect(step(after(), accept(b(4), 'z', true, 'conv/b/0')).out[0]).to.have.nested.property(
      'msg.type',
      'nack',
    );
    expect(step(after(), accept(b(4), 'z', true, 'conv/new/0')).out[0]).to.have.property('kind', 'persist');
  });

  it('prepare-all: nacks a leader ballot below the current floor, without an instance', () => {
    const s = run(fresh(), prepareAll(b(4)));
    expect(step(s, prepareAll(b(2, 'P2'))).out).to.deep.equal([
      { kind: 'send', to: 'P2', msg: { type: 'nack', ballot: b(2, 'P2'), promised: b(4), from: 'A1' } },
    ]);
  });

  it('restore: rebuilds promises, accepted values and the leader floor from the persisted records in order', () => {
    let s = fresh();
    const log: unknown[] = [];
    for (const input of [
      prepare(b(1)),
      accept(b(1), 'x'),
      prepare(b(3, 'P2')),
      prepareAll(b(2)),
      prepare(b(1), 'conv/c/0'),
    ]) {
      const r = step(s, input);
      s = r.state;
      for (const o of r.out) if (o.kind === 'persist') log.push(...o.records);
    }
    const back = restore<V>({ id: 'A1' }, log as never);
    expect(back).to.deep.equal(s);
  });

  it('restore: a promise written before a crash survives it (the answer after restart is the same nack)', () => {
    const r = step(fresh(), prepare(b(5)));
    const log = r.out.flatMap((o) => (o.kind === 'persist' ? o.records : []));
    const back = restore<V>({ id: 'A1' }, log);
    expect(step(back, accept(b(4, 'P2'), 'y')).out[0]).to.have.nested.property('msg.type', 'nack');
  });

  it('snapshot: is the minimal record list that restores to the same live state', () => {
    const s = run(
      fresh(),
      accept(b(1), 'x'),
      prepare(b(3, 'P2')),
      accept(b(2), 'y', false, 'conv/b/0'),
      prepareAll(b(2)),
    );
    const snap = snapshot(s);
    expect(snap).to.have.length(4);
    expect(restore<V>({ id: 'A1' }, snap)).to.deep.equal(s);
  });

  it('compact: drops the named instances and nothing else', () => {
    const s = run(fresh(), accept(b(1), 'x'), accept(b(1), 'y', false, 'conv/b/0'));
    const c = compact(s, [I]);
    expect(hasInstance(c, I)).to.equal(false);
    expect(hasInstance(c, 'conv/b/0')).to.equal(true);
    expect(snapshot(c)).to.deep.equal([
      { t: 'accept', instance: 'conv/b/0', ballot: b(1), value: { agentId: 'y' } },
    ]);
  });

  it('needsRecordLookup: asks for the durable record on unknown instances and on every fast accept', () => {
    const s = run(fresh(), accept(b(1), 'x'));
    expect(needsRecordLookup(s, msgOf(prepare(b(2), 'conv/unknown/0')))).to.equal(true);
    expect(needsRecordLookup(s, msgOf(prepare(b(2))))).to.equal(false);
    expect(needsRecordLookup(s, msgOf(accept(b(2), 'x')))).to.equal(false);
    expect(needsRecordLookup(s, msgOf(accept(b(2), 'x', true)))).to.equal(true);
    expect(needsRecordLookup(s, msgOf(prepareAll(b(2))))).to.equal(false);
    const decided = step(s, { type: 'recorded', instance: I, value: { agentId: 'x' } }).state;
    expect(needsRecordLookup(decided, msgOf(accept(b(2), 'x', true)))).to.equal(false);
  });

  it('recorded: answers prepare and accept for a decided instance with the decision instead of promising', () => {
    const recorded = () => step(fresh(), { type: 'recorded', instance: I, value: { agentId: 'x' } }).state;
    const decided = { type: 'decided', instance: I, value: { agentId: 'x' }, from: 'A1' };
    expect(step(recorded(), prepare(b(7, 'P2'))).out).to.deep.equal([
      { kind: 'send', to: 'P2', msg: decided },
    ]);
    const s = recorded();
    expect(step(s, accept(b(7, 'P2'), 'y')).out).to.deep.equal([{ kind: 'send', to: 'P2', msg: decided }]);
    expect(snapshot(s)).to.deep.equal([]);
  });
});

describe('acceptor compaction with a leader ballot', () => {
  // v was chosen at (2,P2) by A1 and A2, recorded durably, and A1 compacted it. A3 once accepted u at a
  // lower ballot. A leader's prepare-all answered by A1 and A3 cannot see v (A1 forgot it), so it
  // re-proposes u on the fast path. Only the durable-record lookup on fast accepts stops A2 and A3 from
  // choosing u as well.
  const v = { agentId: 'v' };
  const setup = () => {
    const a1 = compact(run(initialState<V>({ id: 'A1' }), accept(b(2, 'P2'), 'v')), [I]);
    const a2 = run(initialState<V>({ id: 'A2' }), accept(b(2, 'P2'), 'v'), prepareAll(b(5)));
    const a3 = run(initialState<V>({ id: 'A3' }), accept(b(1, 'P3'), 'u'));
    // The leader's quorum is A1 and A3; answering the prepare-all leaves A3 promised to the leader ballot.
    const reports = [a1, a3].map((s) => step(s, prepareAll(b(5))).out.find((o) => o.kind === 'send')?.msg);
    expect(reports.flatMap((m) => (m?.type === 'promise-all' ? m.accepted : []))).to.deep.equal([
      { instance: I, ballot: b(1, 'P3'), value: { agentId: 'u' } },
    ]);
    return { a2, a3 };
  };
  const deliver = (
    s: AcceptorState<V>,
    input: AcceptorInput<V>,
    lookup: (s: AcceptorState<V>, m: AcceptorMessage<V>) => boolean,
  ) => {
    const m = msgOf(input);
    const before = lookup(s, m) ? step(s, { type: 'recorded', instance: I, value: v }).state : s;
    return step(before, input).out.flatMap((o) =>
      o.kind === 'send' && o.to !== 'learners' ? [o.msg.type] : [],
    );
  };

  it('answers the fast accept with the recorded decision when the adapter follows needsRecordLookup', () => {
    const { a2, a3 } = setup();
    const fastU = accept(b(5), 'u', true);
    expect(deliver(a2, fastU, needsRecordLookup)).to.deep.equal(['decided']);
    expect(deliver(a3, fastU, needsRecordLookup)).to.deep.equal(['decided']);
  });

  it('would let u be chosen too if only unknown instances were looked up (why the rule covers fast accepts)', () => {
    const { a2, a3 } = setup();
    const fastU = accept(b(5), 'u', true);
    const unknownOnly = (s: AcceptorState<V>, m: AcceptorMessage<V>) =>
      m.type !== 'prepare-all' && !hasInstance(s, m.instance);
    expect(deliver(a2, fastU, unknownOnly)).to.deep.equal(['accepted']);
    expect(deliver(a3, fastU, unknownOnly)).to.deep.equal(['accepted']);
  });

  it('recordLookupSkippable: the adapter may skip the read only where no chosen value can hide (u is not chosen)', () => {
    const { a2, a3 } = setup();
    const fastU = accept(b(5), 'u', true);
    // Neither compacted the instance: A2 holds v, which differs from u, so it must read; A3 holds u itself.
    const adapterRule = (s: AcceptorState<V>, m: AcceptorMessage<V>) =>
      needsRecordLookup(s, m) && (m.type === 'prepare-all' || !recordLookupSkippable(s, m, false));
    expect(deliver(a2, fastU, adapterRule)).to.deep.equal(['decided']);
    expect(deliver(a3, fastU, adapterRule)).to.deep.equal(['accepted']);
    // A1 compacted it, so it reads too: only A3 accepts u, which is no majority.
    const a1 = run(
      compact(run(initialState<V>({ id: 'A1' }), accept(b(2, 'P2'), 'v')), [I]),
      prepareAll(b(5)),
    );
    expect(recordLookupSkippable(a1, msgOf(fastU) as never, true)).to.equal(false);
  });

  it('recordLookupSkippable: never skips for an instance compacted here, and skips a prepare otherwise', () => {
    const empty = initialState<V>({ id: 'A9' });
    expect(recordLookupSkippable(empty, msgOf(prepare(b(1))) as never, true)).to.equal(false);
    expect(recordLookupSkippable(empty, msgOf(prepare(b(1))) as never, false)).to.equal(true);
    expect(recordLookupSkippable(empty, msgOf(accept(b(1), 'x', true)) as never, false)).to.equal(true);
  });
});
