// The simulator's generator against seedrandom, whose ARC4 `quick()` stream it reproduces: every
// seed epsim uses (numbers and keys such as "1:fit:layer:12:block:3") and odd ones (empty, long,
// non-ASCII, past the 256-byte key), a few thousand numbers each.
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/core/rng.ts';

function same(seed: string, count: number): void {
  const ours = createRng(seed);
  const theirs = seedrandom(seed);
  for (let n = 0; n < count; n++) {
    const a = ours.next();
    const b = theirs.quick();
    if (a !== b) throw new Error(`seed ${JSON.stringify(seed)}: number ${n} is ${a}, seedrandom's ${b}`);
  }
}

describe('createRng', () => {
  it("gives seedrandom's quick() stream bit for bit", () => {
    const seeds = ['1', '7', '20261201', '1:fit:latent:0', '1:fit:layer:57:block:63', '1:placement-history', 'hot-gpu', 'x', ''];
    seeds.push('é∑😀 seeds', 'a'.repeat(255), 'ab'.repeat(128), 'long '.repeat(300), String(2 ** 53), '-0.5');
    for (const seed of seeds) same(seed, 5000);
    // Seeds as the fuzz suite and the sweeps make them, over many values.
    for (let k = 0; k < 300; k++) same(`${k}:sweep:${k * 7919}`, 200);
  });

  it('takes a number as its text, and draws integers below n', () => {
    const a = createRng(42);
    const b = seedrandom('42');
    for (let n = 0; n < 1000; n++) expect(a.int(10)).toBe(Math.floor(b.quick() * 10));
  });
});
