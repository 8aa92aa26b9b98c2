import { describe, expect, it } from 'vitest';
import { countPmf, FIT_BLOCK_TOKENS, fitRoutingTrace, fittedRoutingSource, rescaleSortedShares, type FittedRoutingSource } from '../../sim/replay/fitted-source.ts';
import { createRng } from '../../sim/core/rng.ts';
import { randomTrace, traceFromRows } from './fixtures.ts';

const shape = { layers: 4, ffnExperts: 16, zeroExperts: 8, topk: 4 };
const trace = randomTrace({ ...shape, tokens: 3000, seed: 1, skew: 1.2, difficultyWeight: 0.7 });
const fit = fitRoutingTrace(trace);
const same = { modelLayers: 4, ffnExperts: 16, zeroExperts: 8, topk: 4 };
const longcat = { modelLayers: 28, ffnExperts: 512, zeroExperts: 256, topk: 12 };
const POOL = 20000;

/** FFN picks per pool token at `layer`. */
function ffnCounts(src: FittedRoutingSource, layer: number): Float64Array {
  const t = src.poolLayer(layer);
  const k = src.topk;
  const c = new Float64Array(t.length / k);
  for (let i = 0; i < t.length; i++) if (t[i]! < src.ffnExperts) c[Math.floor(i / k)]!++;
  return c;
}
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
function corr(a: Float64Array, b: Float64Array): number {
  const ma = mean(a);
  const mb = mean(b);
  let c = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    c += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return c / Math.sqrt(va * vb);
}
/** Expert ids by pick count, most picked first. */
function ranking(counts: ArrayLike<number>): number[] {
  return Array.from(counts, (c, e) => [c, e] as const)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .map((x) => x[1]);
}
function pickCounts(src: FittedRoutingSource, layer: number): Float64Array {
  const c = new Float64Array(src.ffnExperts);
  for (const e of src.poolLayer(layer)) if (e < src.ffnExperts) c[e]!++;
  return c;
}
/** Typed-array equality without vitest's slow element-wise diff. */
const sameBytes = (a: Uint16Array, b: Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
function topShare(counts: ArrayLike<number>, fraction: number): number {
  const sorted = Array.from(counts).sort((a, b) => b - a);
  return sorted.slice(0, Math.round(sorted.length * fraction)).reduce((s, v) => s + v, 0) / sorted.reduce((s, v) => s + v, 0);
}

describe('fitRoutingTrace()', () => {
  it('measures popularity, the FFN-count histogram and the inter-layer correlation (hand example)', () => {
    // 2 FFN + 1 zero, top-2, 2 layers. FFN counts: t0 (2, 2), t1 (1, 1), t2 (1, 1) -> perfectly correlated.
    const f = fitRoutingTrace(
      traceFromRows({ layers: 2, ffnExperts: 2, zeroExperts: 1, topk: 2 }, [
        [[0, 1], [1, 0]],
        [[0, 2], [2, 1]],
        [[2, 0], [1, 2]],
      ]),
    );
    expect(Array.from(f.layers[0]!.expertCounts)).toEqual([3, 1]);
    expect(Array.from(f.layers[1]!.expertCounts)).toEqual([1, 3]);
    expect(Array.from(f.layers[0]!.ffnCountHist)).toEqual([0, 2, 1]);
    expect(f.layers[0]!.meanFfnPerToken).toBeCloseTo(4 / 3, 12);
    expect(f.layerCorrelation).toBeCloseTo(0.99, 12); // measured 1, clamped
    expect(f.layerCorrelationRaw).toBeCloseTo(1, 12);
  });

  it('finds a strong correlation in a trace with a shared per-token difficulty and none without', () => {
    expect(fit.layerCorrelation).toBeGreaterThan(0.6);
    const independent = fitRoutingTrace(randomTrace({ ...shape, tokens: 3000, seed: 2, difficultyWeight: 0 }));
    expect(Math.abs(independent.layerCorrelationRaw)).toBeLessThan(0.06);
  });
});

describe('fittedRoutingSource() on the traced shape', () => {
  const src = fittedRoutingSource(fit, same, { seed: 7, poolTokens: POOL });

  it('reproduces the mean FFN experts per token of every layer (within 0.05)', () => {
    for (let l = 0; l < 4; l++) expect(Math.abs(mean(ffnCounts(src, l)) - fit.layers[l]!.meanFfnPerToken)).toBeLessThan(0.05);
  });

  it('keeps each layer\'s popularity ranking (top 3 experts, in order)', () => {
    for (let l = 0; l < 4; l++) expect(ranking(pickCounts(src, l)).slice(0, 3)).toEqual(ranking(fit.layers[l]!.expertCounts).slice(0, 3));
  });

  it('keeps tokens correlated across layers (a shared difficulty)', () => {
    expect(corr(ffnCounts(src, 0), ffnCounts(src, 3))).toBeGreaterThan(0.5);
  });

  it('draws distinct experts per token', () => {
    const out = new Uint16Array(4);
    for (let t = 0; t < 500; t++) {
      src.expertsOf(t, 2, out);
      expect(new Set(out).size).toBe(4);
    }
  });

  it('is deterministic for a seed, whatever order layers are asked in, and differs across seeds', () => {
    const again = fittedRoutingSource(fit, same, { seed: 7, poolTokens: POOL });
    expect(sameBytes(again.poolLayer(3), src.poolLayer(3))).toBe(true);
    expect(sameBytes(again.poolLayer(0), src.poolLayer(0))).toBe(true);
    const other = fittedRoutingSource(fit, same, { seed: 8, poolTokens: POOL });
    expect(sameBytes(other.poolLayer(0), src.poolLayer(0))).toBe(false);
  });

  it('draws a token the same whether its block is sampled alone or with the whole pool', () => {
    const lazy = fittedRoutingSource(fit, same, { seed: 7, poolTokens: POOL });
    const token = 5 * FIT_BLOCK_TOKENS + 17;
    const alone = new Uint16Array(4);
    lazy.expertsOf(token, 2, alone);
    expect(Array.from(alone)).toEqual(Array.from(src.poolLayer(2).subarray(token * 4, token * 4 + 4)));
  });

  it('takes a step as one run of pool tokens, wrapping at the end of the pool', () => {
    const small = fittedRoutingSource(fit, same, { seed: 7, poolTokens: 10 });
    const picks = Array.from(small.sampleTokens(createRng(3), 25, false));
    for (let i = 1; i < picks.length; i++) expect(picks[i]).toBe((picks[i - 1]! + 1) % 10);
  });

  it('describes what was fitted and from what', () => {
    const d = fittedRoutingSource(fit, same, { seed: 7, file: 'traces/r.trace', poolTokens: 100 }).description;
    expect(d).toBe(
      'fitted from trace traces/r.trace (3000 tokens; 4 MoE layers, 16 FFN + 8 zero experts, top-4) to 4 MoE layers, 16 FFN + 8 zero experts, top-4: ' +
        'per-layer expert popularity (expert ids kept), FFN experts/token (trace mean 2.60 of 4, empirical), ' +
        `shared per-token difficulty rho=${fit.layerCorrelation.toFixed(2)}; model layer l uses trace layer floor(l*4/4); pool 100 tokens, seed 7`,
    );
  });
});

describe('fittedRoutingSource() onto another model (28 layers, 512 + 256, top-12)', () => {
  const src = fittedRoutingSource(fit, longcat, { seed: 3, poolTokens: POOL });

  it('stretches trace layers over model layers: layer l uses floor(l * 4 / 28)', () => {
    expect(Array.from({ length: 28 }, (_, l) => src.traceLayerOf(l))).toEqual([0, 1, 2, 3].flatMap((t) => new Array(7).fill(t)));
    const fewer = fittedRoutingSource(fit, { ...same, modelLayers: 2 }, { seed: 3, poolTokens: 10 });
    expect([fewer.traceLayerOf(0), fewer.traceLayerOf(1)]).toEqual([0, 2]);
  });

  it('keeps the FFN share: mean about 12 x (trace mean / 4)', () => {
    const want = (12 * fit.layers[1]!.meanFfnPerToken) / 4;
    expect(mean(ffnCounts(src, 10))).toBeGreaterThan(want - 0.1);
    expect(mean(ffnCounts(src, 10))).toBeLessThan(want + 0.1);
    const pmf = src.ffnCountPmf(10);
    expect(pmf.reduce((s, p, f) => s + p * f, 0)).toBeCloseTo(want, 9);
  });

  it('preserves the popularity skew: the top quarter of experts keeps its share of picks', () => {
    const traceShare = topShare(fit.layers[0]!.expertCounts, 0.25);
    expect(Math.abs(topShare(src.expertWeights(0), 0.25) - traceShare)).toBeLessThan(0.01);
    expect(Math.abs(topShare(pickCounts(src, 0), 0.25) - traceShare)).toBeLessThan(0.03);
  });

  it('shuffles hot expert ids per model layer and stays correlated across layers', () => {
    expect(ranking(src.expertWeights(0))[0]).not.toBe(ranking(src.expertWeights(1))[0]);
    expect(corr(ffnCounts(src, 0), ffnCounts(src, 27))).toBeGreaterThan(0.5);
  });

  it('clamps counts the model cannot realise (1 zero expert, top-4: at least 3 FFN picks)', () => {
    const s = fittedRoutingSource(fit, { modelLayers: 1, ffnExperts: 16, zeroExperts: 1, topk: 4 }, { seed: 1, poolTokens: 2000 });
    expect(Math.min(...ffnCounts(s, 0))).toBeGreaterThanOrEqual(3);
    expect(s.ffnCountPmf(0).slice(0, 3)).toEqual(new Float64Array(3));
  });
});

describe('fit helpers', () => {
  it('countPmf() rescales to another k keeping the mean share (beta-binomial, binomial when not overdispersed)', () => {
    const lf = fit.layers[0]!;
    const pmf = countPmf(lf, 4, 12);
    expect(pmf.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
    expect(pmf.reduce((s, p, f) => s + p * f, 0)).toBeCloseTo((12 * lf.meanFfnPerToken) / 4, 9);
    // Every token with exactly 2 of 4: no overdispersion -> Binomial(12, 0.5).
    const flat = { expertCounts: new Float64Array(4), ffnCountHist: Float64Array.of(0, 0, 10, 0, 0), meanFfnPerToken: 2, varFfnPerToken: 0 };
    const bin = countPmf(flat, 4, 2);
    expect(Array.from(bin)).toEqual([0.25, 0.5, 0.25]);
  });

  it('rescaleSortedShares() keeps a uniform curve uniform and a skewed one skewed', () => {
    expect(Array.from(rescaleSortedShares(Float64Array.of(5, 5, 5, 5), 8)).every((v) => Math.abs(v - 1 / 8) < 1e-12)).toBe(true);
    const s = rescaleSortedShares(Float64Array.of(99.5, 0, 0, 0), 8); // counts + 0.5 -> 100, .5, .5, .5
    expect(s[0]! + s[1]!).toBeCloseTo(100 / 101.5, 12);
    for (let i = 1; i < 8; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]! + 1e-15);
  });
});
