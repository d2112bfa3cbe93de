// Rule-by-rule tests of the pure proposer core: phases, adoption, coalescing, backoff, timeout and the fast path.
import { expect } from 'chai';
import { forget, initialState, isLeading, step } from '../../../actors/paxos/proposer.ts';
import type {
  ProposerConfig,
  ProposerInput,
  ProposerOut,
  ProposerState,
} from '../../../actors/paxos/proposer.ts';
import type { Ballot } from '../../../actors/paxos/types.ts';

type V = { agentId: string };
const I = 'conv/t1/0';
const config: ProposerConfig = {
  id: 'P1',
  acceptors: ['A1', 'A2', 'A3'],
  timeoutMs: 1000,
  retryMs: 100,
  backoffMinMs: 10,
  backoffMaxMs: 50,
  seed: 42,
  fastPath: false,
};
const b = (round: number, proposer = 'P1'): Ballot => ({ round, proposer });
const request = (requestId: string, agentId: string, now = 0, instance = I): ProposerInput<V> => ({
  type: 'request',
  requestId,
  now,
  msg: { type: 'propose', instance, candidate: { agentId } },
});
const promise = (
  from: string,
  ballot: Ballot,
  accepted?: { ballot: Ballot; agentId: string },
  instance = I,
): ProposerInput<V> => ({
  type: 'message',
  now: 1,
  msg: {
    type: 'promise',
    instance,
    ballot,
    from,
    ...(accepted ? { accepted: { ballot: accepted.ballot, value: { agentId: accepted.agentId } } } : {}),
  },
});
const accepted = (from: string, ballot: Ballot, agentId: string, instance = I): ProposerInput<V> => ({
  type: 'message',
  now: 2,
  msg: { type: 'accepted', instance, ballot, value: { agentId }, from },
});

function run(
  state: ProposerState<V>,
  ...inputs: ProposerInput<V>[]
): { state: ProposerState<V>; out: ProposerOut<V>[] } {
  let s = state;
  const out: ProposerOut<V>[] = [];
  for (const i of inputs) {
    const r = step(s, i);
    s = r.state;
    out.push(...r.out);
  }
  return { state: s, out };
}
const sends = (out: ProposerOut<V>[]) =>
  out.filter((o) => o.kind === 'send').map((o) => (o.kind === 'send' ? o.msg : undefined));
const replies = (out: ProposerOut<V>[]) => out.filter((o) => o.kind === 'reply');

describe('proposer', () => {
  const fresh = (c: Partial<ProposerConfig> = {}) => initialState<V>({ ...config, ...c });

  it('P1a: starts a request with a prepare to all acceptors at a fresh ballot, plus retry and timeout timers', () => {
    const r = step(fresh(), request('q1', 'x', 100));
    expect(r.out).to.deep.include({
      kind: 'send',
      to: 'acceptors',
      msg: { type: 'prepare', instance: I, ballot: b(1), from: 'P1' },
    });
    expect(r.out).to.deep.include({ kind: 'setTimer', key: JSON.stringify(['timeout', I, 'q1']), at: 1100 });
    expect(r.out.some((o) => o.kind === 'setTimer' && o.key.startsWith('["retry"') && o.at === 200)).to.equal(
      true,
    );
  });

  it('P2a: with a majority of promises and nothing accepted, proposes its own candidate', () => {
    const r = run(fresh(), request('q1', 'x'), promise('A1', b(1)), promise('A2', b(1)));
    expect(sends(r.out)).to.deep.include({
      type: 'accept',
      instance: I,
      ballot: b(1),
      value: { agentId: 'x' },
      from: 'P1',
    });
  });

  it('P2a: adopts the value of the highest-ballot accepted proposal reported by the promises', () => {
    const r = run(
      fresh(),
      request('q1', 'x'),
      promise('A1', b(1), { ballot: b(0, 'P0'), agentId: 'old' }),
      promise('A2', b(1), { ballot: b(0, 'P9'), agentId: 'newer' }),
    );
    expect(sends(r.out)).to.deep.include({
      type: 'accept',
      instance: I,
      ballot: b(1),
      value: { agentId: 'newer' },
      from: 'P1',
    });
  });

  it('does not count a duplicated promise twice toward the majority', () => {
    const r = run(fresh(), request('q1', 'x'), promise('A1', b(1)), promise('A1', b(1)));
    expect(sends(r.out).some((m) => m?.type === 'accept')).to.equal(false);
  });

  it('ignores promises for a ballot it is not running and from unknown acceptors', () => {
    const r = run(fresh(), request('q1', 'x'), promise('A1', b(7)), promise('X9', b(1)), promise('A2', b(1)));
    expect(sends(r.out).some((m) => m?.type === 'accept')).to.equal(false);
  });

  it('decides on a majority of accepted, answering every coalesced caller once and notifying the learners', () => {
    const r = run(
      fresh(),
      request('q1', 'x'),
      request('q2', 'y'),
      promise('A1', b(1)),
      promise('A3', b(1)),
      accepted('A1', b(1), 'x'),
      accepted('A3', b(1), 'x'),
      accepted('A2', b(1), 'x'),
    );
    const decided = { type: 'decided', instance: I, value: { agentId: 'x' }, ballot: b(1), from: 'P1' };
    expect(replies(r.out)).to.deep.equal([
      { kind: 'reply', requestId: 'q1', msg: decided },
      { kind: 'reply', requestId: 'q2', msg: decided },
    ]);
    expect(r.out).to.deep.include({ kind: 'send', to: 'learners', msg: decided });
    expect(sends(r.out).filter((m) => m?.type === 'prepare')).to.have.length(1);
    // A later request is answered from memory with the same value.
    expect(replies(step(r.state, request('q3', 'z')).out)).to.deep.equal([
      { kind: 'reply', requestId: 'q3', msg: decided },
    ]);
  });

  it('finishes with the value of a decided answer instead of starting a new round', () => {
    const r = run(fresh(), request('q1', 'x'), {
      type: 'message',
      now: 1,
      msg: { type: 'decided', instance: I, value: { agentId: 'v' }, from: 'A2' },
    });
    expect(replies(r.out)).to.deep.equal([
      {
        kind: 'reply',
        requestId: 'q1',
        msg: { type: 'decided', instance: I, value: { agentId: 'v' }, from: 'P1' },
      },
    ]);
    expect(r.state.pending.size).to.equal(0);
  });

  it('on preemption backs off for a random time within the bounds, then retries above the preempting round', () => {
    const s = run(fresh(), request('q1', 'x', 0)).state;
    const nack = step(s, {
      type: 'message',
      now: 5,
      msg: { type: 'nack', instance: I, ballot: b(1), promised: b(9, 'P2'), from: 'A1' },
    });
    const timer = nack.out.find((o) => o.kind === 'setTimer');
    expect(timer).to.not.equal(undefined);
    if (timer?.kind !== 'setTimer') return;
    expect(timer.at).to.be.within(5 + 10, 5 + 50);
    const retry = step(nack.state, { type: 'timer', key: timer.key, now: timer.at });
    expect(sends(retry.out)).to.deep.include({ type: 'prepare', instance: I, ballot: b(10), from: 'P1' });
  });

  it('draws different backoffs for different seeds (randomness is injected, not fixed)', () => {
    const at = (seed: number) => {
      const s = run(fresh({ seed }), request('q1', 'x', 0)).state;
      const r = step(s, {
        type: 'message',
        now: 0,
        msg: { type: 'nack', instance: I, ballot: b(1), promised: b(2, 'P2'), from: 'A1' },
      });
      return r.out.find((o) => o.kind === 'setTimer')!;
    };
    const seen = new Set([1, 2, 3, 4, 5, 6].map((s) => JSON.stringify(at(s))));
    expect(seen.size).to.be.greaterThan(1);
    expect(JSON.stringify(at(7))).to.equal(JSON.stringify(at(7)));
  });

  it('retries with a higher ballot when no quorum answered before the retry timer (lost messages)', () => {
    const r = run(fresh(), request('q1', 'x', 0));
    const retry = r.out.find((o) => o.kind === 'setTimer' && o.key.startsWith('["retry"'));
    if (retry?.kind !== 'setTimer') throw new Error('no retry timer');
    const again = step(r.state, { type: 'timer', key: retry.key, now: retry.at });
    expect(sends(again.out)).to.deep.include({ type: 'prepare', instance: I, ballot: b(2), from: 'P1' });
    // The same timer fired twice (a stale timer) starts nothing new.
    expect(step(again.state, { type: 'timer', key: retry.key, now: retry.at + 1 }).out).to.deep.equal([]);
  });

  it('gives up after PAXOS_TIMEOUT with an error that is never definite and is retryable', () => {
    const s = run(fresh(), request('q1', 'x', 0)).state;
    const r = step(s, { type: 'timer', key: JSON.stringify(['timeout', I, 'q1']), now: 1000 });
    expect(replies(r.out)).to.deep.equal([
      {
        kind: 'reply',
        requestId: 'q1',
        msg: {
          type: 'error',
          code: 'PAXOS_TIMEOUT',
          text: `no decision for ${I} within 1000 ms`,
          definite: false,
          retryable: true,
        },
      },
    ]);
    expect(r.state.pending.size).to.equal(0);
  });

  it('answers a redelivered request id once', () => {
    const r = run(
      fresh(),
      request('q1', 'x'),
      request('q1', 'x'),
      promise('A1', b(1)),
      promise('A2', b(1)),
      accepted('A1', b(1), 'x'),
      accepted('A2', b(1), 'x'),
    );
    expect(replies(r.out)).to.have.length(1);
  });

  it('outputs already returned stay as they were while later steps change the state in place', () => {
    const s = fresh();
    const steps: ProposerInput<V>[] = [
      request('q1', 'x', 0),
      request('q2', 'y', 0),
      promise('A1', b(1), { ballot: b(0, 'P0'), agentId: 'old' }),
      promise('A2', b(1)),
      {
        type: 'message',
        now: 3,
        msg: { type: 'nack', instance: I, ballot: b(1), promised: b(5, 'P2'), from: 'A3' },
      },
    ];
    const returned = steps.map((i) => {
      const out = step(s, i).out;
      return { out, asReturned: structuredClone(out) };
    });
    // The backoff ends, the next attempt gets a new ballot and a majority, the decision is forgotten and
    // asked for again: every pending entry, attempt and map the earlier outputs came from has changed.
    const backoff = returned.at(-1)!.out.find((o) => o.kind === 'setTimer');
    if (backoff?.kind !== 'setTimer') throw new Error('no backoff timer');
    run(
      s,
      { type: 'timer', key: backoff.key, now: backoff.at },
      promise('A1', b(6), { ballot: b(1), agentId: 'old' }),
      promise('A3', b(6)),
      accepted('A1', b(6), 'old'),
      accepted('A3', b(6), 'old'),
    );
    forget(s, [I]);
    run(s, request('q3', 'z', 500), { type: 'timer', key: JSON.stringify(['timeout', I, 'q3']), now: 1500 });
    for (const r of returned) expect(r.out).to.deep.equal(r.asReturned);
    expect(sends(returned[3]!.out)).to.deep.equal([
      { type: 'accept', instance: I, ballot: b(1), value: { agentId: 'old' }, from: 'P1' },
    ]);
  });

  it('runs many instances at once with distinct ballots', () => {
    const r = run(fresh(), request('q1', 'x', 0, 'conv/a/0'), request('q2', 'y', 0, 'conv/b/0'));
    const prepares = sends(r.out).filter((m) => m?.type === 'prepare');
    expect(prepares.map((m) => (m?.type === 'prepare' ? m.instance : ''))).to.deep.equal([
      'conv/a/0',
      'conv/b/0',
    ]);
    expect(r.state.pending.size).to.equal(2);
  });

  describe('multi-Paxos fast path', () => {
    const promiseAll = (
      from: string,
      ballot: Ballot,
      acc: Array<{ instance: string; ballot: Ballot; agentId: string }> = [],
      refused: string[] = [],
    ): ProposerInput<V> => ({
      type: 'message',
      now: 1,
      msg: {
        type: 'promise-all',
        ballot,
        from,
        accepted: acc.map((a) => ({ instance: a.instance, ballot: a.ballot, value: { agentId: a.agentId } })),
        refused,
      },
    });
    const leading = () => {
      const r = run(fresh({ fastPath: true }), request('q0', 'x', 0, 'conv/first/0'));
      expect(sends(r.out)).to.deep.include({ type: 'prepare-all', ballot: b(1), from: 'P1' });
      return run(
        r.state,
        promiseAll(
          'A1',
          b(1),
          [{ instance: 'conv/old/0', ballot: b(0, 'P0'), agentId: 'old' }],
          ['conv/busy/0'],
        ),
        promiseAll('A2', b(1)),
      ).state;
    };

    it('skips phase 1 for a new instance once a majority promised the leader ballot', () => {
      const s = leading();
      expect(isLeading(s)).to.equal(true);
      const r = step(s, request('q1', 'y', 10));
      expect(sends(r.out)).to.deep.equal([
        { type: 'accept', instance: I, ballot: b(1), value: { agentId: 'y' }, from: 'P1', fast: true },
      ]);
    });

    it('renews its leader ballot after leaderRenewAfter instances, so what it remembers per ballot stays bounded', () => {
      const s = { ...leading(), config: { ...config, fastPath: true, leaderRenewAfter: 1 } };
      // Nothing was proposed at the leader ballot yet (conv/first/0 went the classic way while it was prepared).
      const second = step(s, request('q1', 'y', 10, 'conv/second/0'));
      expect(sends(second.out).map((m) => m?.type)).to.deep.equal(['accept']);
      const third = step(second.state, request('q2', 'z', 11, 'conv/third/0'));
      const renewal = sends(third.out).find((m) => m?.type === 'prepare-all');
      expect(renewal?.type === 'prepare-all' && renewal.ballot.round).to.be.greaterThan(1);
      expect(sends(third.out).map((m) => m?.type)).to.include('prepare');
      expect(isLeading(third.state)).to.equal(false);
    });

    it('re-proposes a value reported accepted in the promise-all quorum instead of its candidate', () => {
      const r = step(leading(), request('q1', 'y', 10, 'conv/old/0'));
      expect(sends(r.out)).to.deep.include({
        type: 'accept',
        instance: 'conv/old/0',
        ballot: b(1),
        value: { agentId: 'old' },
        from: 'P1',
        fast: true,
      });
    });

    it('uses the classic path for an instance an acceptor refused', () => {
      const r = step(leading(), request('q1', 'y', 10, 'conv/busy/0'));
      expect(sends(r.out).map((m) => m?.type)).to.deep.equal(['prepare']);
    });

    it('falls back to the classic path when a fast accept is preempted', () => {
      const s = run(leading(), request('q1', 'y', 10)).state;
      const r = step(s, {
        type: 'message',
        now: 11,
        msg: { type: 'nack', instance: I, ballot: b(1), promised: b(4, 'P2'), from: 'A1' },
      });
      expect(isLeading(r.state)).to.equal(false);
      const timer = r.out.find((o) => o.kind === 'setTimer');
      if (timer?.kind !== 'setTimer') throw new Error('no backoff timer');
      const retry = step(r.state, { type: 'timer', key: timer.key, now: timer.at });
      expect(sends(retry.out).map((m) => m?.type)).to.deep.equal(['prepare-all', 'prepare']);
    });

    it('never sends two different values at the leader ballot for one instance, even after a timeout', () => {
      let s = run(leading(), request('q1', 'y', 10)).state;
      s = step(s, { type: 'timer', key: JSON.stringify(['timeout', I, 'q1']), now: 2000 }).state;
      const r = step(s, request('q2', 'z', 2001));
      expect(sends(r.out)).to.deep.equal([
        { type: 'accept', instance: I, ballot: b(1), value: { agentId: 'y' }, from: 'P1', fast: true },
      ]);
    });
  });
});
