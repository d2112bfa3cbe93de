// The chaos checker: reads one run's whole history and says what happened to every acknowledged email and whether
// an invariant broke. Pure: no clock, no I/O; the same history always gives the same verdict (jepsen's checker shape).
import type { Decision, HistoryEntry } from './history.ts';
import { table } from '../../../ops/core/table.ts';

export const ViolationKind = {
  lost: 'lost',
  duplicated: 'duplicated',
  doubleOwner: 'double_owner',
  disagreeingLearners: 'disagreeing_learners',
} as const;
export type ViolationKind = (typeof ViolationKind)[keyof typeof ViolationKind];

export interface Violation {
  kind: ViolationKind;
  /** What broke, naming the message, instance or thread, so a failure can be read from the report alone. */
  detail: string;
}

export interface RunVerdict {
  /** Emails whose delivery got a 2xx from a gateway (the system took responsibility for them). */
  acked: number;
  replied: number;
  escalated: number;
  /** Deliberately not answered (auto-reply, rate limit...), with how many per reason. */
  skipped: number;
  skipReasons: Record<string, number>;
  /** Acknowledged but neither replied, escalated nor skipped by the end of the history. */
  lost: number;
  /** Emails that got more than one effective send (or both a send and an escalation). */
  duplicated: number;
  /** Instances decided two ways, plus (thread, epoch) pairs that two agents answered in. */
  doubleOwners: number;
  /** Instances two learners published different values for, plus learners' own safety-violation reports. */
  disagreeingLearners: number;
  /** Longest time from a fault to the first decision or reply after it, in seconds; null without faults. */
  recoveryS: number | null;
  /** Longest time from killing the deciding proposer (or any Paxos actor) to the next decision, in seconds. */
  decisionRecoveryS: number | null;
  /** Longest time from an agent's kill or pause to the first of its conversations moving to another agent. */
  reassignS: number | null;
  /** Longest pause in replies after the first fault while acknowledged mail waited, in seconds. */
  maxGapS: number;
  /** Send requests by an agent after its conversation had been decided for another agent (the fence's job). */
  staleSends: number;
  violations: Violation[];
}

/** `conv/<thread>/<epoch>` -> thread and epoch (the thread id may itself contain `/`). */
export function parseInstance(instance: string): { threadId: string; epoch: number } | undefined {
  const m = /^conv\/(.+)\/(\d+)$/.exec(instance);
  return m ? { threadId: m[1]!, epoch: Number(m[2]) } : undefined;
}

function groupSet<K, V>(map: Map<K, Set<V>>, k: K, v: V): void {
  const s = map.get(k);
  if (s) s.add(v);
  else map.set(k, new Set([v]));
}

const progressEvents = new Set(['escalation.queued', 'mail.not-answered']);

export function checkHistory(history: readonly HistoryEntry[]): RunVerdict {
  const ackedAt = new Map<string, number>();
  const threadOf = new Map<string, string>();
  const sends = new Map<string, number[]>();
  const escalatedAt = new Map<string, number>();
  const skippedAt = new Map<string, { t: number; reason: string }>();
  const decisions: Decision[] = [];
  const learnerValues = new Map<string, Map<string, string>>();
  const epochAgents = new Map<string, Set<string>>();
  const safetyReports: string[] = [];
  /** Replies, escalations and skips: what a customer (or a person) sees. */
  const answers: number[] = [];
  /** Answers and decisions: what recovery waits for. */
  const progress: number[] = [];
  const faults: number[] = [];
  const paxosFaults: number[] = [];
  const agentFaults: { t: number; target: string }[] = [];
  const decisionTimes: number[] = [];
  const reassigned: { t: number; from: string }[] = [];
  let end = 0;

  for (const e of history) {
    end = Math.max(end, e.t);
    switch (e.kind) {
      case 'delivery':
        threadOf.set(e.messageId, e.threadId);
        if (e.status >= 200 && e.status < 300 && !ackedAt.has(e.messageId)) ackedAt.set(e.messageId, e.t);
        break;
      case 'sent':
        sends.set(e.messageId, [...(sends.get(e.messageId) ?? []), e.t]);
        answers.push(e.t);
        progress.push(e.t);
        break;
      case 'decision': {
        decisions.push(e);
        progress.push(e.t);
        if (e.learner !== 'stream') decisionTimes.push(e.t);
        if (e.learner !== 'stream') {
          const byLearner = learnerValues.get(e.instance) ?? new Map<string, string>();
          byLearner.set(e.learner, e.agentId);
          learnerValues.set(e.instance, byLearner);
        }
        break;
      }
      case 'event':
        if (e.event === 'conversation.reassigned' && e.from) reassigned.push({ t: e.t, from: e.from });
        if (e.event === 'paxos.safety-violation') safetyReports.push(`${e.actorId}: ${e.reason ?? ''}`);
        if ((e.event === 'reply.sent' || e.event === 'escalation.queued') && e.threadId && e.epoch !== null)
          groupSet(epochAgents, `${e.threadId} epoch ${e.epoch}`, e.actorId);
        if (e.messageId && progressEvents.has(e.event)) {
          answers.push(e.t);
          progress.push(e.t);
        }
        if (e.event === 'escalation.queued' && e.messageId && !escalatedAt.has(e.messageId))
          escalatedAt.set(e.messageId, e.t);
        if (e.event === 'mail.not-answered' && e.messageId && !skippedAt.has(e.messageId))
          skippedAt.set(e.messageId, { t: e.t, reason: e.reason ?? 'unknown' });
        break;
      case 'fault':
        if (e.action === 'kill' || e.action === 'pause') {
          faults.push(e.t);
          if (['proposer', 'acceptor', 'learner'].includes(e.what)) paxosFaults.push(e.t);
          if (e.what === 'agent') agentFaults.push({ t: e.t, target: e.target });
        }
        break;
      case 'agentmail-request':
      case 'run':
        break;
    }
  }

  const violations: Violation[] = [];
  const finishedAt = new Map<string, number>();
  for (const [id, ts] of sends) finishedAt.set(id, Math.min(...ts));
  for (const [id, t] of escalatedAt) finishedAt.set(id, Math.min(t, finishedAt.get(id) ?? t));
  for (const [id, s] of skippedAt) finishedAt.set(id, Math.min(s.t, finishedAt.get(id) ?? s.t));

  const skipReasons: Record<string, number> = {};
  for (const id of ackedAt.keys()) {
    const s = skippedAt.get(id);
    if (s) skipReasons[s.reason] = (skipReasons[s.reason] ?? 0) + 1;
    if (!finishedAt.has(id)) violations.push({ kind: 'lost', detail: `${id} acknowledged, never answered` });
  }
  let duplicated = 0;
  for (const id of new Set([...sends.keys(), ...escalatedAt.keys()])) {
    const n = (sends.get(id)?.length ?? 0) + (escalatedAt.has(id) ? 1 : 0);
    if (n > 1) {
      duplicated++;
      violations.push({ kind: 'duplicated', detail: `${id} ended ${n} times (sends and escalations)` });
    }
  }

  // Two values for one instance, whoever reported them (learners live, the stored record at the end).
  const values = new Map<string, Set<string>>();
  for (const d of decisions) groupSet(values, d.instance, d.agentId);
  let doubleOwners = 0;
  for (const [instance, agents] of values) {
    if (agents.size > 1) {
      doubleOwners++;
      violations.push({
        kind: 'double_owner',
        detail: `${instance} decided for ${[...agents].join(' and ')}`,
      });
    }
  }
  for (const [key, agents] of epochAgents) {
    if (agents.size > 1) {
      doubleOwners++;
      violations.push({ kind: 'double_owner', detail: `${key} answered by ${[...agents].join(' and ')}` });
    }
  }
  let disagreeingLearners = safetyReports.length;
  for (const r of safetyReports)
    violations.push({ kind: 'disagreeing_learners', detail: `safety violation reported by ${r}` });
  for (const [instance, byLearner] of learnerValues) {
    if (new Set(byLearner.values()).size > 1) {
      disagreeingLearners++;
      const who = [...byLearner].map(([l, v]) => `${l}=${v}`).join(', ');
      violations.push({ kind: 'disagreeing_learners', detail: `${instance}: ${who}` });
    }
  }

  return {
    acked: ackedAt.size,
    replied: [...ackedAt.keys()].filter((id) => sends.has(id)).length,
    escalated: [...ackedAt.keys()].filter((id) => escalatedAt.has(id) && !sends.has(id)).length,
    skipped: [...ackedAt.keys()].filter((id) => skippedAt.has(id) && !sends.has(id)).length,
    skipReasons,
    lost: violations.filter((v) => v.kind === 'lost').length,
    duplicated,
    doubleOwners,
    disagreeingLearners,
    recoveryS: recovery(faults, progress),
    decisionRecoveryS: recovery(paxosFaults, decisionTimes),
    reassignS: worstReassign(agentFaults, reassigned),
    maxGapS: maxGap(faults, answers, ackedAt, finishedAt, end),
    staleSends: staleSends(history, decisions, threadOf),
    violations,
  };
}

/** For each fault, the time to the first decision or reply after it; the worst one. */
function recovery(faults: number[], progress: number[]): number | null {
  if (faults.length === 0) return null;
  let worst = 0;
  for (const f of faults) {
    const next = progress.filter((p) => p > f).reduce((a, b) => Math.min(a, b), Infinity);
    if (next === Infinity) return null;
    worst = Math.max(worst, next - f);
  }
  return worst / 1000;
}

/** For each agent killed or paused, the time until the first of its conversations moved; the worst one. */
function worstReassign(
  faults: { t: number; target: string }[],
  moved: { t: number; from: string }[],
): number | null {
  let worst: number | null = null;
  for (const f of faults) {
    const next = moved
      .filter((m) => m.t > f.t && m.from === f.target)
      .reduce((a, m) => Math.min(a, m.t), Infinity);
    if (next !== Infinity) worst = Math.max(worst ?? 0, (next - f.t) / 1000);
  }
  return worst;
}

/**
 * The longest stretch without a reply (or escalation or skip) while some acknowledged email was waiting, from the
 * first fault on: between two moments of progress a and b, the pause starts at a or when the oldest email still
 * waiting at b was acknowledged, whichever is later. An email never finished waits until the end of the history.
 */
function maxGap(
  faults: number[],
  answers: number[],
  ackedAt: Map<string, number>,
  finishedAt: Map<string, number>,
  end: number,
): number {
  const from = faults.length > 0 ? Math.min(...faults) : -Infinity;
  const points = [
    ...new Set([...answers.filter((p) => p >= from), ...(faults.length ? [from] : []), end]),
  ].sort((a, b) => a - b);
  let worst = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    let oldest = Infinity;
    for (const [id, t] of ackedAt) {
      if (t < b && (finishedAt.get(id) ?? Infinity) >= b) oldest = Math.min(oldest, t);
    }
    if (oldest !== Infinity) worst = Math.max(worst, b - Math.max(a, oldest));
  }
  return worst / 1000;
}

/**
 * Send requests by agent A for a thread at a moment when a later epoch of that thread had been decided for
 * another agent: A was fenced off and sent anyway (the Idempotency-Key still makes AgentMail send once).
 */
function staleSends(
  history: readonly HistoryEntry[],
  decisions: Decision[],
  threadOf: Map<string, string>,
): number {
  const byThread = new Map<string, { t: number; epoch: number; agentId: string }[]>();
  for (const d of decisions) {
    const p = parseInstance(d.instance);
    if (!p || d.learner === 'stream') continue;
    byThread.set(p.threadId, [
      ...(byThread.get(p.threadId) ?? []),
      { t: d.t, epoch: p.epoch, agentId: d.agentId },
    ]);
  }
  const stale = new Set<string>();
  for (const e of history) {
    if (e.kind !== 'agentmail-request' || e.agent === null) continue;
    const thread = threadOf.get(e.messageId);
    const known = (thread ? byThread.get(thread) : undefined)?.filter((d) => d.t <= e.t) ?? [];
    const current = known.reduce<(typeof known)[number] | undefined>(
      (best, d) => (best === undefined || d.epoch > best.epoch ? d : best),
      undefined,
    );
    const wasOwner = known.some((d) => d.agentId === e.agent);
    if (current && wasOwner && current.agentId !== e.agent) stale.add(`${e.messageId} ${e.agent}`);
  }
  return stale.size;
}

/** One scenario's runs together, as bench/results/chaos.json lists them. */
export interface ScenarioSummary {
  name: string;
  runs: number;
  acked: number;
  replied: number;
  escalated: number;
  skipped: number;
  skip_reasons: Record<string, number>;
  lost: number;
  duplicated: number;
  double_owners: number;
  disagreeing_learners: number;
  /** The worst run's recovery. */
  recovery_s: number | null;
  max_gap_s: number;
  decision_recovery_s: number | null;
  reassign_s: number | null;
  stale_sends: number;
  seeds: number[];
  failed_seeds: number[];
}

export function summarize(name: string, runs: { seed: number; verdict: RunVerdict }[]): ScenarioSummary {
  const sum = (f: (v: RunVerdict) => number) => runs.reduce((a, r) => a + f(r.verdict), 0);
  const skipReasons: Record<string, number> = {};
  for (const r of runs)
    for (const [k, n] of Object.entries(r.verdict.skipReasons)) skipReasons[k] = (skipReasons[k] ?? 0) + n;
  const recoveries = runs.map((r) => r.verdict.recoveryS).filter((x): x is number => x !== null);
  return {
    name,
    runs: runs.length,
    acked: sum((v) => v.acked),
    replied: sum((v) => v.replied),
    escalated: sum((v) => v.escalated),
    skipped: sum((v) => v.skipped),
    skip_reasons: skipReasons,
    lost: sum((v) => v.lost),
    duplicated: sum((v) => v.duplicated),
    double_owners: sum((v) => v.doubleOwners),
    disagreeing_learners: sum((v) => v.disagreeingLearners),
    recovery_s: recoveries.length ? Math.max(...recoveries) : null,
    max_gap_s: Math.max(0, ...runs.map((r) => r.verdict.maxGapS)),
    decision_recovery_s: worstOf(runs.map((r) => r.verdict.decisionRecoveryS)),
    reassign_s: worstOf(runs.map((r) => r.verdict.reassignS)),
    stale_sends: sum((v) => v.staleSends),
    seeds: runs.map((r) => r.seed),
    failed_seeds: runs.filter((r) => r.verdict.violations.length > 0).map((r) => r.seed),
  };
}

function worstOf(xs: (number | null)[]): number | null {
  const known = xs.filter((x): x is number => x !== null);
  return known.length ? Math.max(...known) : null;
}

/** The table the runner prints: one row per scenario. */
export function summaryTable(rows: ScenarioSummary[]): string {
  const head = [
    'scenario',
    'runs',
    'acked',
    'replied',
    'escalated',
    'skipped',
    'lost',
    'dup',
    'double',
    'learners',
    'recovery_s',
    'max_gap_s',
    'decide_s',
    'reassign_s',
    'stale',
  ];
  const body = rows.map((r) =>
    [
      r.name,
      r.runs,
      r.acked,
      r.replied,
      r.escalated,
      r.skipped,
      r.lost,
      r.duplicated,
      r.double_owners,
      r.disagreeing_learners,
      r.recovery_s === null ? '-' : r.recovery_s.toFixed(2),
      r.max_gap_s.toFixed(2),
      r.decision_recovery_s === null ? '-' : r.decision_recovery_s.toFixed(2),
      r.reassign_s === null ? '-' : r.reassign_s.toFixed(2),
      r.stale_sends,
    ].map(String),
  );
  return table([head, ...body]);
}
