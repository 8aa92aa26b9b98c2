import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/core/rng.ts';
import { buildLayerTraffic } from '../../sim/replay/build-traffic.ts';
import { contiguousPlacement } from '../../sim/replay/placement.ts';
import { sampleStepTokens } from '../../sim/replay/sample-step.ts';
import { uniformRoutingSource } from '../../sim/replay/uniform-source.ts';

/** Picks per expert id (FFN and zero) and FFN picks per token over `tokens` at `layer`. */
function tally(src: ReturnType<typeof uniformRoutingSource>, tokens: Int32Array, layer: number) {
  const perExpert = new Array<number>(src.ffnExperts + src.zeroExperts).fill(0);
  const ffnPerToken: number[] = [];
  const out = new Uint16Array(src.topk);
  for (const t of tokens) {
    src.expertsOf(t, layer, out);
    expect(new Set(out).size).toBe(src.topk); // distinct picks
    let f = 0;
    for (const e of out) {
      perExpert[e]!++;
      if (e < src.ffnExperts) f++;
    }
    ffnPerToken.push(f);
  }
  return { perExpert, ffnPerToken };
}

describe('uniformRoutingSource()', () => {
  const longcat = uniformRoutingSource({ layers: 28, ffnExperts: 512, zeroExperts: 256, topk: 12 });

  it('gives every expert exactly the same load and 8.0 FFN experts per token (512 + 256, top-12)', () => {
    const steps = sampleStepTokens(longcat, createRng(3), 128, 8, false);
    const all = Int32Array.from(steps.flatMap((a) => Array.from(a)));
    for (const layer of [0, 1, 27]) {
      const { perExpert, ffnPerToken } = tally(longcat, all, layer);
      // 1024 tokens x 12 picks / 768 experts = 16 each.
      expect(new Set(perExpert)).toEqual(new Set([16]));
      expect(new Set(ffnPerToken)).toEqual(new Set([8]));
    }
    expect(longcat.description).toContain('8.00 FFN experts per token');
  });

  it('spreads a token over 8 ranks and balances rank GEMM work exactly (EP 128)', () => {
    const tokensByRank = sampleStepTokens(longcat, createRng(4), 128, 8, false);
    const t = buildLayerTraffic({ source: longcat, layer: 5, tokensByRank, placement: contiguousPlacement(512, 128), gpusPerNode: 8, firstGpu: 0 });
    expect(new Set(t.rankAssignments)).toEqual(new Set([64])); // 16 per expert x 4 experts
    expect(t.ffnExpertsPerToken).toBe(8);
    let sent = 0;
    for (const v of t.tokensToRank) sent += v;
    expect(sent).toBe(1024 * 8); // every FFN expert of a token on a different rank
  });

  it('stays exact when k does not divide N + Z (7 experts, top-3, batches of 7 tokens)', () => {
    const src = uniformRoutingSource({ layers: 2, ffnExperts: 5, zeroExperts: 2, topk: 3 });
    for (const seed of [1, 2, 3]) {
      const tokens = src.sampleTokens(createRng(seed), 7, true);
      for (const layer of [0, 1]) {
        const { perExpert, ffnPerToken } = tally(src, tokens, layer);
        expect(perExpert).toEqual([3, 3, 3, 3, 3, 3, 3]);
        expect(ffnPerToken.reduce((a, b) => a + b, 0) / 7).toBeCloseTo((3 * 5) / 7, 12);
      }
    }
  });

  it('is within one pick of balanced for any batch', () => {
    const src = uniformRoutingSource({ layers: 1, ffnExperts: 10, zeroExperts: 3, topk: 4 });
    const { perExpert } = tally(src, src.sampleTokens(createRng(9), 11, false), 0);
    expect(Math.max(...perExpert) - Math.min(...perExpert)).toBeLessThanOrEqual(1);
  });
});
