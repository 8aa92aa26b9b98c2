import { describe, expect, it } from 'vitest';
import type { GpuSpec } from '../../sim/hardware/topology.ts';
import { computeTimeNs } from '../../sim/hardware/roofline.ts';
import { SimInvariantError } from '../../sim/core/errors.ts';

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
