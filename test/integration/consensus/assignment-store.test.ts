// The durable decision record in KV: put-if-absent per instance, a loud alarm on a second value, owners only move forward.
import { expect } from 'chai';
import { Bus } from '../../../bus/bus.ts';
import { createLogger } from '../../../telemetry/logger.ts';
import { provision } from '../../../bus/provision.ts';
import { AssignmentStore, ConflictingDecisionError } from '../../../actors/consensus/assignment-store.ts';
import { conversationInstance, parseConversationInstance } from '../../../actors/consensus/core/instance.ts';
import { testNats, type TestNats } from '../../support/nats.ts';

describe('assignment-store', function () {
  this.timeout(30_000);
  let nats: TestNats;
  let bus: Bus;
  let store: AssignmentStore;
  const logger = createLogger('error', {});

  before(async () => {
    nats = await testNats({ own: true });
    bus = await Bus.connect({ servers: nats.servers, name: 'assignment-store-test', logger });
    await provision(bus, 1, logger);
    store = await AssignmentStore.open(bus);
  });
  after(async () => {
    await bus.drain();
    await nats.stop();
  });

  it('names instances conv/<thread>/<epoch>, even for thread ids with slashes and dots', () => {
    const i = conversationInstance('thd/a.b', 3);
    expect(i).to.equal('conv/thd/a.b/3');
    expect(parseConversationInstance(i)).to.deep.equal({ threadId: 'thd/a.b', epoch: 3 });
  });

  it('records a decision once, accepts the same value again, and refuses a different one loudly', async () => {
    const i = conversationInstance('thd-1', 0);
    expect(await store.recordDecision(i, { agentId: 'a1', specialization: 'support' })).to.equal(true);
    expect(await store.recordDecision(i, { agentId: 'a1', specialization: 'support' })).to.equal(false);
    expect(await store.decision(i)).to.deep.equal({ agentId: 'a1', specialization: 'support' });
    let err: unknown;
    try {
      await store.recordDecision(i, { agentId: 'a2' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConflictingDecisionError);
    expect(await store.decision(i)).to.deep.equal({ agentId: 'a1', specialization: 'support' });
  });

  it("moves a thread's current owner to later epochs only", async () => {
    await store.recordDecision(conversationInstance('thd-2', 0), { agentId: 'a1' });
    await store.recordDecision(conversationInstance('thd-2', 2), { agentId: 'a3' });
    await store.recordDecision(conversationInstance('thd-2', 1), { agentId: 'a2' });
    const now = await store.currentOwner('thd-2');
    expect(now).to.include({ epoch: 2, threadId: 'thd-2' });
    expect(now?.owner).to.deep.equal({ agentId: 'a3' });
  });
});
