// Per-GPU summary and stragglers, worked by hand on three GPUs and two layers (times in µs x 1000).
import { describe, expect, it } from 'vitest';
import { gpuSummary, stragglers } from '../../sim/metrics/gpu-summary.ts';
import type { Span } from '../../sim/ops/timeline.ts';

let op = 0;
const span = (gpu: number, kind: string, layer: number | undefined, startUs: number, endUs: number, stream = 'compute'): Span => ({
  op: op++,
  gpu,
  stream,
  kind,
  name: `${kind}.${layer}`,
  ...(layer !== undefined ? { layer } : {}),
  startNs: startUs * 1000,
  endNs: endUs * 1000,
  flops: 0,
  bytes: 0,
});

// gpu 0: attention 0-10, experts L0 10-20, dispatch 20-30 with nothing computing, experts L1 30-35
// gpu 1: attention 0-10, experts L0 10-40, experts L1 40-45
// gpu 2: attention 0-10, experts L0 10-25, experts L1 50-60, lm-head 60-62 (no layer)
const spans: Span[] = [
  span(0, 'attention', 0, 0, 10),
  span(0, 'expert-gemm', 0, 10, 20),
  span(0, 'dispatch', 0, 20, 30, 'comm'),
  span(0, 'expert-gemm', 1, 30, 35),
  span(1, 'attention', 0, 0, 10),
  span(1, 'expert-gemm', 0, 10, 40),
  span(1, 'expert-gemm', 1, 40, 45),
  span(2, 'attention', 0, 0, 10),
  span(2, 'expert-gemm', 0, 10, 25),
  span(2, 'expert-gemm', 1, 50, 60),
  span(2, 'lm-head', undefined, 60, 62),
];

describe('gpuSummary() and stragglers()', () => {
  it('adds up busy, exposed communication, expert GEMM time and expert tokens per GPU', () => {
    const s = gpuSummary(spans, 3, [100, 300, 200]);
    expect(s.busyNs).toEqual([25000, 45000, 37000]);
    expect(s.exposedCommNs).toEqual([10000, 0, 0]);
    expect(s.expertGemmNs).toEqual([15000, 35000, 25000]);
    expect(s.expertTokens).toEqual([100, 300, 200]);
    // layer 0: 10, 30, 15 µs -> max 30, mean 55/3; layer 1: 5, 5, 10 -> max 10, mean 20/3
    expect(s.expertGemmByLayer.get(0)!.maxNs).toBe(30000);
    expect(s.expertGemmByLayer.get(0)!.meanNs).toBeCloseTo(55000 / 3, 6);
    expect(s.expertGemmByLayer.get(1)!.meanNs).toBeCloseTo(20000 / 3, 6);
  });

  it('names the slowest GPUs first and what waiting for them costs against the mean', () => {
    const r = stragglers(gpuSummary(spans, 3, [100, 300, 200]), 62000, 2);
    expect(r.slowest).toEqual([
      { gpu: 1, busyUs: 45, expertGemmUs: 35, exposedCommUs: 0, expertTokens: 300 },
      { gpu: 2, busyUs: 37, expertGemmUs: 25, exposedCommUs: 0, expertTokens: 200 },
    ]);
    expect(r.meanBusyUs).toBe(35.667);
    expect(r.slowestOverMeanUs).toBe(9.333);
    expect(r.meanExpertGemmUs).toBe(25);
    expect(r.meanExposedCommUs).toBe(3.333);
    expect(r.meanExpertTokens).toBe(200);
    // (30 - 18.333) + (10 - 6.667) = 15 µs of a 62 µs step
    expect(r.expertImbalanceUs).toBe(15);
    expect(r.expertImbalanceShare).toBe(0.2419);
  });

  it('breaks ties by expert GEMM time, then by GPU id; leaves tokens out when there are none', () => {
    const even = [span(0, 'attention', 0, 0, 10), span(1, 'dense-ffn', 0, 0, 10), span(2, 'expert-gemm', 0, 0, 10)];
    const r = stragglers(gpuSummary(even, 3), 10000);
    expect(r.slowest.map((g) => g.gpu)).toEqual([2, 0, 1]);
    expect(r.slowest[0]).not.toHaveProperty('expertTokens');
    expect(r).not.toHaveProperty('meanExpertTokens');
    expect(r.slowestOverMeanUs).toBe(0);
  });
});
