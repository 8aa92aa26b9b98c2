import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../model/backend/index.ts';
import { balanceLoadFactors, deviceBalanceLoss, hiddenZLoss, lmLoss } from '../../model/losses.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('deviceBalanceLoss()', () => {
  // N = 4 FFN experts in D = 2 groups ({0,1}, {2,3}); Z = 2 zero experts (group 3); K = 2, K_e = 1.
  const shape = { ffnExperts: 4, zeroExperts: 2, topK: 2, targetFfnPerToken: 1, balanceGroups: 2 };
  // One sequence of 2 tokens: t0 picks experts 0 and 4, t1 picks 2 and 3.
  const choice = { tokens: 2, topK: 2, experts: Int32Array.from([0, 4, 2, 3]), gates: new Float32Array(4) };
  const probs = [
    [0.3, 0.1, 0.1, 0.1, 0.3, 0.1],
    [0.1, 0.1, 0.3, 0.3, 0.1, 0.1],
  ];

  it('normalises group loads so the target allocation counts 1 (hand example)', () => {
    // f_j = D/(K_e*T) * picks = 1 * [1, 2] for the FFN groups; zero group: 1/((K-K_e)*T) * 1 = 0.5.
    expect(Array.from(balanceLoadFactors(choice, 1, 2, shape))).toEqual([1, 2, 0.5]);
  });

  it('is sum_j f_j * P_j (hand example: 1*0.3 + 2*0.4 + 0.5*0.3 = 1.25)', () => {
    // P = mean over the 2 tokens of each group's probability mass: [0.3, 0.4, 0.3].
    const p = tf.tensor2d(probs.flat(), [2, 6]);
    const loss = deviceBalanceLoss(p, choice, 1, 2, shape);
    expect(loss.dataSync()[0]).toBeCloseTo(1.25, 6);
    // The gradient reaches the router probabilities: dL/dp[t][e] = f_group(e) / T.
    const g = tf.grad((x: tf.Tensor) => deviceBalanceLoss(x as tf.Tensor2D, choice, 1, 2, shape))(p);
    expect(Array.from(g.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0.5, 0.5, 1, 1, 0.25, 0.25, 0.5, 0.5, 1, 1, 0.25, 0.25]);
    tf.dispose([p, loss, g]);
  });

  it('averages over the sequences of a batch', () => {
    const two = { tokens: 4, topK: 2, experts: Int32Array.from([0, 4, 2, 3, 0, 4, 2, 3]), gates: new Float32Array(8) };
    const p = tf.tensor2d([...probs.flat(), ...probs.flat()], [4, 6]);
    const loss = deviceBalanceLoss(p, two, 2, 2, shape);
    expect(loss.dataSync()[0]).toBeCloseTo(1.25, 6);
    tf.dispose([p, loss]);
  });
});

describe('hiddenZLoss()', () => {
  it('is the mean of log(sum exp|z|)^2 over tokens', () => {
    const z = [
      [1, -2, 0.5],
      [-30, 3, 0],
    ];
    const naive = z.map((row) => Math.log(row.reduce((s, v) => s + Math.exp(Math.abs(v)), 0)) ** 2);
    const t = tf.tensor2d(z.flat(), [2, 3]);
    const loss = hiddenZLoss(t);
    expect(loss.dataSync()[0]).toBeCloseTo((naive[0] + naive[1]) / 2, 3);
    tf.dispose([t, loss]);
  });
});

describe('lmLoss()', () => {
  it('is the mean next-token cross-entropy', () => {
    const logits = [
      [2, 0, -1],
      [0.5, 0.5, 3],
    ];
    const targets = Int32Array.from([0, 1]);
    const ce = logits.map((row, i) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[targets[i]]);
    const t = tf.tensor2d(logits.flat(), [2, 3]);
    const loss = lmLoss(t, targets);
    expect(loss.dataSync()[0]).toBeCloseTo((ce[0] + ce[1]) / 2, 5);
    tf.dispose([t, loss]);
  });
});
