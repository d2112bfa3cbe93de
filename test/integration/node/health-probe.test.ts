// A process without a gateway still answers a liveness probe: GET /health on its METRICS_PORT, as deploy/k8s probes it.
import { expect } from 'chai';
import { testNats, type TestNats } from '../../support/nats.ts';
import { startTestNode, type TestNode } from '../../support/node-harness.ts';

describe('health on the metrics port', function () {
  this.timeout(60_000);
  let nats: TestNats;
  let node: TestNode | undefined;

  before(async () => {
    nats = await testNats({ own: true });
  });
  after(async () => {
    await node?.stop();
    await nats?.stop();
  });

  it('says healthy while the actors run and unhealthy once one has stopped', async () => {
    node = await startTestNode({ servers: nats.servers, nodeId: 'probe', actors: 'acceptor:2' });
    const url = node.node.metricsUrl?.replace(/\/metrics$/, '/health');
    expect(url, 'the node serves its metrics port').to.be.a('string');
    const healthy = await fetch(url!);
    expect(healthy.status).to.equal(200);
    expect(await healthy.json()).to.deep.equal({ status: 'healthy' });
    await node.node.actors[0]!.stop(1_000);
    const unhealthy = await fetch(url!);
    expect(unhealthy.status).to.equal(503);
    expect(await unhealthy.json()).to.deep.equal({ status: 'unhealthy' });
    expect((await fetch(url!.replace(/\/health$/, '/nope'))).status).to.equal(404);
  });
});
