import { describe, expect, it } from 'vitest';
import { randomRoutingSource } from '../../sim/replay/random-source.ts';
import { createRng } from '../../sim/core/rng.ts';

describe('randomRoutingSource()', () => {
  const source = randomRoutingSource({ layers: 2, ffnExperts: 256, topk: 8, groups: 8, seed: 3, tokens: 4096 });
  const out = new Uint16Array(8);

  it('picks top-k distinct experts within at most min(groups, 4) node groups', () => {
    for (let t = 0; t < 4096; t++) {
      source.expertsOf(t, 1, out);
      expect(new Set(out).size).toBe(8);
      expect(new Set([...out].map((e) => Math.floor(e / 32))).size).toBeLessThanOrEqual(4);
    }
  });

  it('loads every expert about equally on average (within 35% of the mean over 4096 tokens)', () => {
    const load = new Float64Array(256);
    for (let t = 0; t < 4096; t++) {
      source.expertsOf(t, 0, out);
      for (const e of out) load[e]++;
    }
    const mean = (4096 * 8) / 256;
    for (const l of load) expect(Math.abs(l - mean) / mean).toBeLessThan(0.35);
    expect(Math.max(...load)).toBeGreaterThan(mean); // random, not perfectly balanced
  });

  it('is the same for the same seed and differs for another', () => {
    const again = randomRoutingSource({ layers: 2, ffnExperts: 256, topk: 8, groups: 8, seed: 3, tokens: 4096 });
    const other = randomRoutingSource({ layers: 2, ffnExperts: 256, topk: 8, groups: 8, seed: 4, tokens: 4096 });
    const a = new Uint16Array(8);
    const b = new Uint16Array(8);
    source.expertsOf(17, 0, out);
    again.expertsOf(17, 0, a);
    other.expertsOf(17, 0, b);
    expect([...a]).toEqual([...out]);
    expect([...b]).not.toEqual([...out]);
    expect(source.sampleTokens(createRng(1), 5, false)).toEqual(again.sampleTokens(createRng(1), 5, false));
  });

  it('refuses groups that do not divide the experts', () => {
    expect(() => randomRoutingSource({ layers: 1, ffnExperts: 256, topk: 8, groups: 3, seed: 1 })).toThrow('random routing: 3 groups must divide the 256 experts');
  });
});
