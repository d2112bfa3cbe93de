// The bus on a 3-server JetStream cluster: replicas follow the cluster, and a killed server loses and duplicates nothing.
import { expect } from 'chai';
import { Bus } from '../../../bus/bus.ts';
import { createLogger } from '../../../telemetry/logger.ts';
import { provision, Streams } from '../../../bus/provision.ts';
import { testNats, type TestNats } from '../../support/nats.ts';

describe('bus on a 3-server cluster', function () {
  this.timeout(120_000);
  const logger = createLogger('error', { test: 'cluster' });
  let nats: TestNats;
  let bus: Bus;

  before(async () => {
    nats = await testNats({ own: true, size: 3 });
    bus = await Bus.connect({ servers: nats.servers, name: 'cluster-test', logger });
  });
  after(async () => {
    await bus?.drain();
    await nats?.stop();
  });

  it('provisions streams with 3 replicas, and clamps a larger factor to the servers there are', async () => {
    const report = await provision(bus, 5, logger);
    expect(report.replicas).to.equal(3);
    const info = await (await bus.jsm()).streams.info(Streams.mail);
    expect(info.config.num_replicas).to.equal(3);
  });

  it('keeps every acknowledged write exactly once while the server the client is connected to is killed -9', async () => {
    const connected = bus.nc.getServer();
    const victim = nats.local!.nodes.findIndex((n) => connected.includes(String(n.port)));
    expect(victim, `connected to ${connected}`).to.be.greaterThan(-1);

    const total = 300;
    const acked: number[] = [];
    const writes = (async () => {
      for (let i = 0; i < total; i++) {
        // Retried with the same msgID through the leader election (4-9 s on nats-server 2.9).
        await bus.jsPublishRaw('cs.dlq.cluster', JSON.stringify({ i }), {
          msgID: `cluster-${i}`,
          retryForMs: 30_000,
          timeoutMs: 1_000,
        });
        acked.push(i);
      }
    })();
    while (acked.length < total / 3) await new Promise((r) => setTimeout(r, 10));
    await nats.local!.kill(victim);
    await writes;
    expect(acked).to.have.length(total);

    const jsm = await bus.jsm();
    const info = await jsm.streams.info(Streams.deadLetter, { subjects_filter: 'cs.dlq.cluster' });
    expect(info.state.subjects?.['cs.dlq.cluster'], 'stored once each').to.equal(total);
    await nats.local!.restart(victim);
  });
});
