import { describe, expect, it } from 'vitest';
import { busyTime, subtract, union } from '../../sim/metrics/busy-time.ts';
import type { Span } from '../../sim/ops/timeline.ts';

const span = (gpu: number, kind: string, startNs: number, endNs: number): Span => ({
  op: 0,
  gpu,
  stream: 'x',
  kind,
  name: kind,
  startNs,
  endNs,
  flops: 0,
  bytes: 0,
});

describe('union() / subtract()', () => {
  it('merges overlapping and touching intervals', () => {
    expect(union([[5, 7], [0, 2], [1, 3], [3, 4]])).toEqual([[0, 4], [5, 7]]);
  });
  it('removes b from a', () => {
    expect(subtract([[0, 10], [20, 30]], [[2, 4], [8, 22], [25, 26]])).toEqual([[0, 2], [4, 8], [22, 25], [26, 30]]);
  });
});

describe('busyTime()', () => {
  it('counts communication as exposed only while no compute runs on that GPU', () => {
    // GPU 0: compute 0-100 and 150-200; dispatch 80-160 -> exposed 100-150 = 50.
    // GPU 1: a combine 0-30 with no compute -> exposed 30; compute 0.
    const b = busyTime([span(0, 'attention', 0, 100), span(0, 'expert-gemm', 150, 200), span(0, 'dispatch', 80, 160), span(1, 'combine', 0, 30)], 2);
    expect([...b.computeNs]).toEqual([150, 0]);
    expect([...b.exposedCommNs]).toEqual([50, 30]);
  });
});
