import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../model/backend/index.ts';
import { expertFfn, ffnAssignments } from '../../model/layers/expert-ffn.ts';
import { expertFfnCapacity, planCapacity } from '../../model/layers/expert-ffn-capacity.ts';
import { selectExperts } from '../../model/layers/router.ts';
import { matmulABt } from '../../model/layers/small-gemm.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string) {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst, `${what}: max abs difference`).toBeLessThan(tol);
}

describe('matmulABt()', () => {
  it.each([
    [5, 7, 3],
    [8, 16, 4],
    [1, 3, 1],
    [9, 2, 5],
  ])('matches the naive product for A[%i x %i] . B[%i x K]^T, and accumulates', (n, k, m) => {
    const A = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i));
    const B = Float32Array.from({ length: m * k }, (_, i) => Math.cos(i * 1.3));
    const C = new Float32Array(n * m + 2).fill(1);
    matmulABt(A, 0, n, k, B, 0, m, C, 2, false);
    const C2 = new Float32Array(n * m).fill(1);
    matmulABt(A, 0, n, k, B, 0, m, C2, 0, true);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += A[i * k + q] * B[j * k + q];
        expect(C[2 + i * m + j]).toBeCloseTo(s, 5);
        expect(C2[i * m + j]).toBeCloseTo(s + 1, 5);
      }
    }
    expect([C[0], C[1]]).toEqual([1, 1]);
  });
});

describe('expertFfn() (fused JS kernel)', () => {
  it('gives the same output and gradients as the tfjs capacity design with nothing dropped', () => {
    const tokens = 10;
    const d = 6;
    const h = 5;
    const N = 4;
    const Z = 2;
    const K = 3;
    const probs = Array.from({ length: tokens * (N + Z) }, (_, i) => 0.1 + ((i * 37) % 11) / 20);
    const choice = selectExperts(probs, new Float32Array(N + Z), tokens, N + Z, K);
    const a = ffnAssignments(choice, N);
    expect(a.slots.length).toBeGreaterThan(0);
    const x = tf.tensor2d(Array.from({ length: tokens * d }, (_, i) => Math.sin(i * 0.9)), [tokens, d]);
    const gates = tf.tensor1d(Array.from({ length: tokens * K }, (_, i) => 0.2 + (i % 4) * 0.1));
    const w1 = tf.tensor3d(Array.from({ length: N * h * d }, (_, i) => Math.cos(i * 0.31)), [N, h, d]);
    const w2 = tf.tensor3d(Array.from({ length: N * d * h }, (_, i) => Math.sin(i * 0.17)), [N, d, h]);
    const plan = planCapacity(a, N, tokens, tokens * K, 100);
    expect(plan.dropped).toBe(0);
    const dy = tf.tensor2d(Array.from({ length: tokens * d }, (_, i) => ((i % 7) - 3) / 3), [tokens, d]);
    const run = (f: typeof expertFfn | ((...args: Parameters<typeof expertFfnCapacity>) => tf.Tensor2D), extra: unknown) =>
      tf.tidy(() => {
        const loss = (xx: tf.Tensor, gg: tf.Tensor, a1: tf.Tensor, a2: tf.Tensor) =>
          tf.sum(tf.mul((f as (...z: unknown[]) => tf.Tensor2D)(xx, gg, a1, a2, extra), dy));
        const { value, grads } = tf.valueAndGrads(loss)([x, gates, w1, w2]);
        return [value, ...grads].map((t) => Array.from(t.dataSync()));
      });
    const fused = run(expertFfn, a);
    const capacity = run(expertFfnCapacity, plan);
    const names = ['loss', 'dx', 'dgates', 'dw1', 'dw2'];
    names.forEach((n, i) => expectClose(fused[i], capacity[i], 1e-4, n));
    tf.dispose([x, gates, w1, w2, dy]);
  });

  it('drops tokens in the capacity design when an expert overflows (the fused kernel never does)', () => {
    const choice = { tokens: 4, topK: 1, experts: Int32Array.from([0, 0, 0, 1]), gates: new Float32Array(4) };
    const a = ffnAssignments(choice, 2);
    expect(planCapacity(a, 2, 4, 4, 1).dropped).toBe(1); // capacity ceil(4/2) = 2, expert 0 got 3
  });
});
