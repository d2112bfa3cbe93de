// Ballot order and construction for the Paxos cores; pure functions, no clocks, no randomness.
import type { Ballot } from './types.ts';

/** Total order on ballots: by round, then by proposer id (code-unit order), so ids break ties (Paxos Made Simple §2.2: proposal numbers are totally ordered and unique). */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.round !== b.round) return a.round < b.round ? -1 : 1;
  if (a.proposer === b.proposer) return 0;
  return a.proposer < b.proposer ? -1 : 1;
}

export function ballotEquals(a: Ballot | undefined, b: Ballot | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return compareBallots(a, b) === 0;
}

/** The higher of two ballots; `undefined` is below every ballot. */
export function maxBallot(a: Ballot | undefined, b: Ballot | undefined): Ballot | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareBallots(a, b) >= 0 ? a : b;
}

/** True when `a` >= `b`, where `undefined` is below every ballot. */
export function atLeast(a: Ballot, b: Ballot | undefined): boolean {
  return b === undefined || compareBallots(a, b) >= 0;
}

/**
 * The next ballot for `proposer` above every round it has seen. Unique cluster-wide because no other
 * proposer uses the same id, and strictly above `seenRound` so it can preempt what preempted us.
 */
export function nextBallot(proposer: string, seenRound: number): Ballot {
  return { round: seenRound + 1, proposer };
}

/** A stable string key for maps keyed by ballot. */
export function ballotKey(b: Ballot): string {
  return `${b.round}:${b.proposer}`;
}
