import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend, installKernelFixes } from '../../model/backend/init-backend.ts';
import { unsortedSegmentSumValues } from '../../model/backend/segment-sum-kernel.ts';
import { UsageError } from '../../sim/core/errors.ts';

tf.env().set('PROD', true);

const cases: { name: string; x: number[]; shape: number[]; ids: number[]; segments: number }[] = [
  { name: '1-D', x: [1, 2, 3, 4, 5], shape: [5], ids: [0, 2, 0, 1, 2], segments: 4 },
  { name: '2-D rows', x: [1, 2, 3, 4, 5, 6, 7, 8], shape: [4, 2], ids: [1, 1, 0, 3], segments: 4 },
  { name: '3-D x', x: Array.from({ length: 12 }, (_, i) => i * 0.5 - 2), shape: [3, 2, 2], ids: [2, 0, 2], segments: 3 },
];

const segmentSum = (c: (typeof cases)[number]) =>
  tf.tidy(() => tf.unsortedSegmentSum(tf.tensor(c.x, c.shape), tf.tensor1d(c.ids, 'int32'), c.segments).arraySync());

describe('UnsortedSegmentSum JS kernel', () => {
  it("matches tfjs's own cpu kernel on small inputs", async () => {
    await tf.setBackend('cpu');
    // Reference first, with tfjs's built-in cpu kernel still registered.
    const reference = cases.map(segmentSum);
    installKernelFixes();
    for (const backend of ['cpu', 'wasm']) {
      await initBackend(backend as 'cpu' | 'wasm');
      cases.forEach((c, i) => expect(segmentSum(c), `${c.name} on ${backend}`).toEqual(reference[i]));
    }
  });

  it('drops segment ids outside [0, numSegments)', () => {
    const { values, shape } = unsortedSegmentSumValues([1, 2, 3], [3], [0, -1, 5], 2, 'float32');
    expect(shape).toEqual([2]);
    expect(Array.from(values)).toEqual([1, 0]);
  });
});

describe('gather gradient', () => {
  it('is the same on cpu and wasm (wasm has no built-in UnsortedSegmentSum)', async () => {
    const table = Array.from({ length: 5 * 3 }, (_, i) => Math.sin(i));
    const idx = [4, 0, 4, 2, 4, 1];
    const weights = Array.from({ length: 6 * 3 }, (_, i) => (i % 5) - 2);
    const grads: number[][] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const g = tf.tidy(() => {
        const w = tf.tensor2d(weights, [6, 3]);
        const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(idx, 'int32')), w));
        return tf.grad(f)(tf.tensor2d(table, [5, 3]));
      });
      grads.push(Array.from(g.dataSync()));
      g.dispose();
    }
    expect(grads[1]).toEqual(grads[0]);
    // Row 4 was gathered at positions 0, 2 and 4: its gradient is the sum of those rows of w.
    const row = (r: number) => weights.slice(r * 3, r * 3 + 3);
    expect(grads[0].slice(12, 15)).toEqual(row(0).map((v, j) => v + row(2)[j] + row(4)[j]));
    expect(grads[0].slice(9, 12)).toEqual([0, 0, 0]); // row 3 never gathered
  });
});

describe('matMul gradient override (explicit transposes)', () => {
  const A = [1, 2, -1, 0.5, 3, -2]; // 2x3
  const B = [0.5, -1, 2, 1, 0, 3]; // 3x2 (or 2x3 transposed)
  // d/dA sum(A.B) = ones(2,2).B^T ; d/dB = A^T.ones(2,2)
  it('gives the textbook gradients for every transpose flag, on cpu and wasm', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = ta ? tf.tensor2d(A, [2, 3]).transpose() : tf.tensor2d(A, [2, 3]);
        const b = tb ? tf.tensor2d(B, [3, 2]).transpose() : tf.tensor2d(B, [3, 2]);
        const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb)))([a, b]);
        // Reference: the same product without flags, on explicitly transposed copies.
        const [ra, rb] = tf.tidy(() => {
          const a2 = ta ? tf.transpose(a) : a;
          const b2 = tb ? tf.transpose(b) : b;
          const ones = tf.ones([2, 2]);
          const dA2 = tf.matMul(ones, tf.transpose(b2)) as tf.Tensor2D;
          const dB2 = tf.matMul(tf.transpose(a2), ones) as tf.Tensor2D;
          return [ta ? tf.transpose(dA2) : dA2, tb ? tf.transpose(dB2) : dB2];
        });
        expect(Array.from(ga.dataSync()), `dA ${backend} ${ta} ${tb}`).toEqual(Array.from(ra.dataSync()));
        expect(Array.from(gb.dataSync()), `dB ${backend} ${ta} ${tb}`).toEqual(Array.from(rb.dataSync()));
        tf.dispose([a, b, ga, gb, ra, rb]);
      }
    }
  });

  it('handles batched products', async () => {
    await initBackend('wasm');
    const a = tf.tensor3d(Array.from({ length: 12 }, (_, i) => i / 4), [2, 2, 3]);
    const b = tf.tensor3d(Array.from({ length: 12 }, (_, i) => 1 - i / 6), [2, 3, 2]);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D)))([a, b]);
    expect(ga.shape).toEqual([2, 2, 3]);
    expect(gb.shape).toEqual([2, 3, 2]);
    // dA[n,i,k] = sum_j B[n,k,j]
    const bv = b.arraySync() as number[][][];
    const gav = ga.arraySync() as number[][][];
    for (let n = 0; n < 2; n++) for (let k = 0; k < 3; k++) expect(gav[n][1][k]).toBeCloseTo(bv[n][k][0] + bv[n][k][1], 6);
    tf.dispose([a, b, ga, gb]);
  });
});

describe('initBackend()', () => {
  it("'gpu' fails with a UsageError naming @tensorflow/tfjs-node-gpu when it is not installed", async () => {
    const err = await initBackend('gpu').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
  });

  it("'auto' falls back to wasm and says why", async () => {
    const info = await initBackend('auto');
    expect(info.name).toBe('wasm');
    expect(info.description).toMatch(/^wasm \(SIMD, 1 thread\)$/);
    expect(info.fallbacks.join()).toMatch(/tfjs-node-gpu not installed/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it("'cpu' runs the cpu backend", async () => {
    const info = await initBackend('cpu');
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});
