// A process without a gateway still answers a liveness probe: GET /health on its METRICS_PORT, as deploy/k8s probes it.
// Each node answers for itself, also when several nodes share one process (as tests run them).
import { expect } from 'chai';
import { registry } from '../../../telemetry/metrics.ts';
import { testNats, type TestNats } from '../../support/nats.ts';
import { startTestNode, type TestNode } from '../../support/node-harness.ts';

const healthUrl = (node: TestNode): string => {
  const url = node.node.metricsUrl?.replace(/\/metrics$/, '/health');
  expect(url, `${node.config.nodeId} serves its metrics port`).to.be.a('string');
  return url!;
};

/** The /health answer of `node`: its HTTP status and body. */
async function probe(node: TestNode): Promise<{ status: number; body: unknown }> {
  const res = await fetch(healthUrl(node));
  return { status: res.status, body: await res.json() };
}

const healthy = { status: 200, body: { status: 'healthy' } };
const unhealthy = { status: 503, body: { status: 'unhealthy' } };

/** system_health_status of this process's registry (the test runs the nodes in-process). */
async function systemHealth(): Promise<number | undefined> {
  const metric = await registry.getSingleMetric('system_health_status')?.get();
  return metric?.values[0]?.value;
}

describe('health on the metrics port', function () {
  this.timeout(60_000);
  let nats: TestNats;
  const nodes: TestNode[] = [];

  before(async () => {
    nats = await testNats({ own: true });
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });
  after(async () => {
    await nats?.stop();
  });

  it('says healthy while the actors run and unhealthy once one has stopped', async () => {
    const node = await startTestNode({ servers: nats.servers, nodeId: 'probe', actors: 'acceptor:2' });
    nodes.push(node);
    expect(await probe(node)).to.deep.equal(healthy);
    await node.node.actors[0]!.stop(1_000);
    expect(await probe(node)).to.deep.equal(unhealthy);
    expect((await fetch(healthUrl(node).replace(/\/health$/, '/nope'))).status).to.equal(404);
  });

  it("drops a stopped actor's load series, so a process running many nodes in turn lists only live actors", async () => {
    // The full test run caught it: earlier suites' agents were still on the page of a later suite's node.
    const loads = async () =>
      ((await registry.getSingleMetric('actor_load')?.get())?.values ?? []).map((v) => v.labels['actor_id']);
    const node = await startTestNode({ servers: nats.servers, nodeId: 'gone', actors: 'acceptor:2' });
    nodes.push(node);
    expect(await loads()).to.include.members(['gone-acceptor-0', 'gone-acceptor-1']);
    await node.node.actors[0]!.stop(1_000);
    expect(await loads()).to.not.include('gone-acceptor-0');
    expect(await loads()).to.include('gone-acceptor-1');
  });

  it('answers for its own node when two nodes share the process, and system_health_status for all of them', async () => {
    // Both nodes name the whole acceptor set, so neither refuses to start on hearing the other's acceptor.
    const env = { PAXOS_ACCEPTORS: 'pa-acceptor-0,pb-acceptor-0' };
    const a = await startTestNode({ servers: nats.servers, nodeId: 'pa', actors: 'acceptor', env });
    nodes.push(a);
    const b = await startTestNode({ servers: nats.servers, nodeId: 'pb', actors: 'acceptor', env });
    nodes.push(b);
    expect(await probe(a)).to.deep.equal(healthy);
    expect(await probe(b)).to.deep.equal(healthy);
    expect(await systemHealth()).to.equal(1);

    // The node started last goes unhealthy: the first must not report its health.
    await b.node.actors[0]!.stop(1_000);
    expect(await probe(b)).to.deep.equal(unhealthy);
    expect(await probe(a), 'the first node answers for itself').to.deep.equal(healthy);
    expect(await systemHealth(), 'a process is healthy only while every node in it is').to.equal(0);

    // A node that has stopped no longer counts; the one still running makes the process healthy again.
    await b.stop();
    nodes.splice(nodes.indexOf(b), 1);
    expect(await systemHealth()).to.equal(1);
    await a.node.actors[0]!.stop(1_000);
    expect(await probe(a)).to.deep.equal(unhealthy);
    expect(await systemHealth()).to.equal(0);
  });
});
