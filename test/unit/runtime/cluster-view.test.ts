// The cluster view's verdicts on peers (up, suspected, down), driven by heartbeats and a test clock; no NATS.
import { expect } from 'chai';
import { ClusterView, type PeerChange } from '../../../actors/runtime/cluster-view.ts';
import type { Heartbeat } from '../../../schemas/bus.ts';

const deadAfterMs = 1_000;

function heartbeat(actorId: string, status: Heartbeat['status'] = 'running'): Heartbeat {
  return {
    type: 'heartbeat',
    actorId,
    kind: 'agent',
    nodeId: 'n1',
    status,
    load: 0,
    capacity: 4,
    intervalMs: deadAfterMs / 5,
    at: new Date(0).toISOString(),
  };
}

/**
 * A view on a clock the test moves, with every change it reported about `a1`, as `type actorId silentMs`. A second
 * peer, `b1`, keeps beating at each step unless the step says nobody was heard (the observer's own stall).
 */
function viewOnTestClock() {
  let now = 10_000;
  const view = new ClusterView(deadAfterMs, () => now);
  const changes: string[] = [];
  view.onChange((c: PeerChange) => {
    if (c.peer.actorId === 'a1') changes.push(`${c.type} ${c.peer.actorId} ${c.silentMs}`);
  });
  view.observe(heartbeat('b1'));
  return {
    view,
    changes,
    advance(ms: number, othersHeard = true) {
      now += ms;
      if (othersHeard) view.observe(heartbeat('b1'));
      view.sweep();
    },
  };
}

describe('ClusterView', function () {
  it('reports a peer up on its first heartbeat, and not again while it keeps beating', function () {
    const t = viewOnTestClock();
    t.view.observe(heartbeat('a1'));
    for (let i = 0; i < 10; i++) {
      t.advance(200);
      t.view.observe(heartbeat('a1'));
    }
    expect(t.changes).to.deep.equal(['up a1 0']);
    expect(t.view.get('a1')).to.include({ alive: true, suspected: false });
  });

  it('suspects a peer silent for half the dead-after window, once, and still counts it alive', function () {
    const t = viewOnTestClock();
    t.view.observe(heartbeat('a1'));
    t.advance(500);
    expect(t.changes).to.deep.equal(['up a1 0']);
    t.advance(100);
    t.advance(100);
    expect(t.changes).to.deep.equal(['up a1 0', 'suspected a1 600']);
    expect(t.view.get('a1')).to.include({ alive: true, suspected: true });
    expect(t.view.available('agent').map((p) => p.actorId)).to.deep.equal(['b1', 'a1']);
  });

  it('suspects nobody while it heard nobody: the silence is its own (a stalled event loop)', function () {
    const t = viewOnTestClock();
    t.view.observe(heartbeat('a1'));
    t.advance(700, false);
    expect(t.changes).to.deep.equal(['up a1 0']);
    t.view.observe(heartbeat('b1'));
    t.view.observe(heartbeat('a1'));
    t.advance(100);
    expect(t.changes, 'no up either: it was never suspected').to.deep.equal(['up a1 0']);
  });

  it('declares nobody down while it heard nobody past the window, and the truly silent one once it hears again', function () {
    // A processor stalled for longer than the window used to declare every peer down, then up 5 ms later.
    const t = viewOnTestClock();
    t.view.observe(heartbeat('a1'));
    t.advance(1_100, false);
    expect(t.changes).to.deep.equal(['up a1 0']);
    expect(t.view.get('a1')).to.include({ alive: true });
    t.advance(100);
    expect(t.changes).to.deep.equal(['up a1 0', 'down a1 1200']);
  });

  it('declares a silent peer down past the window, once, after suspecting it', function () {
    const t = viewOnTestClock();
    t.view.observe(heartbeat('a1'));
    t.advance(600);
    t.advance(500);
    t.advance(500);
    expect(t.changes).to.deep.equal(['up a1 0', 'suspected a1 600', 'down a1 1100']);
    expect(t.view.get('a1')).to.include({ alive: false, suspected: false });
  });

  it('reports a suspected peer up again when it is heard, with how long it was silent', function () {
    const t = viewOnTestClock();
    t.view.observe(heartbeat('a1'));
    t.advance(700);
    t.view.observe(heartbeat('a1'));
    t.advance(100);
    expect(t.changes).to.deep.equal(['up a1 0', 'suspected a1 700', 'up a1 700']);
    expect(t.view.get('a1')).to.include({ alive: true, suspected: false });
  });

  it('reports a dead peer up again when it comes back', function () {
    const t = viewOnTestClock();
    t.view.observe(heartbeat('a1'));
    t.advance(1_500);
    t.view.observe(heartbeat('a1'));
    expect(t.changes).to.deep.equal(['up a1 0', 'down a1 1500', 'up a1 1500']);
  });

  it('reports a peer that says it stopped down at once, and its later silence not at all', function () {
    const t = viewOnTestClock();
    t.view.observe(heartbeat('a1'));
    t.advance(100);
    t.view.observe(heartbeat('a1', 'stopped'));
    t.advance(5_000);
    expect(t.changes).to.deep.equal(['up a1 0', 'down a1 100']);
  });

  it('never reports a peer first heard as stopped', function () {
    const t = viewOnTestClock();
    t.view.observe(heartbeat('a1', 'stopped'));
    t.advance(5_000);
    expect(t.changes).to.deep.equal([]);
  });
});
