import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../model/backend/index.ts';
import { ffnExpertsPerToken, gatherGates, selectExperts } from '../../model/layers/router.ts';
import { moe } from '../../model/layers/moe.ts';
import { zeroExperts, zeroSlotMask } from '../../model/layers/zero-experts.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

// 2 tokens, 3 FFN experts (0-2) + 2 zero experts (3-4), top-2.
const probs = [
  [0.1, 0.4, 0.05, 0.3, 0.15],
  [0.3, 0.1, 0.2, 0.1, 0.3],
].flat();

describe('selectExperts()', () => {
  it('picks the top-k by score, best first, ties to the lower id (hand-computed)', () => {
    const c = selectExperts(probs, new Float32Array(5), 2, 5, 2);
    expect(Array.from(c.experts)).toEqual([1, 3, 0, 4]);
    expect(Array.from(c.gates)).toEqual([0.4, 0.3, 0.3, 0.3].map(Math.fround));
    expect(Array.from(ffnExpertsPerToken(c, 3))).toEqual([1, 1]);
  });

  it('lets the bias change the choice but not the gate weights', () => {
    const bias = Float32Array.from([0, 0, 0.3, 0, 0]);
    const c = selectExperts(probs, bias, 2, 5, 2);
    // Scores t0: [.1 .4 .35 .3 .15] -> 1, 2; t1: [.3 .1 .5 .1 .3] -> 2, 0.
    expect(Array.from(c.experts)).toEqual([1, 2, 2, 0]);
    // Gates are the unbiased probabilities of the chosen experts.
    expect(Array.from(c.gates)).toEqual([0.4, 0.05, 0.2, 0.3].map(Math.fround));
    expect(Array.from(ffnExpertsPerToken(c, 3))).toEqual([2, 2]);
  });

  it('handles k = all experts', () => {
    const c = selectExperts([0.2, 0.5, 0.3], [0, 0, 0], 1, 3, 3);
    expect(Array.from(c.experts)).toEqual([1, 2, 0]);
  });
});

describe('gatherGates()', () => {
  it('gathers the chosen probabilities and passes gradient only to them', () => {
    const p = tf.tensor2d(probs, [2, 5]);
    const choice = selectExperts(probs, new Float32Array(5), 2, 5, 2);
    const g = tf.grad((x: tf.Tensor) => tf.sum(gatherGates(x as tf.Tensor2D, choice)))(p);
    expect(Array.from(g.dataSync())).toEqual([0, 1, 0, 1, 0, 1, 0, 0, 0, 1]);
    tf.dispose([p, g]);
  });
});

describe('zero-computation experts', () => {
  it('return input x gate exactly (summed over a token’s zero picks)', () => {
    const x = tf.tensor2d([1.5, -2, 4, 0.25, 3, -1], [2, 3]);
    // Token 0 picks zero experts in slots 0 and 1, token 1 only in slot 1.
    const choice = { tokens: 2, topK: 2, experts: Int32Array.from([3, 4, 0, 3]), gates: new Float32Array(4) };
    const gates = tf.tensor1d([0.25, 0.5, 0.125, 0.375]);
    const y = zeroExperts(x, gates, zeroSlotMask(choice, 3), 2);
    expect(Array.from(y.dataSync())).toEqual([1.5 * 0.75, -2 * 0.75, 4 * 0.75, 0.25 * 0.375, 3 * 0.375, -1 * 0.375]);
    tf.dispose([x, gates, y]);
  });

  it('make the MoE output x * (sum of gates) when every pick is a zero expert', () => {
    const d = 4;
    const x = tf.tensor2d([0.5, -1, 2, 0.25, 1, 1, -3, 0], [2, d]);
    const router = tf.tensor2d(Array.from({ length: d * 5 }, (_, i) => Math.cos(i)), [d, 5]);
    const w1 = tf.ones([3, 2, d]) as tf.Tensor3D;
    const w2 = tf.ones([3, d, 2]) as tf.Tensor3D;
    const bias = Float32Array.from([-100, -100, -100, 0, 0]); // FFN experts can never win
    const r = moe(x, { router: router as tf.Tensor2D, w1, w2 }, bias, { ffnExperts: 3, zeroExperts: 2, topK: 2, gamma: 4 });
    expect(Array.from(r.choice.experts).every((e) => e >= 3)).toBe(true);
    const xs = x.arraySync();
    const ys = r.y.arraySync();
    for (let t = 0; t < 2; t++) {
      const g = r.choice.gates[t * 2] + r.choice.gates[t * 2 + 1];
      for (let i = 0; i < d; i++) expect(ys[t][i]).toBeCloseTo(xs[t][i] * g, 6);
    }
    tf.dispose([x, router, w1, w2, r.y, r.probs]);
  });
});

describe('moe()', () => {
  it('uses the same gate weights whatever the selection bias (only the picks change)', () => {
    const d = 4;
    const x = tf.tensor2d(Array.from({ length: 3 * d }, (_, i) => Math.sin(i + 1)), [3, d]);
    const router = tf.tensor2d(Array.from({ length: d * 6 }, (_, i) => Math.cos(i * 0.7)), [d, 6]);
    const w1 = tf.randomNormal([4, 3, d], 0, 0.5, 'float32', 1) as tf.Tensor3D;
    const w2 = tf.randomNormal([4, d, 3], 0, 0.5, 'float32', 2) as tf.Tensor3D;
    const shape = { ffnExperts: 4, zeroExperts: 2, topK: 2, gamma: 2 };
    const plain = moe(x, { router: router as tf.Tensor2D, w1, w2 }, new Float32Array(6), shape);
    const biased = moe(x, { router: router as tf.Tensor2D, w1, w2 }, Float32Array.from([0, 0, 0, 0, 0.5, 0]), shape);
    const p = plain.probs.arraySync();
    expect(Array.from(biased.choice.experts)).not.toEqual(Array.from(plain.choice.experts));
    for (const r of [plain, biased]) {
      r.choice.experts.forEach((e, s) => expect(r.choice.gates[s]).toBe(Math.fround(p[Math.floor(s / 2)][e])));
    }
    tf.dispose([x, router, w1, w2, plain.y, plain.probs, biased.y, biased.probs]);
  });
});
