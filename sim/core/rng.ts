// The only source of randomness in epsim: a seeded generator, passed explicitly (no globals).
import seedrandom from 'seedrandom';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function createRng(seed: number | string): Rng {
  const prng = seedrandom(String(seed));
  return {
    next: () => prng.quick(),
    int: (n: number) => Math.floor(prng.quick() * n),
  };
}
