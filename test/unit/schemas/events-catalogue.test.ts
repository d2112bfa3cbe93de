// The event catalogue (schemas/bus.ts) against the operator's documentation: every event documented with an example
// that passes the schema, and no document naming an event the catalogue does not have.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  ActorEvent,
  EventCatalogue,
  EventNames,
  InvalidMessage,
  type EventName,
} from '../../../schemas/bus.ts';
import { decode } from '../../../schemas/codec.ts';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const operations = read('docs/OPERATIONS.md');

/** The text from `heading` (a whole line) up to the next heading of the same level or higher. */
function section(doc: string, heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const lines = doc.split('\n');
  const start = lines.indexOf(heading);
  expect(start, `${heading} in the document`).to.be.at.least(0);
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}} `).test(l));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

const events = section(operations, '## Events');
const catalogueTable = section(events, '### The catalogue');
const isEventName = (name: string): name is EventName => name in EventCatalogue;

/** The first cell, the "emitted by" cell and the data cell of each row of the catalogue table. */
const rows = [...catalogueTable.matchAll(/^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => ({
  name: m[1]!,
  by: m[2]!,
  data: m[3]!,
}));
/** Every JSON example of the Events section, parsed. */
const examples = [...events.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('event catalogue', function () {
  it('documents every event of the catalogue in one row of the table, and no other', function () {
    const names = rows.map((r) => r.name);
    expect(new Set(names).size, 'each event in one row').to.equal(names.length);
    expect([...names].sort()).to.deep.equal([...EventNames].sort());
  });

  it('names, in each row, the actor kinds that emit the event', function () {
    for (const { name, by } of rows) {
      if (!isEventName(name)) continue;
      const kinds = EventCatalogue[name].by;
      for (const kind of kinds === 'any' ? ['any'] : kinds) expect(by, name).to.include(kind);
    }
  });

  it("names, in each row, every field of the event's data (or the event whose fields it shares)", function () {
    for (const { name, data } of rows) {
      if (!isEventName(name)) continue;
      const quoted = [...data.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      // "as `actor.up`": that event's fields count as named here.
      const named = new Set(quoted.flatMap((q) => (isEventName(q) ? [...EventCatalogue[q].data] : [q])));
      const missing = EventCatalogue[name].data.filter((f) => !named.has(f));
      expect(missing, `${name}: fields the table does not name`).to.deep.equal([]);
    }
  });

  it('gives every event an example that passes the ActorEvent schema, from a kind that emits it', function () {
    const shown = new Map<string, number>();
    for (const text of examples) {
      const parsed = JSON.parse(text) as { type?: unknown };
      if (parsed.type === 'invalid') {
        const r = decode(InvalidMessage, text);
        expect(r.ok, `the cs.events.invalid example: ${r.ok ? '' : r.failure.reason}`).to.equal(true);
        continue;
      }
      const r = decode<ActorEvent>(ActorEvent, text);
      if (!r.ok) expect.fail(`example ${text.slice(0, 80)}: ${r.failure.instancePath} ${r.failure.reason}`);
      const e = r.value;
      shown.set(e.event, (shown.get(e.event) ?? 0) + 1);
      const by = EventCatalogue[e.event].by;
      if (by !== 'any') expect(by, `${e.event} from a ${e.kind}`).to.include(e.kind);
      const fields: readonly string[] = EventCatalogue[e.event].data;
      const unknown = Object.keys(e.data ?? {}).filter((k) => !fields.includes(k));
      expect(unknown, `${e.event}: example fields the catalogue does not have`).to.deep.equal([]);
      if (e.messageId !== undefined)
        expect(e.threadId, `${e.event}: an email's event names its thread`).to.be.a('string');
    }
    expect([...shown.keys()].sort(), 'one example per event').to.deep.equal([...EventNames].sort());
    for (const [name, count] of shown) expect(count, `examples of ${name}`).to.equal(1);
  });

  it('names no event the catalogue does not have, in the operations and architecture documents', function () {
    // An event name is `<area>.<name>` with an area the catalogue uses (`mail.routed`); `message.received` (an
    // AgentMail event type) or `audit.email` (a record's field) are not, and neither are file names.
    const areas = new Set(EventNames.map((n) => n.split('.')[0]!));
    for (const doc of ['docs/OPERATIONS.md', 'docs/ARCHITECTURE.md']) {
      const named = [...read(doc).matchAll(/`([a-z]+)\.([a-z-]+)`/g)]
        .filter((m) => areas.has(m[1]!) && !/^(ts|js|json|md|html|ya?ml|conf)$/.test(m[2]!))
        .map((m) => `${m[1]}.${m[2]}`);
      expect(
        named.filter((n) => !isEventName(n)),
        `${doc} names events the catalogue lacks`,
      ).to.deep.equal([]);
    }
  });

  it('refuses an event outside the catalogue', function () {
    const e = {
      type: 'event',
      event: 'mail.lost',
      kind: 'processor',
      actorId: 'p',
      nodeId: 'n',
      at: new Date().toISOString(),
    };
    const r = decode(ActorEvent, JSON.stringify(e));
    expect(r.ok).to.equal(false);
  });
});
