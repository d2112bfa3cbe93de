// The process-wide metrics combine what each node of the process adds (telemetry/metrics.ts addMetricSources).
// Runs no node: the sources here are plain functions, removed by each test.
import { expect } from 'chai';
import {
  activeConversations,
  addMetricSources,
  processHealthy,
  systemHealth,
} from '../../../telemetry/metrics.ts';

/** The gauge's one value as a scrape sees it (its collect runs), or undefined when it has none. */
async function valueOf(gauge: typeof systemHealth): Promise<number | undefined> {
  return (await gauge.get()).values[0]?.value;
}

describe('telemetry/metrics sources', () => {
  const removals: (() => void)[] = [];
  const add = (...args: Parameters<typeof addMetricSources>) => removals.push(addMetricSources(...args));
  afterEach(() => removals.splice(0).forEach((remove) => remove()));

  it('reports system_health_status 0 while no node runs in the process', async () => {
    expect(processHealthy()).to.equal(false);
    expect(await valueOf(systemHealth)).to.equal(0);
  });

  it('reports 1 only while every node of the process is healthy', async () => {
    let second = true;
    add({ health: () => true });
    add({ health: () => second });
    expect(await valueOf(systemHealth)).to.equal(1);
    second = false;
    expect(await valueOf(systemHealth)).to.equal(0);
  });

  it('forgets a node once it removed its sources', async () => {
    add({ health: () => true });
    const removeSick = addMetricSources({ health: () => false });
    expect(await valueOf(systemHealth)).to.equal(0);
    removeSick();
    expect(await valueOf(systemHealth)).to.equal(1);
  });

  it('takes active conversations from the first gateway that knows them, and 0 without one', async () => {
    // An unlabelled prom-client gauge always has a sample; dashboards read max(active_conversations_total).
    expect(await valueOf(activeConversations)).to.equal(0);
    add({ activeConversations: () => undefined });
    add({ activeConversations: () => 7 });
    expect(await valueOf(activeConversations)).to.equal(7);
  });
});
