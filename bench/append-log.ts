// Micro-bench of the append log: N concurrent appenders, one record each per append; prints numbers, asserts nothing.
// Usage: npx tsx bench/append-log.ts [appenders=64] [seconds=5] [dir=<fresh dir under os.tmpdir()>]
// Use a directory on the disk the acceptor will use: on tmpfs a synced write (O_DSYNC or fdatasync) is free and the numbers lie.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openAppendLog } from '../actors/storage/append-log.ts';

const appenders = Number(process.argv[2] ?? 64);
const seconds = Number(process.argv[3] ?? 5);
const dir = process.argv[4] ?? (await mkdtemp(join(tmpdir(), 'append-log-bench-')));
const ownsDir = process.argv[4] === undefined;

// A record shaped like an acceptor's "accepted" record, so frame sizes are realistic.
const record = (i: number) => ({
  type: 'accepted',
  instance: `conv/thread-${i % 5000}/0`,
  ballot: { round: i, node: 'node-1' },
  value: { agentId: `agent-${i % 7}` },
});

const { log } = await openAppendLog(dir);
const latencies: number[] = [];
const deadline = performance.now() + seconds * 1000;
let n = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: appenders }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await log.append([record(n++)]);
      latencies.push(performance.now() - t0);
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;
const stats = log.stats();
await log.close();
if (ownsDir) await rm(dir, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
const result = {
  appenders,
  seconds: Number(elapsed.toFixed(2)),
  records: stats.appendedRecords,
  recordsPerSecond: Math.round(stats.appendedRecords / elapsed),
  syncs: stats.syncs,
  syncsPerSecond: Math.round(stats.syncs / elapsed),
  averageBatchRecords: Number(stats.averageBatchRecords.toFixed(1)),
  latencyMs: {
    p50: Number(pct(50).toFixed(2)),
    p99: Number(pct(99).toFixed(2)),
    max: Number(pct(100).toFixed(2)),
  },
  bytesOnDisk: stats.bytesOnDisk,
};
console.log(JSON.stringify(result, null, 2));
