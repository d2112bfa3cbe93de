// Rule-by-rule tests of the pure proposer core: phases, adoption, coalescing, backoff, timers and the fast path.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  forget,
  initialState,
  instanceTimerKey,
  isLeading,
  LEADER_TIMER_KEY,
  step,
} from '../../../../actors/consensus/core/proposer.ts';
import type {
  ProposerConfig,
  ProposerInput,
  ProposerOut,
  ProposerState,
} from '../../../../actors/consensus/core/proposer.ts';
import type { Ballot } from '../../../../actors/consensus/core/types.ts';

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
const timers = (out: ProposerOut<V>[]) => out.filter((o) => o.kind === 'setTimer' || o.kind === 'clearTimer');
const T = instanceTimerKey(I);
const fire = (key: string, now: number): ProposerInput<V> => ({ type: 'timer', key, now });
const timeoutError = (instance = I, ms = 1000) => ({
  type: 'error',
  code: 'PAXOS_TIMEOUT',
  text: `no decision for ${instance} within ${ms} ms`,
  definite: false,
  retryable: true,
});

describe('proposer', () => {
  const fresh = (c: Partial<ProposerConfig> = {}) => initialState<V>({ ...config, ...c });

  it('P1a: starts a request with a prepare to all acceptors at a fresh ballot and one timer, at its earliest deadline', () => {
    const r = step(fresh(), request('q1', 'x', 100));
    // The retry (100 + retryMs) comes before the PAXOS_TIMEOUT (100 + timeoutMs): one timer, for the retry.
    expect(r.out).to.deep.equal([
      { kind: 'send', to: 'acceptors', msg: { type: 'prepare', instance: I, ballot: b(1), from: 'P1' } },
      { kind: 'setTimer', key: T, at: 200 },
    ]);
    // A second caller for the same instance coalesces: its deadline is later, so the timer stays as it is.
    expect(step(r.state, request('q2', 'y', 150)).out).to.deep.equal([]);
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
    expect(timers(r.out)).to.deep.equal([
      { kind: 'setTimer', key: T, at: 100 },
      { kind: 'clearTimer', key: T },
    ]);
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

  it('drops the timer of a decided instance before answering, and ignores that timer if it still fires', () => {
    const s = run(
      fresh(),
      request('q1', 'x'),
      promise('A1', b(1)),
      promise('A2', b(1)),
      accepted('A1', b(1), 'x'),
    ).state;
    const r = step(s, accepted('A2', b(1), 'x'));
    const decided = { type: 'decided', instance: I, value: { agentId: 'x' }, ballot: b(1), from: 'P1' };
    // clearTimer first: an adapter that asks again from inside its reply handling gets a timer this step keeps.
    expect(r.out).to.deep.equal([
      { kind: 'clearTimer', key: T },
      { kind: 'reply', requestId: 'q1', msg: decided },
      { kind: 'send', to: 'learners', msg: decided },
    ]);
    // A timer that raced the clear finds nothing pending: no output at all.
    expect(step(r.state, fire(T, 100)).out).to.deep.equal([]);
    // A decided notice for an instance this proposer was not running has no timer to drop.
    const notice = step(fresh(), {
      type: 'message',
      now: 1,
      msg: { type: 'decided', instance: I, value: { agentId: 'v' }, from: 'A2' },
    });
    expect(timers(notice.out)).to.deep.equal([]);
  });

  it('on preemption backs off for a random time within the bounds, then retries above the preempting round', () => {
    const s = run(fresh(), request('q1', 'x', 0)).state;
    const nack = step(s, {
      type: 'message',
      now: 5,
      msg: { type: 'nack', instance: I, ballot: b(1), promised: b(9, 'P2'), from: 'A1' },
    });
    // The backoff end replaces the retry as the instance's one timer.
    expect(nack.out).to.have.length(1);
    const timer = nack.out[0];
    if (timer?.kind !== 'setTimer') throw new Error('no backoff timer');
    expect(timer.key).to.equal(T);
    expect(timer.at).to.be.within(5 + 10, 5 + 50);
    const retry = step(nack.state, fire(timer.key, timer.at));
    expect(retry.out).to.deep.equal([
      { kind: 'send', to: 'acceptors', msg: { type: 'prepare', instance: I, ballot: b(10), from: 'P1' } },
      { kind: 'setTimer', key: T, at: timer.at + 100 },
    ]);
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
    const again = step(r.state, fire(T, 100));
    expect(again.out).to.deep.equal([
      { kind: 'send', to: 'acceptors', msg: { type: 'prepare', instance: I, ballot: b(2), from: 'P1' } },
      { kind: 'setTimer', key: T, at: 200 },
    ]);
    // The same key fired again before anything is due (stale, or early) starts nothing new; the adapter forgot
    // the timer when it fired, so the core sets it again at the same deadline.
    expect(step(again.state, fire(T, 101)).out).to.deep.equal([{ kind: 'setTimer', key: T, at: 200 }]);
    // Keys the core never set are ignored.
    expect(step(again.state, fire('i:conv/other/0', 500)).out).to.deep.equal([]);
    expect(step(again.state, fire('["retry","x",1]', 500)).out).to.deep.equal([]);
  });

  it('gives up after PAXOS_TIMEOUT with an error that is never definite and is retryable, and drops the timer', () => {
    const s = run(fresh(), request('q1', 'x', 0)).state;
    // The retry is overdue too, but nobody waits any more: no new round.
    const r = step(s, fire(T, 1000));
    expect(r.out).to.deep.equal([
      { kind: 'clearTimer', key: T },
      { kind: 'reply', requestId: 'q1', msg: timeoutError() },
    ]);
    expect(r.state.pending.size).to.equal(0);
  });

  it('answers every request whose deadline passed when the timer fires, and sets it again for the rest', () => {
    // Retries far off, so only deadlines are due: q1 and q2 at 1000, q3 at 1500.
    const s = run(
      fresh({ retryMs: 5000 }),
      request('q1', 'x', 0),
      request('q2', 'y', 0),
      request('q3', 'z', 500),
    ).state;
    const r = step(s, fire(T, 1000));
    expect(r.out).to.deep.equal([
      { kind: 'reply', requestId: 'q1', msg: timeoutError() },
      { kind: 'reply', requestId: 'q2', msg: timeoutError() },
      { kind: 'setTimer', key: T, at: 1500 },
    ]);
    // The one left keeps waiting (a timeout is never definite) and is answered when a decision comes.
    expect(r.state.pending.get(I)?.requests.map((q) => q.requestId)).to.deep.equal(['q3']);
    const done = run(r.state, promise('A1', b(1)), promise('A2', b(1)), accepted('A1', b(1), 'x'));
    expect(replies(step(done.state, accepted('A2', b(1), 'x')).out).map((o) => o.requestId)).to.deep.equal([
      'q3',
    ]);
  });

  it('does both when a retry and a request timeout are due at the same time', () => {
    // retryMs = timeoutMs: q1's deadline and the first retry are both at 1000; q2 waits until 1500.
    const s = run(fresh({ retryMs: 1000 }), request('q1', 'x', 0), request('q2', 'y', 500)).state;
    const r = step(s, fire(T, 1000));
    expect(r.out).to.deep.equal([
      { kind: 'reply', requestId: 'q1', msg: timeoutError() },
      { kind: 'send', to: 'acceptors', msg: { type: 'prepare', instance: I, ballot: b(2), from: 'P1' } },
      // The next deadline is q2's (1500), before the new attempt's retry (2000).
      { kind: 'setTimer', key: T, at: 1500 },
    ]);
  });

  it('keeps one timer per pending instance, at its earliest deadline, and none once every request is answered', () => {
    // A random mix of requests, replies, preemptions, decisions, forgets and timers (due, early and stale), fed
    // to a core whose timers are held the way the adapter holds them: a key set again replaces its timer.
    const instances = ['conv/a/0', 'conv/b/0', 'conv/c/0'];
    const acceptorIds = ['A1', 'A2', 'A3'];
    const action = fc.oneof(
      fc.record({ t: fc.constant('request' as const), i: fc.nat(2), dt: fc.nat(300) }),
      fc.record({ t: fc.constant('promise' as const), i: fc.nat(2), a: fc.nat(2) }),
      fc.record({ t: fc.constant('accepted' as const), i: fc.nat(2), a: fc.nat(2) }),
      fc.record({ t: fc.constant('nack' as const), i: fc.nat(2), a: fc.nat(2) }),
      fc.record({ t: fc.constant('promise-all' as const), a: fc.nat(2) }),
      fc.record({ t: fc.constant('nack-all' as const), a: fc.nat(2) }),
      fc.record({ t: fc.constant('decided' as const), i: fc.nat(2) }),
      fc.record({ t: fc.constant('forget' as const) }),
      fc.record({ t: fc.constant('fire' as const) }),
      fc.record({ t: fc.constant('fire-early' as const), i: fc.nat(3) }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(action, { maxLength: 80 }), (fastPath, actions) => {
        let s = fresh({ fastPath, leaderRenewAfter: 2 });
        const armed = new Map<string, number>();
        const answered = new Map<string, number>();
        let asked = 0;
        let now = 0;
        const feed = (input: ProposerInput<V>) => {
          const r = step(s, input);
          s = r.state;
          for (const o of r.out) {
            if (o.kind === 'setTimer') armed.set(o.key, o.at);
            else if (o.kind === 'clearTimer') armed.delete(o.key);
            else if (o.kind === 'reply') answered.set(o.requestId, (answered.get(o.requestId) ?? 0) + 1);
          }
          const preparing = s.leader?.phase === 'preparing';
          expect(armed.size, 'timers').to.equal(s.pending.size + (preparing ? 1 : 0));
          if (preparing) expect(armed.get(LEADER_TIMER_KEY)).to.equal(s.leader?.retryAt);
          for (const [instance, p] of s.pending) {
            const due = Math.min(p.attempt.retryAt, ...p.requests.map((q) => q.deadline));
            expect(armed.get(instanceTimerKey(instance)), instance).to.equal(due);
          }
        };
        const fireEarliest = (): boolean => {
          let next: [string, number] | undefined;
          for (const [k, at] of armed) if (next === undefined || at < next[1]) next = [k, at];
          if (next === undefined) return false;
          armed.delete(next[0]);
          now = Math.max(now, next[1]);
          feed(fire(next[0], now));
          return true;
        };
        const ballotOf = (i: string) => s.pending.get(i)?.attempt.ballot ?? b(1);
        for (const x of actions) {
          const i = 'i' in x ? instances[x.i]! : '';
          const from = 'a' in x ? acceptorIds[x.a]! : '';
          if (x.t === 'request') {
            now += x.dt;
            feed(request(`q${++asked}`, 'x', now, i));
          } else if (x.t === 'promise') {
            feed({ type: 'message', now, msg: { type: 'promise', instance: i, ballot: ballotOf(i), from } });
          } else if (x.t === 'accepted') {
            const value = { agentId: 'x' };
            feed({
              type: 'message',
              now,
              msg: { type: 'accepted', instance: i, ballot: ballotOf(i), value, from },
            });
          } else if (x.t === 'nack') {
            const msg = {
              type: 'nack',
              instance: i,
              ballot: ballotOf(i),
              promised: b(50, 'P9'),
              from,
            } as const;
            feed({ type: 'message', now, msg });
          } else if (x.t === 'promise-all' || x.t === 'nack-all') {
            const ballot = s.leader?.ballot ?? b(1);
            feed({
              type: 'message',
              now,
              msg:
                x.t === 'promise-all'
                  ? { type: 'promise-all', ballot, from, accepted: [], refused: [] }
                  : { type: 'nack', ballot, promised: b(50, 'P9'), from },
            });
          } else if (x.t === 'decided') {
            feed({ type: 'message', now, msg: { type: 'decided', instance: i, value: { agentId: 'd' } } });
          } else if (x.t === 'forget') {
            forget(s, instances);
          } else if (x.t === 'fire') {
            fireEarliest();
          } else {
            // Early or stale: the adapter fires a key (forgetting its timer) before it is due, or after it ended.
            const key = x.i === 3 ? LEADER_TIMER_KEY : instanceTimerKey(instances[x.i]!);
            armed.delete(key);
            feed(fire(key, now));
          }
        }
        // Left alone, every request ends (decided or PAXOS_TIMEOUT), each answered exactly once, no timer left.
        for (let n = 0; n < 10_000 && fireEarliest(); n++);
        expect(armed.size).to.equal(0);
        expect(s.pending.size).to.equal(0);
        expect(answered.size).to.equal(asked);
        expect([...answered.values()].every((n) => n === 1)).to.equal(true);
      }),
    );
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
      fire(backoff.key, backoff.at),
      promise('A1', b(6), { ballot: b(1), agentId: 'old' }),
      promise('A3', b(6)),
      accepted('A1', b(6), 'old'),
      accepted('A3', b(6), 'old'),
    );
    forget(s, [I]);
    run(s, request('q3', 'z', 500), fire(T, 1500));
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

    it('drops the leader timer once a majority promised the leader ballot', () => {
      const r = step(fresh({ fastPath: true }), request('q0', 'x', 0, 'conv/first/0'));
      expect(r.out).to.deep.include({ kind: 'setTimer', key: LEADER_TIMER_KEY, at: 100 });
      const one = step(r.state, promiseAll('A1', b(1)));
      expect(one.out).to.deep.equal([]);
      const two = step(one.state, promiseAll('A2', b(1)));
      expect(two.out).to.deep.equal([{ kind: 'clearTimer', key: LEADER_TIMER_KEY }]);
      expect(isLeading(two.state)).to.equal(true);
      // A leader timer that raced the clear changes nothing.
      expect(step(two.state, fire(LEADER_TIMER_KEY, 100)).out).to.deep.equal([]);
      expect(isLeading(two.state)).to.equal(true);
    });

    it('gives up a leader ballot no majority promised in time, or that was refused, dropping its timer', () => {
      const s = step(fresh({ fastPath: true }), request('q0', 'x', 0, 'conv/first/0')).state;
      // Early: nothing due, the timer is set again for the rest.
      const early = step(s, fire(LEADER_TIMER_KEY, 50));
      expect(early.out).to.deep.equal([{ kind: 'setTimer', key: LEADER_TIMER_KEY, at: 100 }]);
      expect(early.state.leader?.phase).to.equal('preparing');
      const due = step(early.state, fire(LEADER_TIMER_KEY, 100));
      expect(due.out).to.deep.equal([{ kind: 'clearTimer', key: LEADER_TIMER_KEY }]);
      expect(due.state.leader).to.equal(undefined);

      const refused = step(step(fresh({ fastPath: true }), request('q0', 'x', 0, 'conv/first/0')).state, {
        type: 'message',
        now: 5,
        msg: { type: 'nack', ballot: b(1), promised: b(7, 'P2'), from: 'A1' },
      });
      expect(refused.out).to.deep.equal([{ kind: 'clearTimer', key: LEADER_TIMER_KEY }]);
      expect(refused.state.leader).to.equal(undefined);
    });

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
      s = step(s, fire(T, 2000)).state;
      const r = step(s, request('q2', 'z', 2001));
      expect(sends(r.out)).to.deep.equal([
        { type: 'accept', instance: I, ballot: b(1), value: { agentId: 'y' }, from: 'P1', fast: true },
      ]);
    });
  });
});
