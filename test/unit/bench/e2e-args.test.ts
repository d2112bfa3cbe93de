// Unit tests for the end-to-end bench's command line: defaults, each flag, and one-line refusals of bad flags.
import { expect } from 'chai';
import { defaults, parseE2eArgs, UsageError } from '../../../bench/e2e/args.ts';

const refusal = (argv: string[]): string => {
  try {
    parseE2eArgs(argv);
  } catch (e) {
    expect(e).to.be.instanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
};

describe('bench e2e args', () => {
  it('runs one node at 500, 1,000 and 1,500/s for 60 s each by default', () => {
    expect(parseE2eArgs([])).to.deep.equal(defaults);
    expect(defaults).to.include({ nodes: 1, seconds: 60 });
    expect(defaults.rates).to.deep.equal([500, 1_000, 1_500]);
  });

  it('reads every flag', () => {
    const a = parseE2eArgs([
      '--nodes',
      '3',
      '--rate',
      'max',
      '--seconds',
      '5',
      '--api-latency-ms',
      '40',
      '--model',
      '--continuing',
      '0.5',
      '--seed',
      '42',
      '--concurrency',
      '8',
      '--preload',
      '100000',
      '--drain-seconds',
      '9',
      '--cpu-prof',
      '/tmp/p',
    ]);
    expect(a).to.deep.equal({
      nodes: 3,
      rates: ['max'],
      seconds: 5,
      apiLatencyMs: 40,
      model: true,
      continuing: 0.5,
      seed: 42,
      concurrency: 8,
      preload: 100_000,
      drainSeconds: 9,
      cpuProfDir: '/tmp/p',
    });
  });

  it('takes a sweep of offered rates, max included', () => {
    expect(parseE2eArgs(['--sweep', '100, 500,max']).rates).to.deep.equal([100, 500, 'max']);
  });

  it('refuses bad values with one line naming the flag', () => {
    for (const [argv, flag] of [
      [['--nodes', '2'], '--nodes'],
      [['--rate', 'fast'], '--rate'],
      [['--seconds', '0'], '--seconds'],
      [['--continuing', '1.5'], '--continuing'],
      [['--seed', '-1'], '--seed'],
      [['--sweep', '100,x'], '--sweep'],
      [['--bogus'], '--bogus'],
      [['--rate', '5', '--sweep', '5'], '--rate'],
    ] as const) {
      const message = refusal([...argv]);
      expect(message).to.contain(flag);
      expect(message).not.to.contain('\n');
    }
  });
});
