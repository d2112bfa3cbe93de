// The Paxos outbox against a real nats-server: batches stay under the server's max_payload, and a message that cannot
// be sent is dropped with one log line instead of ending the process. It stops the connection and server it starts.
import { expect } from 'chai';
import { Bus } from '../../../bus/bus.ts';
import { contracts } from '../../../bus/contracts.ts';
import type { Logger } from '../../../telemetry/logger.ts';
import { PaxosOutbox, unbatch } from '../../../actors/consensus/wire.ts';
import type { PromiseAllMsg, PromiseMsg } from '../../../schemas/paxos.ts';
import { testNats, type TestNats } from '../../support/nats.ts';
import { sleep } from '../../support/processes.ts';

const proposerId = 'outbox-test-proposer';

/** A leader's prepare-all answer from an acceptor holding `n` accepted instances (~120 bytes each on the wire). */
function promiseAll(from: string, n: number): PromiseAllMsg {
  return {
    type: 'promise-all',
    ballot: { round: 9, proposer: proposerId },
    from,
    accepted: Array.from({ length: n }, (_, i) => ({
      instance: `conv/thread-${String(i).padStart(6, '0')}/0`,
      ballot: { round: 3, proposer: 'another-proposer-0-1a2b3c4d' },
      value: { agentId: `agent-${i % 7}` },
    })),
    refused: [],
  };
}

describe('Paxos outbox', function () {
  this.timeout(30_000);
  let nats: TestNats;
  let bus: Bus;
  const errors: string[] = [];
  const received: Array<{ type: string; from?: string }> = [];
  const logger: Logger = {
    error: (m) => void errors.push(m),
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
    child: () => logger,
  };

  before(async () => {
    nats = await testNats();
    bus = await Bus.connect({ servers: nats.servers, name: 'outbox-test', logger });
    bus.handle(contracts.toProposer, { proposerId }, (m) => {
      for (const msg of unbatch(m)) received.push(msg);
    });
    await bus.nc.flush();
  });

  beforeEach(() => {
    errors.length = 0;
    received.length = 0;
  });

  after(async () => {
    await bus?.drain();
    await nats?.stop();
  });

  async function delivered(n: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (received.length < n && Date.now() < deadline) await sleep(10);
    await bus.nc.flush();
    await sleep(100);
  }

  it("splits one turn's messages for a destination into batches under max_payload, and delivers all in order", async () => {
    const limit = bus.nc.info!.max_payload;
    const answers = ['A0', 'A1', 'A2'].map((a) => promiseAll(a, 4_000));
    expect(
      JSON.stringify({ type: 'batch', messages: answers }).length,
      'together over the limit',
    ).to.be.above(limit);
    const outbox = PaxosOutbox.for(bus);
    for (const a of answers) outbox.send(proposerId, a);
    await delivered(3);
    expect(received.map((m) => m.from)).to.deep.equal(['A0', 'A1', 'A2']);
    expect(received.map((m) => (m as PromiseAllMsg).accepted.length)).to.deep.equal([4_000, 4_000, 4_000]);
    expect(errors).to.deep.equal([]);
  });

  it('drops a message too big to send alone with one log line, and keeps sending the rest', async () => {
    const outbox = PaxosOutbox.for(bus);
    const small: PromiseMsg = {
      type: 'promise',
      instance: 'conv/small/0',
      ballot: { round: 1, proposer: proposerId },
      from: 'A0',
    };
    outbox.send(proposerId, promiseAll('A1', 12_000));
    outbox.send(proposerId, small);
    await delivered(1);
    expect(received).to.deep.equal([small]);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(
      /^dropped 1 Paxos message\(s\): paxos-to-proposer: \d+ bytes is over the server's max_payload of \d+$/,
    );
  });
});
