// Seeded pseudo-random numbers (mulberry32), the one generator of the project: deterministic, the seed is injected, never Math.random.

/** One mulberry32 step: returns the next generator state and a float in [0, 1). State is a uint32. */
export function nextRandom(seed: number): { seed: number; value: number } {
  const s = (seed + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { seed: s, value: ((t ^ (t >>> 14)) >>> 0) / 4294967296 };
}

/** A seeded generator of floats in [0, 1) over nextRandom, for simulations and tests: the seed alone replays a run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    const r = nextRandom(state);
    state = r.seed;
    return r.value;
  };
}
