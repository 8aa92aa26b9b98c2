import { describe, expect, it } from 'vitest';
import { expertLoads, updateBiases } from '../../model/bias-controller.ts';

describe('updateBiases()', () => {
  // N = 4 FFN + 2 zero experts, K = 2, K_e = 1, T_all = 4 tokens (8 routed slots).
  // Target share per FFN expert: K_e / (K * N) = 1 / 8 = 0.125.
  const shape = { ffnExperts: 4, topK: 2, targetFfnPerToken: 1 };
  const start = Float32Array.from([0, 0.01, -0.01, 0, 0.5, -0.5]);
  const loads = [3, 1, 0, 0, 2, 2]; // T_i
  // expert | T_i/(K*T) | b_i + mu*(0.125 - share), mu = 0.1
  // 0      | 0.375     | 0     + 0.1*(-0.25)   = -0.025
  // 1      | 0.125     | 0.01  + 0             =  0.01
  // 2      | 0         | -0.01 + 0.1*0.125     =  0.0025
  // 3      | 0         | 0     + 0.1*0.125     =  0.0125
  // 4, 5   | zero experts: unchanged
  const expected = [-0.025, 0.01, 0.0025, 0.0125, 0.5, -0.5];

  it('moves FFN biases toward K_e/(K*N) and leaves zero experts alone (hand-computed table)', () => {
    const next = updateBiases(start, loads, 4, shape, 0.1);
    expected.forEach((v, i) => expect(next[i]).toBeCloseTo(v, 7));
    expect(next[4]).toBe(start[4]);
    expect(next[5]).toBe(start[5]);
  });

  it('does not modify its input', () => {
    const copy = Float32Array.from(start);
    updateBiases(start, loads, 4, shape, 0.1);
    expect(start).toEqual(copy);
  });

  it('leaves biases unchanged when every FFN expert gets exactly its target', () => {
    // 4 tokens, each with 1 FFN pick (1 per expert) and 1 zero pick.
    const next = updateBiases(new Float32Array(6), [1, 1, 1, 1, 2, 2], 4, shape, 0.1);
    expect(Array.from(next)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('counts tokens per expert', () => {
    expect(Array.from(expertLoads(Int32Array.from([0, 4, 0, 5, 1, 4]), 6))).toEqual([2, 1, 0, 0, 2, 1]);
  });
});
