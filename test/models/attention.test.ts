import { describe, expect, it } from 'vitest';
import { attentionCost, kvBytesPerTokenPerBlock, type AttentionCostOptions } from '../../sim/models/attention.ts';
import { longcatFlash } from '../../sim/models/presets.ts';
import { handMhaPreset, handPreset } from './hand-preset.ts';

const decode = (o: Partial<AttentionCostOptions>): AttentionCostOptions => ({
  part: 'all',
  tokens: 3,
  contextTokens: 10,
  phase: 'decode',
  tp: 1,
  weights: 'bf16',
  ...o,
});

// GEMM [m,k]x[k,n] in bf16: flops 2mkn, bytes 2(kn + mk + mn).
describe('attentionCost() MLA decode (weight-absorbed form)', () => {
  it('qkv = q_a + kv_a + q_b + W_UK absorption (hand preset, 3 tokens)', () => {
    // q_a [3,4->3]: 72 flops, 2(12+12+9) = 66 B; kv_a [3,4->kr+dr=3]: 72, 66;
    // q_b [3,3->nh(dn+dr)=6]: 108, 2(18+9+18) = 90; W_UK 2 heads x [3,dn=2->kr=2]: 2 x 24, 2 x 2(4+6+6) = 64.
    expect(attentionCost(handPreset, decode({ part: 'qkv' }))).toMatchObject({ flops: 300, bytes: 286, dtype: 'bf16' });
  });

  it('core reads the latent cache once per sequence: flops 2TnhC(kr+dr) + 2TnhCkr, bytes 2(T C (kr+dr) + T nh (kr+dr) + T nh kr)', () => {
    // 3 sequences x 10 cached tokens: flops 2*3*2*10*3 + 2*3*2*10*2 = 360 + 240; bytes 2(90 + 18 + 12)
    expect(attentionCost(handPreset, decode({ part: 'core' }))).toMatchObject({ flops: 600, bytes: 240, dtype: 'bf16' });
    // MTP verification: 6 tokens from 3 sequences share the reads: flops double, cache bytes do not.
    // bytes 2(3*10*3 + 6*2*3 + 6*2*2) = 300
    expect(attentionCost(handPreset, decode({ part: 'core', tokens: 6, queriesPerSequence: 2 }))).toMatchObject({ flops: 1200, bytes: 300, dtype: 'bf16' });
  });

  it('out = W_UV + o_proj', () => {
    // W_UV 2 heads x [3,kr=2->dv=2]: 48 flops, 64 B; o [3,nh dv=4->4]: 96, 2(16+12+12) = 80
    expect(attentionCost(handPreset, decode({ part: 'out' }))).toMatchObject({ flops: 144, bytes: 144, dtype: 'bf16' });
  });

  it('all = qkv + core + out; with fp8 weights the mixed sum is timed as bf16', () => {
    expect(attentionCost(handPreset, decode({}))).toMatchObject({ flops: 1044, bytes: 670, dtype: 'bf16' });
    expect(attentionCost(handPreset, decode({ part: 'qkv', weights: 'fp8' })).dtype).toBe('fp8');
    expect(attentionCost(handPreset, decode({ weights: 'fp8' })).dtype).toBe('bf16');
  });

  it('core bytes grow linearly with contextTokens: LongCat, 8 sequences, +1000 context = +8*1000*576*2 B', () => {
    const core = (contextTokens: number) => attentionCost(longcatFlash, decode({ part: 'core', tokens: 8, contextTokens }));
    const step = 8 * 1000 * (512 + 64) * 2; // 9,216,000 B of latent cache
    expect(core(2000).bytes - core(1000).bytes).toBe(step);
    expect(core(3000).bytes - core(2000).bytes).toBe(step);
    // and the whole: 8*5000*576*2 (cache) + 8*64*576*2 (q) + 8*64*512*2 (out) = 47,194,112 B
    expect(core(5000).bytes).toBe(47_194_112);
    expect(core(5000).flops).toBe(2 * 8 * 64 * 5000 * (576 + 512)); // 5,570,560,000
  });

  it('tp=2 halves the split weights but not the replicated q_a/kv_a nor the latent cache', () => {
    const weights = (part: 'qkv' | 'out', tp: number) => attentionCost(longcatFlash, decode({ part, tokens: 0, tp })).bytes;
    // out: W_UV 64*512*128 = 4,194,304 + o 64*128*6144 = 50,331,648 params, all split
    expect(weights('out', 1)).toBe(2 * 54_525_952);
    expect(weights('out', 2)).toBe(54_525_952);
    // qkv: replicated q_a 9,437,184 + kv_a 3,538,944; split q_b 18,874,368 + W_UK 4,194,304
    expect(weights('qkv', 1)).toBe(2 * (12_976_128 + 23_068_672));
    expect(weights('qkv', 2)).toBe(2 * (12_976_128 + 23_068_672 / 2));
    // core, hand preset, nh = 1 per GPU: 2(3*10*3 + 3*1*3 + 3*1*2) = 210 (cache bytes unchanged)
    expect(attentionCost(handPreset, decode({ part: 'core', tp: 2 })).bytes).toBe(210);
  });

  it('refuses a tp that does not divide the heads', () => {
    expect(() => attentionCost(longcatFlash, decode({ tp: 3 }))).toThrow('tp=3 must divide attention.heads');
  });
});

describe('attentionCost() MLA prefill (naive form)', () => {
  it('qkv = q_a + kv_a + q_b + kv_b (hand preset, 4 tokens)', () => {
    // q_a [4,4->3]: 96, 2(12+16+12) = 80; kv_a the same; q_b [4,3->6]: 144, 2(18+12+24) = 108;
    // kv_b [4,kr=2->nh(dn+dv)=8]: 128, 2(16+8+32) = 112
    expect(attentionCost(handPreset, decode({ part: 'qkv', phase: 'prefill', tokens: 4, contextTokens: 4 }))).toMatchObject({
      flops: 464,
      bytes: 380,
      dtype: 'bf16',
    });
  });

  it('core is causal over the chunk: each token attends (C+1)/2 keys on average', () => {
    // 4 tokens, C = 4 -> 2.5 keys: flops 2*4*2*2.5*(dn+dr=3) + 2*4*2*2.5*(dv=2) = 120 + 80;
    // bytes 2 * 4 * 2 * (2*3 + 2*2) = 160 (q, k, v read, o written once)
    const c = attentionCost(handPreset, decode({ part: 'core', phase: 'train', tokens: 4, contextTokens: 4 }));
    expect(c).toMatchObject({ flops: 200, bytes: 160, dtype: 'bf16' });
  });
});

describe('attentionCost() MHA', () => {
  it('decode: qkv [T,H->(nh+2nkv)hd], core reads K and V of the cache', () => {
    // qkv [3,4->(2+2)*2=8]: 192 flops, 2(32+12+24) = 136 B
    expect(attentionCost(handMhaPreset, decode({ part: 'qkv' }))).toMatchObject({ flops: 192, bytes: 136, dtype: 'bf16' });
    // core: flops 4*3*2*10*2 = 480; bytes 2(3*10*2*1*2 + 2*3*2*2) = 288
    expect(attentionCost(handMhaPreset, decode({ part: 'core' }))).toMatchObject({ flops: 480, bytes: 288, dtype: 'bf16' });
  });

  it('tp larger than kvHeads replicates the KV head', () => {
    // nh = 1, nkv = 1: qkv [3,4->(1+2)*2=6]: 144 flops, 2(24+12+18) = 108 B
    expect(attentionCost(handMhaPreset, decode({ part: 'qkv', tp: 2 }))).toMatchObject({ flops: 144, bytes: 108, dtype: 'bf16' });
  });
});

describe('kvBytesPerTokenPerBlock()', () => {
  it('MLA caches the BF16 latent kv_lora + rope: LongCat 576 * 2 = 1152 B', () => {
    expect(kvBytesPerTokenPerBlock(longcatFlash)).toBe(1152);
    expect(kvBytesPerTokenPerBlock(longcatFlash, 8)).toBe(1152);
  });
  it('MHA caches K and V per KV head: 2 * 1 * 2 * 2 = 8 B', () => {
    expect(kvBytesPerTokenPerBlock(handMhaPreset)).toBe(8);
  });
});
