import { describe, expect, it } from 'vitest';
import { combineBytesPerToken, dispatchBytesPerToken, expertGemmCost, routerCost } from '../../sim/models/experts.ts';
import { deepseekV3, longcatFlash } from '../../sim/models/presets.ts';
import { handPreset } from './hand-preset.ts';

// Hand preset: H = 4, I = 3; one expert's weights are up 2*H*I = 24 and down I*H = 12 params.
describe('expertGemmCost()', () => {
  it('counts FLOPs from the token-expert counts and weights only for experts with tokens', () => {
    // [3, 0, 1, 0]: N = 4 assignments, 2 experts hit.
    // up:   flops 2*4*4*6 = 192; bytes 2 experts x 24 x 2 + N*H*2 + N*I*2 = 96 + 32 + 24 = 152
    // down: flops 2*4*3*4 = 96;  bytes 2 experts x 12 x 2 + N*I*2 + N*H*2 = 48 + 24 + 32 = 104
    const counts = [3, 0, 1, 0];
    expect(expertGemmCost(handPreset, { tokensPerExpert: counts, part: 'up', weights: 'bf16' })).toMatchObject({ flops: 192, bytes: 152, dtype: 'bf16' });
    expect(expertGemmCost(handPreset, { tokensPerExpert: counts, part: 'down', weights: 'bf16' })).toMatchObject({ flops: 96, bytes: 104, dtype: 'bf16' });
    expect(expertGemmCost(handPreset, { tokensPerExpert: counts, part: 'all', weights: 'bf16' })).toMatchObject({ flops: 288, bytes: 256, dtype: 'bf16' });
  });

  it('the same 4 assignments spread over 4 experts read 4 experts of weights: +2 x 36 x 2 B, same FLOPs', () => {
    const spread = expertGemmCost(handPreset, { tokensPerExpert: new Int32Array([1, 1, 1, 1]), part: 'all', weights: 'bf16' });
    expect(spread).toMatchObject({ flops: 288, bytes: 256 + 2 * 36 * 2, dtype: 'bf16' });
  });

  it('costs nothing when no expert on the GPU has a token', () => {
    expect(expertGemmCost(handPreset, { tokensPerExpert: [0, 0, 0, 0], part: 'all', weights: 'bf16' })).toMatchObject({ flops: 0, bytes: 0 });
  });

  it('LongCat decode: one expert with 16 tokens is weight-bound (3*6144*2048*2 B of weights vs 1.2 GFLOP)', () => {
    const c = expertGemmCost(longcatFlash, { tokensPerExpert: [16], part: 'all', weights: 'bf16' });
    expect(c.flops).toBe(6 * 16 * 6144 * 2048); // 1,207,959,552
    // weights 75,497,472 + up in 16*6144*2 + act 16*2048*2 + down in 16*2048*2 + out 16*6144*2
    expect(c.bytes).toBe(75_497_472 + 196_608 + 65_536 + 65_536 + 196_608);
  });

  it('refuses a negative token count, naming the expert', () => {
    expect(() => expertGemmCost(handPreset, { tokensPerExpert: [1, -1], part: 'up', weights: 'bf16' })).toThrow('tokensPerExpert[1]');
  });
});

describe('routerCost()', () => {
  it('logits over FFN + zero experts in BF16, FP32 logits written and read, top-k ids and gates written', () => {
    // T = 2, H = 4, E = 6, k = 2: flops 2*2*4*6 = 96;
    // bytes 4*6*2 (weights) + 2*4*2 (input) + 2*2*6*4 (logits out+in) + 2*2*8 (ids+gates) = 48 + 16 + 96 + 32
    expect(routerCost(handPreset, { tokens: 2 })).toMatchObject({ flops: 96, bytes: 192, dtype: 'bf16' });
  });
});

describe('dispatchBytesPerToken() / combineBytesPerToken()', () => {
  it('fp8 sends 1 B per value + an FP32 scale per 128 values; bf16 sends 2 B per value', () => {
    expect(dispatchBytesPerToken(longcatFlash, 'fp8')).toBe(6144 + (6144 / 128) * 4); // 6336
    expect(dispatchBytesPerToken(longcatFlash, 'bf16')).toBe(6144 * 2); // 12288
    expect(dispatchBytesPerToken(deepseekV3, 'fp8')).toBe(7168 + 56 * 4); // 7392 (DeepEP LL adds 16 B: 7408)
    expect(combineBytesPerToken(deepseekV3, 'bf16')).toBe(14336);
    expect(combineBytesPerToken(longcatFlash, 'fp8')).toBe(6336);
  });
});
