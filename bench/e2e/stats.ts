// The end-to-end bench's arithmetic: percentiles, the ledger of what was accepted and answered, Prometheus histograms.
// Pure: no clock, no I/O; the bench feeds it times and text it read.

/** Nearest-rank percentile (p in 0..100) of unsorted values; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Rounded to 0.1 ms for reports; null stays null. */
export function ms(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function summarize(values: readonly number[]): LatencySummary {
  const max = values.length === 0 ? null : values.reduce((a, b) => (b > a ? b : a), -Infinity);
  return {
    count: values.length,
    p50: ms(percentile(values, 50)),
    p95: ms(percentile(values, 95)),
    p99: ms(percentile(values, 99)),
    max: ms(max),
  };
}

export interface LedgerCounts {
  accepted: number;
  replied: number;
  escalated: number;
  /** Accepted and never replied to nor escalated. */
  lost: number;
  /** Messages that got more than one reply email. */
  duplicated: number;
  /** Reply emails beyond the first per message. */
  extraReplies: number;
}

/**
 * Every webhook the gateway accepted, and what the fake AgentMail saw come of it. A message is completed by its
 * first reply or escalation; a second reply email for one message is a duplicate (the fake already folds repeats
 * of one idempotency key, so a duplicate here is a second, different send).
 */
export class DeliveryLedger {
  private readonly sentAt = new Map<string, number>();
  private readonly completedAt = new Map<string, number>();
  private readonly replies = new Map<string, number>();
  private escalations = 0;
  private extra = 0;
  private duplicates = 0;
  /** Webhook sent -> first reply, per completed message, in ms. */
  readonly replyLatencies: { at: number; ms: number }[] = [];

  /** The gateway answered 2xx for the webhook of `messageId`, sent at `sentAt`. */
  accepted(messageId: string, sentAt: number): void {
    if (!this.sentAt.has(messageId)) this.sentAt.set(messageId, sentAt);
  }

  replied(messageId: string, at: number): void {
    const n = (this.replies.get(messageId) ?? 0) + 1;
    this.replies.set(messageId, n);
    if (n === 2) this.duplicates++;
    if (n >= 2) this.extra++;
    this.complete(messageId, at, true);
  }

  escalated(messageId: string, at: number): void {
    if (!this.completedAt.has(messageId)) this.escalations++;
    this.complete(messageId, at, false);
  }

  private complete(messageId: string, at: number, reply: boolean): void {
    if (this.completedAt.has(messageId)) return;
    this.completedAt.set(messageId, at);
    const sent = this.sentAt.get(messageId);
    if (reply && sent !== undefined) this.replyLatencies.push({ at: sent, ms: at - sent });
  }

  /** Accepted but not yet completed: how far answering is behind accepting, end to end. */
  get backlog(): number {
    let n = 0;
    for (const id of this.sentAt.keys()) if (!this.completedAt.has(id)) n++;
    return n;
  }

  get completed(): number {
    return this.completedAt.size;
  }

  /** Messages completed within [from, to) of wall-clock ms. */
  completedBetween(from: number, to: number): number {
    let n = 0;
    for (const at of this.completedAt.values()) if (at >= from && at < to) n++;
    return n;
  }

  counts(): LedgerCounts {
    const replied = this.replies.size;
    return {
      accepted: this.sentAt.size,
      replied,
      escalated: this.escalations,
      lost: this.backlog,
      duplicated: this.duplicates,
      extraReplies: this.extra,
    };
  }
}

/** Latency percentiles per time bucket (by when the webhook was sent), for the latency-over-time plot. */
export function latencyOverTime(
  samples: readonly { at: number; ms: number }[],
  start: number,
  bucketMs: number,
): { t: number; p50: number; p95: number; p99: number }[] {
  const buckets = new Map<number, number[]>();
  for (const s of samples) {
    const b = Math.floor((s.at - start) / bucketMs);
    let list = buckets.get(b);
    if (list === undefined) buckets.set(b, (list = []));
    list.push(s.ms);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, list]) => ({
      t: (b * bucketMs) / 1000,
      p50: percentile(list, 50)!,
      p95: percentile(list, 95)!,
      p99: percentile(list, 99)!,
    }));
}

/**
 * Bounded backlog: at the end of the load, what is still unanswered is at most `seconds` worth of what was
 * completed per second (a queue that keeps growing fails this however long the run).
 */
export function backlogBounded(backlogEnd: number, completedPerS: number, seconds = 2): boolean {
  return backlogEnd <= Math.max(50, completedPerS * seconds);
}

/** One Prometheus histogram's cumulative buckets (upper bound, count), `+Inf` last. */
export type Buckets = { le: number; count: number }[];

/** Reads histogram `name` from Prometheus text exposition; label sets other than `le` are summed. */
export function parseHistogram(text: string, name: string): Buckets {
  const byLe = new Map<number, number>();
  const prefix = `${name}_bucket{`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le === undefined || !Number.isFinite(value)) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    byLe.set(bound, (byLe.get(bound) ?? 0) + value);
  }
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

/** Adds histograms with the same buckets (several processes), or subtracts (after minus before, sign -1). */
export function combineHistograms(a: Buckets, b: Buckets, sign: 1 | -1 = 1): Buckets {
  const other = new Map(b.map((x) => [x.le, x.count]));
  const les = [...new Set([...a.map((x) => x.le), ...b.map((x) => x.le)])].sort((x, y) => x - y);
  const mine = new Map(a.map((x) => [x.le, x.count]));
  return les.map((le) => ({ le, count: (mine.get(le) ?? 0) + sign * (other.get(le) ?? 0) }));
}

/** The q-quantile (0..1) as Prometheus's histogram_quantile computes it: linear within the bucket. Null if empty. */
export function histogramQuantile(buckets: Buckets, q: number): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      const inBucket = count - prevCount;
      return inBucket <= 0 ? le : prevLe + ((le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
