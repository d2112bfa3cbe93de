// Unit tests for the end-to-end bench's arithmetic: percentiles, the delivery ledger, backlog, Prometheus histograms.
import { expect } from 'chai';
import {
  backlogBounded,
  combineHistograms,
  DeliveryLedger,
  histogramQuantile,
  latencyOverTime,
  parseHistogram,
  percentile,
  summarize,
} from '../../../bench/e2e/stats.ts';

describe('bench e2e stats', () => {
  it('takes nearest-rank percentiles of unsorted values, null when empty', () => {
    const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(v, 50)).to.equal(5);
    expect(percentile(v, 95)).to.equal(10);
    expect(percentile(v, 0)).to.equal(1);
    expect(percentile([], 50)).to.equal(null);
    expect(summarize([1.234, 2])).to.deep.equal({ count: 2, p50: 1.2, p95: 2, p99: 2, max: 2 });
  });

  it('counts a message replied once as replied, a second reply as duplicated, an unanswered one as lost', () => {
    const l = new DeliveryLedger();
    l.accepted('a', 0);
    l.accepted('b', 10);
    l.accepted('c', 20);
    l.accepted('d', 30);
    l.replied('a', 100);
    l.replied('b', 200);
    l.replied('b', 250);
    l.escalated('c', 300);
    expect(l.counts()).to.deep.equal({
      accepted: 4,
      replied: 2,
      escalated: 1,
      lost: 1,
      duplicated: 1,
      extraReplies: 1,
    });
    expect(l.backlog).to.equal(1);
    expect(l.replyLatencies).to.deep.equal([
      { at: 0, ms: 100 },
      { at: 10, ms: 190 },
    ]);
    expect(l.completedBetween(0, 250)).to.equal(2);
  });

  it('keeps the first send time of a webhook delivered twice', () => {
    const l = new DeliveryLedger();
    l.accepted('a', 0);
    l.accepted('a', 50);
    l.replied('a', 80);
    expect(l.replyLatencies[0]!.ms).to.equal(80);
  });

  it('buckets reply latency by the second its webhook was sent', () => {
    const rows = latencyOverTime(
      [
        { at: 1_000, ms: 10 },
        { at: 1_500, ms: 30 },
        { at: 2_100, ms: 50 },
      ],
      1_000,
      1_000,
    );
    expect(rows).to.deep.equal([
      { t: 0, p50: 10, p95: 30, p99: 30 },
      { t: 1, p50: 50, p95: 50, p99: 50 },
    ]);
  });

  it('calls a backlog bounded while it is at most two seconds of completions', () => {
    expect(backlogBounded(2_000, 1_000)).to.equal(true);
    expect(backlogBounded(2_001, 1_000)).to.equal(false);
    expect(backlogBounded(40, 0)).to.equal(true);
  });

  it('reads a Prometheus histogram, sums label sets, subtracts a before, and interpolates a quantile', () => {
    const text = [
      '# HELP consensus_decision_seconds x',
      'consensus_decision_seconds_bucket{le="0.001"} 2',
      'consensus_decision_seconds_bucket{le="0.01"} 8',
      'consensus_decision_seconds_bucket{le="+Inf"} 10',
      'consensus_decision_seconds_sum 0.5',
      'other_bucket{le="0.01"} 99',
    ].join('\n');
    const h = parseHistogram(text, 'consensus_decision_seconds');
    expect(h).to.deep.equal([
      { le: 0.001, count: 2 },
      { le: 0.01, count: 8 },
      { le: Infinity, count: 10 },
    ]);
    const twice = combineHistograms(h, h);
    expect(twice.at(-1)!.count).to.equal(20);
    expect(combineHistograms(twice, h, -1)).to.deep.equal(h);
    // rank 5 of 10 falls in (0.001, 0.01] holding 6: halfway through it.
    expect(histogramQuantile(h, 0.5)).to.be.closeTo(0.0055, 1e-9);
    expect(histogramQuantile(h, 0.99)).to.equal(0.01);
    expect(histogramQuantile([], 0.5)).to.equal(null);
  });
});
