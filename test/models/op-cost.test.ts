import { describe, expect, it } from 'vitest';
import { activationBytesPerElement, gemmCost, sumCosts, weightBytesPerParam } from '../../sim/models/op-cost.ts';

describe('op-cost', () => {
  it('byte sizes: bf16 2; fp8 weight 1 + 4/(128*128); fp8 activation 1 + 4/128', () => {
    expect(weightBytesPerParam('bf16')).toBe(2);
    expect(weightBytesPerParam('fp8')).toBe(1 + 4 / 16384);
    expect(activationBytesPerElement('bf16')).toBe(2);
    expect(activationBytesPerElement('fp8')).toBe(1.03125);
  });

  it('gemmCost(): [2,3]x[3,5] bf16 = 60 flops, 2(15 + 6 + 10) = 62 B', () => {
    expect(gemmCost({ m: 2, k: 3, n: 5, weights: 'bf16' })).toMatchObject({ flops: 60, bytes: 62, dtype: 'bf16' });
    expect(gemmCost({ m: 2, k: 3, n: 5, weights: 'bf16', readWeights: false }).bytes).toBe(32);
  });

  it('sumCosts() keeps a shared dtype, falls back to bf16 when mixed, ignores empty ops', () => {
    expect(sumCosts([{ flops: 1, bytes: 2, dtype: 'fp8' }, { flops: 3, bytes: 4, dtype: 'fp8' }])).toMatchObject({ flops: 4, bytes: 6, dtype: 'fp8' });
    expect(sumCosts([{ flops: 1, bytes: 2, dtype: 'fp8' }, { flops: 3, bytes: 4, dtype: 'bf16' }]).dtype).toBe('bf16');
    expect(sumCosts([{ flops: 1, bytes: 2, dtype: 'fp8' }, { flops: 0, bytes: 0, dtype: 'bf16' }]).dtype).toBe('fp8');
  });
});
