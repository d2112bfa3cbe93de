// Randomized, seeded simulation of the Paxos cores: safety after every delivery, liveness after faults stop; no NATS.
import { expect } from 'chai';
import { simulate } from './paxos-sim.ts';
import type { SimOptions, SimResult } from './paxos-sim.ts';

// SIM_SEED replays one schedule (the seed is printed on failure); SIM_SCHEDULES scales the run up.
const fixedSeed = process.env.SIM_SEED === undefined ? undefined : Number(process.env.SIM_SEED);
const schedules = Number(process.env.SIM_SCHEDULES ?? 1000);
const baseSeed = Number(process.env.SIM_BASE_SEED ?? 0x5eed);

function seeds(count: number, salt: number): number[] {
  if (fixedSeed !== undefined) return [fixedSeed];
  return Array.from({ length: count }, (_, i) => (baseSeed + salt * 1_000_003 + i * 7919) >>> 0);
}

function runMany(count: number, salt: number, opt: Partial<SimOptions>): SimResult[] {
  const results: SimResult[] = [];
  for (const seed of seeds(count, salt)) {
    const r = simulate({ ...opt, seed });
    if (r.violation !== undefined) {
      throw new Error(
        `safety violated: ${r.violation}\nreplay: SIM_SEED=${seed} npx mocha test/sim/paxos.test.ts`,
      );
    }
    if (!r.live)
      throw new Error(
        `not live after faults stopped (seed ${seed}); replay: SIM_SEED=${seed} npx mocha test/sim/paxos.test.ts`,
      );
    results.push(r);
  }
  return results;
}

describe('paxos simulation', function () {
  this.timeout(0);

  it('keeps every instance safe and live with 3 acceptors, duelling fast and classic proposers', function () {
    const results = runMany(schedules, 1, { acceptors: 3, fastPath: 'mixed' });
    // The schedules must actually exercise what they claim to.
    expect(results.reduce((n, r) => n + r.fastAccepts, 0)).to.be.greaterThan(0);
    expect(results.reduce((n, r) => n + r.classicPrepares, 0)).to.be.greaterThan(0);
    expect(results.reduce((n, r) => n + r.compactions, 0)).to.be.greaterThan(0);
    expect(results.reduce((n, r) => n + r.crashes, 0)).to.be.greaterThan(0);
  });

  it('keeps every instance safe and live with 5 acceptors', function () {
    runMany(Math.ceil(schedules / 2), 2, { acceptors: 5, fastPath: 'mixed' });
  });

  it('keeps every instance safe and live when every proposer uses the fast path', function () {
    runMany(Math.ceil(schedules / 4), 3, { acceptors: 3, fastPath: 'all' });
  });

  it('keeps every instance safe and live on the classic path only', function () {
    runMany(Math.ceil(schedules / 4), 4, { acceptors: 5, fastPath: 'none' });
  });

  it('stays safe when acceptors skip the record reads the NATS adapter skips', function () {
    runMany(Math.ceil(schedules / 2), 5, { acceptors: 3, fastPath: 'all', skipSafeLookups: true });
    runMany(Math.ceil(schedules / 4), 6, { acceptors: 5, fastPath: 'mixed', skipSafeLookups: true });
  });

  describe('the checker can fail', function () {
    // Mutations break an acceptor on purpose; if the checker never notices, it proves nothing.
    for (const mutation of ['forget-promises', 'amnesia', 'skip-record-lookup'] as const) {
      it(`catches an acceptor broken by ${mutation}`, function () {
        if (fixedSeed !== undefined) this.skip();
        let caught: string | undefined;
        for (let seed = 1; seed <= 2000 && caught === undefined; seed++) {
          caught = simulate({ seed, mutation, acceptors: 3, instances: 2, faultSteps: 600 }).violation;
        }
        expect(caught, 'no schedule exposed the broken acceptor').to.be.a('string');
      });
    }
  });
});
