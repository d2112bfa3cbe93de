// Child process for the append-log crash test: appends and compacts until killed; not a test file, never run by mocha.
// Usage: node --import tsx append-log-child.ts <dir> write|hold
// Prints one JSON line per event on stdout: {"open":...}, then {"ack":[worker,i]} after each durable append.
import { openAppendLog } from '../../../actors/storage/append-log.ts';

const WORKERS = 16;
const COMPACT_EVERY = 150;

const [dir, mode] = process.argv.slice(2);
if (dir === undefined || (mode !== 'write' && mode !== 'hold')) {
  process.stderr.write('usage: append-log-child.ts <dir> write|hold\n');
  process.exit(2);
}

const { log, records, recovered } = await openAppendLog(dir);
process.stdout.write(`${JSON.stringify({ open: recovered, records: records.length })}\n`);

if (mode === 'hold') {
  setInterval(() => undefined, 60_000); // keep the lock until killed
} else {
  // State an acceptor would rebuild: per worker, the highest counter it issued.
  const issued = new Array<number>(WORKERS).fill(-1);
  for (const record of records) {
    const { w, i } = record as { w: number; i: number };
    issued[w] = Math.max(issued[w] ?? -1, i);
  }
  let acks = 0;
  const worker = async (w: number): Promise<void> => {
    for (;;) {
      const i = (issued[w] ?? -1) + 1;
      issued[w] = i;
      await log.append([{ w, i }]);
      process.stdout.write(`${JSON.stringify({ ack: [w, i] })}\n`);
      acks += 1;
      if (acks % COMPACT_EVERY === 0) {
        // The snapshot holds every issued counter, pending ones included, as an acceptor's state would.
        await log.compact(issued.map((last, ww) => ({ w: ww, i: last })).filter((r) => r.i >= 0));
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
}
