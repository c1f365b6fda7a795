/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on every machine, so a
 * projection run is reproducible. Behaviour draws only; money never goes through these floats.
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** true with probability p (0…1) */
  chance(p: number): boolean;
  /** an integer uniform in [lo, hi] */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  /** a Poisson count of mean `mean` (Knuth; small means only) */
  poisson(mean: number): number;
}

export function rngOf(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p) => p > 0 && next() < p,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    poisson: (mean) => {
      if (mean <= 0) return 0;
      const limit = Math.exp(-mean);
      let k = 0;
      let p = next();
      while (p > limit && k < 1000) {
        k++;
        p *= next();
      }
      return k;
    },
  };
}

/** The seed of run `k` of a projection seeded `seed` (each run its own stream, independent of the run count). */
export const runSeed = (seed: number, k: number): number => (Math.imul(seed ^ 0x9e3779b9, 2654435761) + k * 0x85ebca6b) >>> 0;
