// `agentmail-ops watch`: live events, one line each (or the JSON as published), until Ctrl-C, --count or --for.
import type { Bus } from '../bus/bus.ts';
import { contracts } from '../bus/contracts.ts';
import { ActorKind, type ActorEvent, type InvalidMessage } from '../schemas/bus.ts';
import { eventLine, invalidLine, matchesFilter, type EventFilter } from './core/events.ts';

export interface WatchOptions {
  filter: EventFilter;
  json: boolean;
  colour: boolean;
  /** Stop after this many lines. */
  count?: number;
  /** Stop after this long. */
  forMs?: number;
  write: (line: string) => void;
  /** Resolves when the operator asks to stop (Ctrl-C). */
  interrupted: Promise<void>;
}

/** Resolves with the number of lines written once it stops. */
export async function watch(bus: Bus, o: WatchOptions): Promise<number> {
  let written = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const out = (line: string) => {
    if (o.count !== undefined && written >= o.count) return;
    o.write(line);
    written += 1;
    if (o.count !== undefined && written >= o.count) done();
  };
  const onEvent = (e: ActorEvent) => {
    if (matchesFilter(e, o.filter)) out(o.json ? JSON.stringify(e) : eventLine(e, o.colour));
  };
  const onInvalidMessage = (m: InvalidMessage) => {
    // A bad message names no thread; it shows unless the operator narrowed the watch to something else.
    if (o.filter.threadId === undefined && o.filter.actorId === undefined && o.filter.kind === undefined)
      out(o.json ? JSON.stringify(m) : invalidLine(m, o.colour));
  };
  // One subscription per actor kind, not cs.events.*: that also matches cs.events.invalid, another schema.
  const subs = [
    ...ActorKind.map((kind) => bus.handle(contracts.events, { kind }, onEvent)),
    bus.handle(contracts.invalid, {}, onInvalidMessage),
  ];
  await bus.nc.flush();
  const timer = o.forMs !== undefined ? setTimeout(done, o.forMs) : undefined;
  await Promise.race([finished, o.interrupted]);
  clearTimeout(timer);
  for (const s of subs) s.unsubscribe();
  return written;
}
