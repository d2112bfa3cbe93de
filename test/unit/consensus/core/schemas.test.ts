// The Paxos wire schemas: compile in one ajv, accept what the cores send, reject what they must not, and fit the core types.
import { expect } from 'chai';
import { Ajv } from 'ajv';
import * as acceptor from '../../../../actors/consensus/core/acceptor.ts';
import * as proposer from '../../../../actors/consensus/core/proposer.ts';
import type * as core from '../../../../actors/consensus/core/types.ts';
import { paxosSchemas } from '../../../../schemas/paxos.ts';
import type * as wire from '../../../../schemas/paxos.ts';

// Compile-time: every wire type is assignable to the generic core type at V = OwnerValue. If a schema and
// a core type drift apart, this file stops type-checking.
type Fits<A, B> = A extends B ? true : false;
const fits: [
  Fits<wire.PrepareMsg, core.Prepare>,
  Fits<wire.PromiseMsg, core.Promised<wire.OwnerValue>>,
  Fits<wire.NackMsg, core.Nack>,
  Fits<wire.AcceptMsg, core.Accept<wire.OwnerValue>>,
  Fits<wire.AcceptedMsg, core.Accepted<wire.OwnerValue>>,
  Fits<wire.PrepareAllMsg, core.PrepareAll>,
  Fits<wire.PromiseAllMsg, core.PromiseAll<wire.OwnerValue>>,
  Fits<wire.DecidedMsg, core.Decided<wire.OwnerValue>>,
  Fits<wire.ProposeMsg, core.Propose<wire.OwnerValue>>,
  Fits<wire.LookupMsg, core.Lookup>,
  Fits<wire.LookupReplyMsg, core.LookupReply<wire.OwnerValue>>,
  Fits<wire.PaxosErrorMsg, core.PaxosError>,
] = [true, true, true, true, true, true, true, true, true, true, true, true];

const ajv = new Ajv({ strict: true, allErrors: true });
for (const s of Object.values(paxosSchemas)) ajv.addSchema(s);
const valid = (id: string, data: unknown): boolean => ajv.validate(`cs.paxos.${id}`, data);

describe('paxos schemas', () => {
  it('all compile in one strict ajv instance under unique ids', () => {
    expect(fits.every(Boolean)).to.equal(true);
    const ids = Object.values(paxosSchemas).map((s) => s.$id);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('accept every message the cores emit in a full round (classic, fast, decided, timeout)', () => {
    const seen: unknown[] = [];
    let a = acceptor.initialState<wire.OwnerValue>({ id: 'A1' });
    let p = proposer.initialState<wire.OwnerValue>({
      id: 'P1',
      acceptors: ['A1'],
      timeoutMs: 10,
      retryMs: 5,
      backoffMinMs: 1,
      backoffMaxMs: 2,
      seed: 1,
      fastPath: true,
    });
    // A tiny synchronous loop: proposer sends reach the one acceptor, acceptor answers go back to the proposer.
    const feedP = (first: proposer.ProposerInput<wire.OwnerValue>) => {
      const queue: proposer.ProposerInput<wire.OwnerValue>[] = [first];
      for (let input = queue.shift(); input !== undefined; input = queue.shift()) {
        const r = proposer.step(p, input);
        p = r.state;
        for (const o of r.out) {
          if (o.kind === 'reply') seen.push(o.msg);
          if (o.kind !== 'send') continue;
          seen.push(o.msg);
          if (o.msg.type !== 'prepare' && o.msg.type !== 'accept' && o.msg.type !== 'prepare-all') continue;
          const ra = acceptor.step(a, { type: 'message', msg: o.msg });
          a = ra.state;
          for (const x of ra.out) {
            if (x.kind !== 'send') continue;
            seen.push(x.msg);
            if (x.to === 'P1') queue.push({ type: 'message', now: 1, msg: x.msg });
          }
        }
      }
    };
    feedP({
      type: 'request',
      requestId: 'q',
      now: 0,
      msg: {
        type: 'propose',
        instance: 'conv/a.b/0',
        candidate: { agentId: 'x', specialization: 'billing', epoch: 0 },
      },
    });
    // The leader ballot stands now, so this one takes the fast path.
    feedP({
      type: 'request',
      requestId: 'q1',
      now: 1,
      msg: { type: 'propose', instance: 'conv/d/2', candidate: { agentId: 'z' } },
    });
    // A proposer whose acceptor never answers times out.
    const lonely = proposer.step(proposer.initialState<wire.OwnerValue>({ ...p.config, acceptors: ['A9'] }), {
      type: 'request',
      requestId: 'q2',
      now: 2,
      msg: { type: 'propose', instance: 'conv/c/1', candidate: { agentId: 'y' } },
    }).state;
    for (const o of proposer.step(lonely, {
      type: 'timer',
      key: proposer.instanceTimerKey('conv/c/1'),
      now: 100,
    }).out) {
      if (o.kind === 'reply') seen.push(o.msg);
    }
    const types = new Set(seen.map((m) => (m as { type: string }).type));
    expect([...types]).to.include.members([
      'prepare-all',
      'prepare',
      'promise-all',
      'promise',
      'accept',
      'accepted',
      'decided',
      'error',
    ]);
    for (const m of seen) {
      const type = (m as { type: string }).type;
      expect(valid(type, m), `${type}: ${ajv.errorsText()}`).to.equal(true);
    }
  });

  it('reject extra properties, bad instance ids, negative rounds and a missing discriminator', () => {
    const prepare = {
      type: 'prepare',
      instance: 'conv/t/0',
      ballot: { round: 0, proposer: 'P1' },
      from: 'P1',
    };
    expect(valid('prepare', prepare)).to.equal(true);
    expect(valid('prepare', { ...prepare, extra: 1 })).to.equal(false);
    expect(valid('prepare', { ...prepare, instance: 'thread/t/0' })).to.equal(false);
    expect(valid('prepare', { ...prepare, instance: 'conv/t/x' })).to.equal(false);
    expect(valid('prepare', { ...prepare, ballot: { round: -1, proposer: 'P1' } })).to.equal(false);
    expect(valid('prepare', { ...prepare, type: undefined })).to.equal(false);
    expect(valid('owner-value', { agentId: 'a', epoch: 1.5 })).to.equal(false);
    expect(
      valid('error', { type: 'error', code: 'PAXOS_TIMEOUT', text: 't', definite: false, retryable: true }),
    ).to.equal(true);
    expect(valid('error', { type: 'error', code: 'PAXOS_TIMEOUT', text: 't', definite: false })).to.equal(
      false,
    );
  });
});
