// Stream depths and durable consumer lags, read from JetStream when metrics are scraped; it changes nothing.
import type { Bus } from './bus.ts';
import { bucketStream, Buckets, Streams } from './provision.ts';
import type { JetStreamCensus } from '../telemetry/metrics.ts';

/** Every stream the system provisions (the KV buckets' too) with its depth, and every durable consumer with its lag. */
export async function jetstreamCensus(bus: Bus): Promise<JetStreamCensus> {
  const jsm = await bus.jsm();
  const out: JetStreamCensus = { streams: [], consumers: [] };
  const names = [...Object.values(Streams), ...Object.values(Buckets).map(bucketStream)];
  await Promise.all(
    names.map(async (name) => {
      const info = await jsm.streams.info(name).catch(() => undefined);
      if (!info) return;
      out.streams.push({ name, messages: info.state.messages });
      if (!Object.values<string>(Streams).includes(name)) return;
      for await (const c of jsm.consumers.list(name)) {
        if (!c.config.durable_name) continue;
        out.consumers.push({
          stream: name,
          name: c.name,
          pending: c.num_pending,
          ackPending: c.num_ack_pending,
        });
      }
    }),
  );
  out.streams.sort((a, b) => a.name.localeCompare(b.name));
  out.consumers.sort((a, b) => `${a.stream}/${a.name}`.localeCompare(`${b.stream}/${b.name}`));
  return out;
}
