import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../sim/core/errors.ts';
import { createRng } from '../../sim/core/rng.ts';
import { TraceModelMismatchError, traceRoutingSource } from '../../sim/replay/trace-source.ts';
import { randomTrace, traceFromRows } from './fixtures.ts';

const shape = { layers: 2, ffnExperts: 4, zeroExperts: 2, topk: 2 };
const trace = traceFromRows(shape, [
  [[0, 1], [2, 4]],
  [[3, 5], [1, 0]],
  [[4, 5], [3, 2]],
]);

describe('traceRoutingSource() exact', () => {
  const src = traceRoutingSource(trace, { mapping: 'exact', file: 'traces/tiny.trace' });

  it('replays the recorded expert ids of each token and layer', () => {
    const out = new Uint16Array(2);
    src.expertsOf(1, 0, out);
    expect(Array.from(out)).toEqual([3, 5]);
    src.expertsOf(2, 1, out);
    expect(Array.from(out)).toEqual([3, 2]);
    expect(Array.from(src.layerTable!(1))).toEqual([2, 4, 1, 0, 3, 2]);
    expect(src.kind).toBe('trace');
    expect(src.description).toBe('trace traces/tiny.trace (3 tokens; 2 MoE layers, 4 FFN + 2 zero experts, top-2), replayed exactly');
  });

  it('samples decode tokens independently and prefill tokens as one wrapping run, from the rng', () => {
    const big = traceRoutingSource(randomTrace({ ...shape, tokens: 50, seed: 1 }), { mapping: 'exact' });
    const a = big.sampleTokens(createRng(5), 200, false);
    expect(a).toEqual(big.sampleTokens(createRng(5), 200, false));
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(50);
    expect(new Set(a).size).toBeGreaterThan(30);
    const run = big.sampleTokens(createRng(6), 120, true);
    for (let i = 1; i < run.length; i++) expect(run[i]).toBe((run[i - 1]! + 1) % 50);
  });

  it('refuses a model of another shape, saying what differs and how to proceed', () => {
    const model = { modelLayers: 28, ffnExperts: 512, zeroExperts: 256, topk: 12 };
    const run = () => traceRoutingSource(trace, { mapping: 'exact', model, file: 'traces/tiny.trace' });
    expect(run).toThrow(TraceModelMismatchError);
    expect(run).toThrow(UserInputError);
    expect(run).toThrow(
      'traces/tiny.trace: this trace was recorded from hand-made (2 MoE layers, 4 FFN + 2 zero experts, top-2) but the simulated model ' +
        'has 28 MoE layers, 512 FFN + 256 zero experts, top-12; they differ in MoE layers: trace 2, model 28; FFN experts: trace 4, model 512; ' +
        'zero experts: trace 2, model 256; top-k: trace 2, model 12. Exact replay needs the same shape. Set `traceMapping: fit` in the scenario ' +
        'to sample from a statistical fit of this trace (per-layer expert popularity, FFN experts per token, correlation between layers; ' +
        'results say so), or use a trace recorded from this model.',
    );
    try {
      run();
    } catch (e) {
      expect((e as TraceModelMismatchError).differences).toHaveLength(4);
    }
  });

  it('names only the differing field (layers shorthand)', () => {
    expect(() => traceRoutingSource(trace, { mapping: 'exact', layers: 4 })).toThrow(/they differ in MoE layers: trace 2, model 4\. Exact/);
  });
});

describe('traceRoutingSource() fit', () => {
  it('replays exactly when the shapes match, and says nothing was fitted', () => {
    const src = traceRoutingSource(trace, { mapping: 'fit' });
    expect(src.kind).toBe('trace');
    expect(src.description).toContain('nothing was fitted');
  });

  it('samples from a fit when the shapes differ, and says so', () => {
    const src = traceRoutingSource(trace, { mapping: 'fit', layers: 6, seed: 1, poolTokens: 64 });
    expect(src.kind).toBe('fitted');
    expect(src.layers).toBe(6);
    expect(src.description).toMatch(/^fitted from trace model hand-made \(3 tokens; 2 MoE layers/);
  });
});
