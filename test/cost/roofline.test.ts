import { describe, expect, it } from 'vitest';
import type { GpuSpec } from '../../sim/hardware/topology.ts';
import { computeTimeNs, opCostKey, type ComputeCost } from '../../sim/hardware/roofline.ts';
import { SimInvariantError } from '../../sim/core/errors.ts';
import type { FlashAttentionKernel } from '../../sim/hardware/kernel-shapes.ts';

// Round figures so every expected time below can be worked out by hand:
// bf16 500 TFLOP/s = 5e5 FLOP/ns, fp8 1000 TFLOP/s = 1e6 FLOP/ns, HBM 2000 GB/s = 2000 B/ns.
const gpu: GpuSpec = {
  name: 'test',
  sms: 100,
  memoryBytes: 80e9,
  hbmGBps: { peak: 4000, achieved: 2000 },
  bf16Tflops: { peak: 1000, achieved: 500 },
  fp8Tflops: { peak: 2000, achieved: 1000 },
  launchOverheadNs: 1000,
};

describe('computeTimeNs(cost, gpu, smShare)', () => {
  it('is compute-bound when FLOPs dominate: 1e12 FLOP bf16 = 2e6 ns, + 1000 ns launch', () => {
    expect(computeTimeNs({ flops: 1e12, bytes: 1e6, dtype: 'bf16' }, gpu)).toBe(2_000_000 + 1000);
  });

  it('runs fp8 at the fp8 rate: 1e12 FLOP = 1e6 ns, + 1000 ns launch', () => {
    expect(computeTimeNs({ flops: 1e12, bytes: 1e6, dtype: 'fp8' }, gpu)).toBe(1_000_000 + 1000);
  });

  it('is memory-bound when bytes dominate: 4e9 B / 2000 B/ns = 2e6 ns, + 1000 ns launch', () => {
    expect(computeTimeNs({ flops: 1e9, bytes: 4e9, dtype: 'bf16' }, gpu)).toBe(2_000_000 + 1000);
  });

  it('takes twice as long on half the SMs, but the launch overhead does not scale', () => {
    expect(computeTimeNs({ flops: 1e12, bytes: 0, dtype: 'bf16' }, gpu, 0.5)).toBe(4_000_000 + 1000);
    expect(computeTimeNs({ flops: 0, bytes: 4e9, dtype: 'bf16' }, gpu, 0.5)).toBe(4_000_000 + 1000);
  });

  it('costs just the launch overhead for an empty op', () => {
    expect(computeTimeNs({ flops: 0, bytes: 0, dtype: 'fp8' }, gpu)).toBe(1000);
  });

  it('rounds up to a whole ns, once: 3000 B = 1.5 ns -> 1002, 1 B = 0.0005 ns -> 1001', () => {
    expect(computeTimeNs({ flops: 0, bytes: 3000, dtype: 'bf16' }, gpu)).toBe(1002);
    expect(computeTimeNs({ flops: 0, bytes: 1, dtype: 'bf16' }, gpu)).toBe(1001);
  });

  it('refuses impossible inputs (a bug in the caller, not the user)', () => {
    expect(() => computeTimeNs({ flops: 1, bytes: 1, dtype: 'bf16' }, gpu, 0)).toThrow(SimInvariantError);
    expect(() => computeTimeNs({ flops: 1, bytes: 1, dtype: 'bf16' }, gpu, 1.5)).toThrow(SimInvariantError);
    expect(() => computeTimeNs({ flops: -1, bytes: 1, dtype: 'bf16' }, gpu)).toThrow(SimInvariantError);
    expect(() => computeTimeNs({ flops: 1, bytes: Number.NaN, dtype: 'bf16' }, gpu)).toThrow(SimInvariantError);
  });
});

describe('opCostKey (the emitter caches op times by it)', () => {
  const gemm = { kind: 'gemm', m: 12, n: 4096, k: 7168, groups: 3, layout: 'masked', dtype: 'fp8', flops: 1.5e9, bytes: 2.25e7, weightBytes: 2e7 } as const;
  const cost: ComputeCost = {
    flops: 1.5e9 + 3e6,
    bytes: 2.25e7 + 1e5,
    dtype: 'fp8',
    kernels: [gemm, { kind: 'plain', dtype: 'bf16', flops: 3e6, bytes: 1e5 }],
  };

  it('is the same for equal costs built apart', () => {
    expect(opCostKey(structuredClone(cost))).toBe(opCostKey(cost));
    expect(opCostKey({ flops: 1, bytes: 2, dtype: 'bf16' })).toBe(opCostKey({ flops: 1, bytes: 2, dtype: 'bf16' }));
  });

  it('changes with every field opTimeNs reads', () => {
    const variants: ComputeCost[] = [
      { ...cost, flops: cost.flops + 1 },
      { ...cost, bytes: cost.bytes * (1 + 1e-15) },
      { ...cost, dtype: 'bf16' },
      { ...cost, kernels: undefined },
      { ...cost, kernels: [gemm] },
      { ...cost, kernels: [cost.kernels![1]!, gemm] },
      ...(['m', 'n', 'k', 'groups', 'flops', 'bytes', 'weightBytes'] as const).map((f) => ({ ...cost, kernels: [{ ...gemm, [f]: gemm[f] + 1 }, cost.kernels![1]!] })),
      { ...cost, kernels: [{ ...gemm, layout: 'contiguous' as const }, cost.kernels![1]!] },
      { ...cost, kernels: [{ ...gemm, dtype: 'bf16' as const }, cost.kernels![1]!] },
      { ...cost, kernels: [gemm, { kind: 'plain', dtype: 'fp8', flops: 3e6, bytes: 1e5 }] },
      { ...cost, kernels: [gemm, { kind: 'decode-attention', rowsPerKvHead: 3e6, flops: 1e5, bytes: 0 }] },
    ];
    const keys = new Set([opCostKey(cost), ...variants.map(opCostKey)]);
    expect(keys.size).toBe(variants.length + 1);
    const fa: FlashAttentionKernel = { kind: 'flash-attention', pass: 'forward', sequenceTokens: 4096, headDim: 160, causal: true, flops: 1e12, bytes: 1e9 };
    const attention = (k: Partial<FlashAttentionKernel>) => opCostKey({ flops: 1e12, bytes: 1e9, dtype: 'bf16', kernels: [{ ...fa, ...k }] });
    const faKeys = [attention({}), attention({ pass: 'backward' }), attention({ causal: false }), attention({ headDim: 128 }), attention({ sequenceTokens: 4097 })];
    expect(new Set(faKeys).size).toBe(faKeys.length);
  });
});
