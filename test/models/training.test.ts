import { describe, expect, it } from 'vitest';
import { backwardCost, modelFlopsPerToken } from '../../sim/models/training.ts';
import { activatedParamsPerToken } from '../../sim/models/params.ts';
import { longcatFlash } from '../../sim/models/presets.ts';
import { handPreset } from './hand-preset.ts';

describe('backwardCost()', () => {
  it('doubles FLOPs (dgrad + wgrad) and bytes, keeping the dtype', () => {
    expect(backwardCost({ flops: 384, bytes: 288, dtype: 'fp8' })).toEqual({ flops: 768, bytes: 576, dtype: 'fp8' });
  });
});

describe('modelFlopsPerToken()', () => {
  it('is 6 x activated params + 6 x attention blocks x heads x (dqk + dv) x context (PaLM convention)', () => {
    // hand preset, 1 FFN expert per token: activated = attention 316 + dense 384 + router 48 + norms 36
    // + LM head 40 + 2 MoE layers x 1 x 36 = 896; 6 x 896 = 5376.
    // attention: 6 x 4 blocks x 2 heads x (2 + 1 + 2) x 10 = 2400.
    expect(activatedParamsPerToken(handPreset, 1)).toBe(896);
    expect(modelFlopsPerToken(handPreset, 1, 10)).toBe(5376 + 2400);
  });

  it('LongCat-Flash, 8 FFN experts, 4096 context: 6 x 27.149e9 + 6 x 56 x 64 x 320 x 4096', () => {
    const expected = 6 * 27_149_490_176 + 6 * 56 * 64 * 320 * 4096;
    expect(modelFlopsPerToken(longcatFlash, 8, 4096)).toBe(expected); // ~1.91e11 FLOPs per token
  });
});
