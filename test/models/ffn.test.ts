import { describe, expect, it } from 'vitest';
import { denseFfnCost, sharedExpertCost } from '../../sim/models/ffn.ts';
import { deepseekV3, longcatFlash } from '../../sim/models/presets.ts';
import { handPreset } from './hand-preset.ts';

// SwiGLU, T tokens, H = 4, F = 8 (hand preset):
//   up   [T,H->2F], writes act(g)*u (T x F): flops 2*T*H*2F, bytes 2HF wB + T H aB + T F aB
//   down [T,F->H]:                           flops 2*T*F*H,  bytes F H wB + T F aB + 2 T H
describe('denseFfnCost()', () => {
  it('bf16, 2 tokens: flops 6*2*4*8 = 384; bytes 2*96 + 2*2*4 + 2*2*2*8 + 2*2*4 = 288', () => {
    expect(denseFfnCost(handPreset, { tokens: 2, tp: 1, weights: 'bf16' })).toMatchObject({ flops: 384, bytes: 288, dtype: 'bf16' });
  });

  it('tp=2 splits F: flops 192; bytes 2*48 + 16 + 2*2*2*4 + 16 = 160', () => {
    expect(denseFfnCost(handPreset, { tokens: 2, tp: 2, weights: 'bf16' })).toMatchObject({ flops: 192, bytes: 160, dtype: 'bf16' });
  });

  it('tp=2 halves the per-GPU weight bytes (0 tokens: weights only)', () => {
    const w1 = denseFfnCost(longcatFlash, { tokens: 0, tp: 1, weights: 'bf16' }).bytes;
    const w2 = denseFfnCost(longcatFlash, { tokens: 0, tp: 2, weights: 'bf16' }).bytes;
    expect(w1).toBe(3 * 6144 * 12288 * 2); // 452,984,832
    expect(w2).toBe(w1 / 2);
  });

  it('fp8: weights 1 + 4/16384 B (128x128 block scales), GEMM inputs 1 + 4/128 B (1x128 group scales)', () => {
    // 96 (1 + 4/16384) + (8 + 32)(1 + 4/128) + 16 = 96.0234375 + 41.25 + 16
    const c = denseFfnCost(handPreset, { tokens: 2, tp: 1, weights: 'fp8' });
    expect(c).toMatchObject({ flops: 384, bytes: 153.2734375, dtype: 'fp8' });
  });

  it('refuses a tp that does not divide the FFN width', () => {
    expect(() => denseFfnCost(handPreset, { tokens: 2, tp: 3, weights: 'bf16' })).toThrow('tp=3 must divide denseFfnHidden');
  });
});

describe('sharedExpertCost()', () => {
  it('is zero when the model has no shared experts (LongCat-Flash)', () => {
    expect(sharedExpertCost(longcatFlash, { tokens: 8, weights: 'bf16' })).toMatchObject({ flops: 0, bytes: 0 });
  });

  it('is one SwiGLU of width sharedExperts x sharedHidden (DeepSeek-V3: 1 x 2048)', () => {
    // 8 tokens: flops 6*8*7168*2048; bytes 2*3*7168*2048 + 2*8*7168 + 2*2*8*2048 + 2*8*7168
    expect(sharedExpertCost(deepseekV3, { tokens: 8, weights: 'bf16' })).toMatchObject({
      flops: 6 * 8 * 7168 * 2048,
      bytes: 2 * 3 * 7168 * 2048 + 2 * 8 * 7168 + 4 * 8 * 2048 + 2 * 8 * 7168,
      dtype: 'bf16',
    });
  });
});
