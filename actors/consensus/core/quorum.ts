// Majority quorums over a fixed acceptor set; pure, knows nothing about messages or transport.

/** The smallest number of acceptors any two of which-sized sets must share a member: floor(n/2)+1. */
export function majority(acceptorCount: number): number {
  return Math.floor(acceptorCount / 2) + 1;
}

/** True when `voters` (deduplicated, restricted to known acceptors) form a majority of `acceptors`. */
export function isQuorum(acceptors: readonly string[], voters: Iterable<string>): boolean {
  const known = new Set(acceptors);
  const counted = new Set<string>();
  for (const v of voters) if (known.has(v)) counted.add(v);
  return counted.size >= majority(known.size);
}
