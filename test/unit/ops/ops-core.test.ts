// The ops tool's pure parts: event lines and filters, durations, the trace and status renderings, and where it finds NATS.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ActorEvent } from '../../../schemas/bus.ts';
import {
  eventLine,
  knownKind,
  matchesFilter,
  parseDuration,
  renderTrace,
  traceTimings,
} from '../../../ops/core/events.ts';
import { renderStatus, type StatusSnapshot } from '../../../ops/core/status.ts';
import { table } from '../../../ops/core/table.ts';
import { resolveTarget, UsageError } from '../../../ops/target.ts';

const event = (over: Partial<ActorEvent>): ActorEvent => ({
  type: 'event',
  event: 'mail.routed',
  kind: 'processor',
  actorId: 'n1-processor-0',
  nodeId: 'n1',
  at: '2026-12-04T10:00:00.000Z',
  messageId: '<m1@x>',
  threadId: 'thd_1',
  data: { owner: 'n1-agent-0', epoch: 0 },
  ...over,
});

describe('ops tool, pure parts', function () {
  it('filters by thread, actor, and by event name, its area or the actor kind', function () {
    const e = event({});
    expect(matchesFilter(e, {})).to.equal(true);
    expect(matchesFilter(e, { threadId: 'thd_1' })).to.equal(true);
    expect(matchesFilter(e, { threadId: 'thd_2' })).to.equal(false);
    expect(matchesFilter(e, { actorId: 'n1-agent-0' })).to.equal(false);
    for (const kind of ['mail.routed', 'mail', 'processor'])
      expect(matchesFilter(e, { kind }), kind).to.equal(true);
    for (const kind of ['mail.rout', 'reply', 'agent'])
      expect(matchesFilter(e, { kind }), kind).to.equal(false);
  });

  it('writes one line per event, with colour only when asked', function () {
    const plain = eventLine(event({}), false);
    expect(plain).to.equal(
      '10:00:00.000 processor n1-processor-0 mail.routed            msg=<m1@x> thread=thd_1 owner=n1-agent-0 epoch=0',
    );
    const failed = eventLine(event({ event: 'reply.failed', data: {} }), true);
    expect(failed).to.include('\u001b[31mreply.failed');
    expect(eventLine(event({ event: 'reply.sent' }), true)).to.include('\u001b[32mreply.sent');
    expect(eventLine(event({ data: { text: 'x'.repeat(200) } }), false)).to.match(/text=x{79}…$/);
    // A value with spaces is quoted, so key=value stays readable.
    expect(eventLine(event({ data: { detail: 'out-of-office text' } }), false)).to.match(
      / detail="out-of-office text"$/,
    );
  });

  it('knows which --kind can ever match: an event, its area or an actor kind', function () {
    for (const k of ['reply.sent', 'reply', 'agent', 'mail', 'paxos.decided'])
      expect(knownKind(k), k).to.equal(true);
    for (const k of ['reply.snet', 'bogus', 'repl', '']) expect(knownKind(k), k).to.equal(false);
  });

  it('reads durations as an operator types them and refuses anything else', function () {
    expect(parseDuration('90s')).to.equal(90_000);
    expect(parseDuration('30m')).to.equal(1_800_000);
    expect(parseDuration('2h')).to.equal(7_200_000);
    expect(parseDuration('1d')).to.equal(86_400_000);
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration('5')).to.equal(5_000);
    for (const bad of ['', '5x', '-1s', '0', 'h']) expect(parseDuration(bad), bad).to.equal(undefined);
  });

  it('traces one email in time order with offsets, owners, the reply record and its milestones', function () {
    const events = [
      event({
        event: 'reply.sent',
        kind: 'agent',
        actorId: 'n1-agent-0',
        at: '2026-12-04T10:00:00.420Z',
        data: {},
      }),
      event({
        event: 'webhook.accepted',
        kind: 'gateway',
        actorId: 'n1-gateway-0',
        at: '2026-12-04T10:00:00.000Z',
        data: {},
      }),
      event({ at: '2026-12-04T10:00:00.020Z' }),
    ];
    expect(traceTimings([...events].sort((a, b) => a.at.localeCompare(b.at)))).to.deep.equal([
      { name: 'to mail.routed', ms: 20 },
      { name: 'to reply.sent', ms: 420 },
    ]);
    const text = renderTrace(
      {
        messageId: '<m1@x>',
        events,
        owners: [
          { epoch: 0, agentId: 'n1-agent-0', instance: 'conv/thd_1/0' },
          { epoch: 1, agentId: undefined, instance: 'conv/thd_1/1' },
        ],
        reply: {
          status: 'sent',
          agentId: 'n1-agent-0',
          epoch: 0,
          idempotencyKey: 'reply-v1-abc',
          updatedAt: '2026-12-04T10:00:00.410Z',
          sentMessageId: '<r1@x>',
        },
      },
      false,
    );
    const lines = text.split('\n');
    expect(lines[0]).to.equal('message <m1@x>  thread thd_1');
    expect(lines.slice(1, 4).map((l) => l.trim().split(/\s+/).slice(0, 1)[0])).to.deep.equal([
      '+0',
      '+20',
      '+420',
    ]);
    expect(lines[1]).to.include('webhook.accepted');
    expect(lines).to.include.members([
      'owners:',
      '  epoch 0  n1-agent-0  conv/thd_1/0',
      '  epoch 1  (none decided)  conv/thd_1/1',
      'reply record: sent by n1-agent-0 (epoch 0) at 2026-12-04T10:00:00.410Z, idempotency key reply-v1-abc, sent as <r1@x>',
      'timings: to mail.routed 20 ms, to reply.sent 420 ms',
    ]);
    expect(renderTrace({ messageId: '<m2@x>', events: [], owners: [], reply: undefined }, false)).to.equal(
      'message <m2@x>\n  no events found for it (older than --since, or never received)\nreply record: none',
    );
  });

  it('summarises the cluster and lists actors in pipeline order, the distinguished proposer starred', function () {
    const actor = (
      actorId: string,
      kind: StatusSnapshot['actors'][number]['kind'],
      status = 'running' as const,
    ) => ({
      actorId,
      kind,
      nodeId: 'n1',
      status,
      load: 1,
      capacity: 16,
      specializations: kind === 'agent' ? ['billing'] : [],
      heardAgoMs: 1_200,
    });
    const text = renderStatus({
      actors: [
        actor('n1-agent-0', 'agent'),
        actor('n1-proposer-0', 'proposer'),
        actor('n1-gateway-0', 'gateway'),
        { ...actor('n2-agent-0', undefined), status: 'not heard', nodeId: 'n2', heardAgoMs: undefined },
      ],
      distinguishedProposer: 'n1-proposer-0',
      conversationsPerAgent: { 'n1-agent-0': 3 },
      streams: [{ name: 'MAIL', messages: 7 }],
      consumers: [{ stream: 'MAIL', name: 'processors', pending: 2, ackPending: 1 }],
    });
    const lines = text.split('\n');
    expect(lines[0]).to.equal(
      '1 node(s), 4 actor(s), 3 running, 1 healthy agent(s); distinguished proposer n1-proposer-0; active conversations 3',
    );
    expect(lines.slice(3, 7).map((l) => l.split(/\s+/)[1])).to.deep.equal([
      'n1-gateway-0',
      'n1-proposer-0',
      'n1-agent-0',
      'n2-agent-0',
    ]);
    expect(lines[4]).to.match(/^proposer\s+n1-proposer-0 \*\s+n1\s+running\s+1\s+1\.2 s ago$/);
    expect(lines[5]).to.match(/^agent\s+n1-agent-0\s+n1\s+running\s+1\/16\s+1\.2 s ago\s+3\s+billing$/);
    expect(lines[6]).to.match(/^\?\s+n2-agent-0\s+n2\s+not heard\s+-\s+-$/);
    expect(text)
      .to.match(/^MAIL\s+7$/m)
      .and.match(/^MAIL\/processors\s+2\s+1$/m);
  });

  it('pads table columns to the widest cell', function () {
    expect(
      table([
        ['a', 'bb'],
        ['ccc', 'd'],
      ]),
    ).to.equal('a    bb\nccc  d');
  });

  it('finds NATS from --nats, a launcher state file, or the environment, and says what is wrong with a bad one', function () {
    expect(resolveTarget({ nats: 'nats://127.0.0.1:5000' }, {}).servers).to.deep.equal([
      'nats://127.0.0.1:5000',
    ]);
    expect(resolveTarget({}, { NATS_URL: '127.0.0.1:4333' }).servers).to.deep.equal([
      'nats://127.0.0.1:4333',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'ops-state-'));
    const file = join(dir, 'cluster.json');
    const nats = (name: string, port: number) => ({
      name,
      url: `nats://127.0.0.1:${port}`,
      monitor: `http://127.0.0.1:${port + 1}`,
      clusterPort: port + 2,
      pid: 1,
    });
    writeFileSync(
      file,
      JSON.stringify({
        dir,
        startedAt: '2026-12-04T10:00:00.000Z',
        split: false,
        webhookSecretFile: join(dir, 'webhook-secret'),
        acceptors: [],
        nats: [nats('n1', 4300), nats('n2', 4310)],
        nodes: [],
      }),
    );
    const fromState = resolveTarget({ state: file }, { NATS_URL: 'nats://ignored:1' });
    expect(fromState.servers).to.deep.equal(['nats://127.0.0.1:4300', 'nats://127.0.0.1:4310']);
    expect(fromState.source).to.equal(file);
    writeFileSync(file, '{"nats": []}');
    expect(() => resolveTarget({ state: file }, {})).to.throw(UsageError, /not a cluster state file/);
    expect(() => resolveTarget({ state: join(dir, 'missing.json') }, {})).to.throw(
      UsageError,
      /missing\.json: no such file$/,
    );
    expect(() => resolveTarget({}, { NATS_URL: 'http://x' })).to.throw(UsageError, /NATS_URL/);
  });
});
