// The only source of randomness in epsim: a seeded generator, passed explicitly (no globals).
// The stream is seedrandom's ARC4 `quick()` stream (arc4.ts), so a seed gives what it always gave.
import { Arc4 } from './arc4.ts';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function createRng(seed: number | string): Rng {
  return new SeededRng(String(seed));
}

class SeededRng extends Arc4 implements Rng {
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
