import { describe, expect, it } from 'vitest';
import { attentionCost } from '../../sim/models/attention.ts';
import { denseFfnCost } from '../../sim/models/ffn.ts';
import { lmHeadCost, mtpDraftCost } from '../../sim/models/head.ts';
import { longcatFlash } from '../../sim/models/presets.ts';
import { handPreset } from './hand-preset.ts';

describe('lmHeadCost()', () => {
  it('[T,H->V] with FP32 logits: 2 tokens, H 4, V 10: flops 160, bytes 2*40 + 2*8 + 4*20 = 176', () => {
    expect(lmHeadCost(handPreset, { tokens: 2, weights: 'bf16' })).toMatchObject({ flops: 160, bytes: 176, dtype: 'bf16' });
  });

  it('vocab-parallel tp halves the weight bytes', () => {
    const w = (tp: number) => lmHeadCost(longcatFlash, { tokens: 0, weights: 'bf16', tp }).bytes;
    expect(w(1)).toBe(6144 * 131072 * 2);
    expect(w(2)).toBe(w(1) / 2);
  });
});

describe('mtpDraftCost()', () => {
  it('is eh_proj [T,2H->H] + one attention block + one dense FFN + the LM head', () => {
    const T = 2;
    // eh_proj [2,8->4]: flops 128, bytes 2(32 + 16 + 8) = 112
    const attn = attentionCost(handPreset, { part: 'all', tokens: T, contextTokens: 10, phase: 'decode', tp: 1, weights: 'bf16' });
    const ffn = denseFfnCost(handPreset, { tokens: T, tp: 1, weights: 'bf16' }); // 384 flops, 288 B
    const c = mtpDraftCost(handPreset, { tokens: T, weights: 'bf16', contextTokens: 10 });
    expect(c).toMatchObject({ flops: 128 + attn.flops + ffn.flops + 160, bytes: 112 + attn.bytes + ffn.bytes + 176, dtype: 'bf16' });
  });

  it('leaves out the draft core attention when no context is given', () => {
    const withCtx = mtpDraftCost(handPreset, { tokens: 2, weights: 'bf16', contextTokens: 10 });
    const without = mtpDraftCost(handPreset, { tokens: 2, weights: 'bf16' });
    const core = attentionCost(handPreset, { part: 'core', tokens: 2, contextTokens: 10, phase: 'decode', tp: 1, weights: 'bf16' });
    const core0 = attentionCost(handPreset, { part: 'core', tokens: 2, contextTokens: 0, phase: 'decode', tp: 1, weights: 'bf16' });
    expect(withCtx.flops - without.flops).toBe(core.flops - core0.flops);
  });
});
