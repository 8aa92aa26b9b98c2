import { describe, expect, it } from 'vitest';
import { activatedParamsPerToken, attentionParamsPerBlock, mtpDraftParams, paramCounts } from '../../sim/models/params.ts';
import { deepseekV3, longcatFlash } from '../../sim/models/presets.ts';
import { handPreset } from './hand-preset.ts';

// Tolerances: the public figures are rounded ("560B", "671B", "18.6B-31.3B", "37B") and their
// counting conventions are not published (whether the embedding, router, norms count as
// activated). The totals land within 0.2%; the activated counts within 1.1%, see each test.

describe('paramCounts()', () => {
  it('LongCat-Flash: 560.66e9 total, public 560B (+0.12%)', () => {
    const c = paramCounts(longcatFlash);
    // One MLA block: q_a 6144*1536 = 9,437,184; q_b 1536*64*192 = 18,874,368; kv_a 6144*576 = 3,538,944;
    // kv_b 512*64*256 = 8,388,608; o 64*128*6144 = 50,331,648; latent norms 1536 + 512
    // = 90,572,800, times 56 blocks (2 per layer).
    expect(attentionParamsPerBlock(longcatFlash)).toBe(90_572_800);
    expect(c.attention).toBe(5_072_076_800);
    expect(c.denseFfn).toBe(56 * 3 * 6144 * 12288); // 56 x 226,492,416 = 12,683,575,296
    expect(c.routedExperts).toBe(28 * 512 * 3 * 6144 * 2048); // 28 x 512 x 37,748,736 = 541,165,879,296
    expect(c.router).toBe(28 * 6144 * 768); // 132,120,576
    expect(c.norms).toBe(4 * 6144 * 28 + 6144); // 694,272
    expect(c.embedding).toBe(131072 * 6144); // 805,306,368, and the same for the untied LM head
    expect(c.sharedExperts).toBe(0);
    // 5,072,076,800 + 12,683,575,296 + 541,165,879,296 + 132,120,576 + 694,272 + 2 x 805,306,368
    expect(c.total).toBe(560_664_958_976);
    expect(Math.abs(c.total / 560e9 - 1)).toBeLessThan(0.002);
  });

  it('DeepSeek-V3: 671.03e9 total, public 671B (+0.004%)', () => {
    const c = paramCounts(deepseekV3);
    // One MLA block: q_a 7168*1536 = 11,010,048; q_b 1536*128*192 = 37,748,736; kv_a 7168*576 = 4,128,768;
    // kv_b 512*128*256 = 16,777,216; o 128*128*7168 = 117,440,512; norms 2048 = 187,107,328; x 61.
    expect(c.attention).toBe(61 * 187_107_328); // 11,413,547,008
    expect(c.denseFfn).toBe(3 * 3 * 7168 * 18432); // 1,189,085,184
    expect(c.routedExperts).toBe(58 * 256 * 3 * 7168 * 2048); // 653,908,770,816
    expect(c.sharedExperts).toBe(58 * 3 * 7168 * 2048); // 2,554,331,136
    expect(c.router).toBe(58 * 7168 * 256); // 106,430,464
    expect(c.norms).toBe(2 * 7168 * 61 + 7168); // 881,664
    expect(c.embedding).toBe(129280 * 7168); // 926,679,040 (LM head the same)
    expect(c.total).toBe(11_413_547_008 + 1_189_085_184 + 653_908_770_816 + 2_554_331_136 + 106_430_464 + 881_664 + 2 * 926_679_040);
    expect(Math.abs(c.total / 671e9 - 1)).toBeLessThan(0.002);
  });

  it('the hand preset, term by term', () => {
    // MLA block: H*qr 12 + qr 3 + qr*nh*(dn+dr) 18 + H*(kr+dr) 12 + kr 2 + kr*nh*(dn+dv) 16 + nh*dv*H 16 = 79
    expect(paramCounts(handPreset)).toEqual({
      attention: 4 * 79,
      denseFfn: 4 * 96, // 3*4*8 per block
      router: 2 * 24, // 4 x 6 per MoE layer
      routedExperts: 2 * 4 * 36, // 3*4*3 per expert
      sharedExperts: 0,
      norms: 4 * 4 * 2 + 4,
      embedding: 40,
      lmHead: 40,
      total: 316 + 384 + 48 + 288 + 36 + 80,
    });
  });
});

describe('activatedParamsPerToken()', () => {
  it('LongCat-Flash: 18.69e9 with 0 FFN experts (public 18.6B, +0.5%), 31.38e9 with 12 (public 31.3B, +0.25%)', () => {
    // 0 experts: attention 5,072,076,800 + dense 12,683,575,296 + router 132,120,576 + norms 694,272
    // + LM head 805,306,368 = 18,693,773,312 (the embedding lookup is not counted).
    expect(activatedParamsPerToken(longcatFlash, 0)).toBe(18_693_773_312);
    // 12 experts add 12 x 28 x 37,748,736 = 12,683,575,296.
    expect(activatedParamsPerToken(longcatFlash, 12)).toBe(31_377_348_608);
    expect(Math.abs(activatedParamsPerToken(longcatFlash, 0) / 18.6e9 - 1)).toBeLessThan(0.01);
    expect(Math.abs(activatedParamsPerToken(longcatFlash, 12) / 31.3e9 - 1)).toBeLessThan(0.01);
    // ~8 FFN experts per token on average gives ~27B (README: ~27B on average).
    expect(activatedParamsPerToken(longcatFlash, 8) / 1e9).toBeCloseTo(27.15, 2);
  });

  it('DeepSeek-V3: 36.63e9 with its 8 routed experts (public 37B, -1.0%; +embedding it would be 37.55e9)', () => {
    // 11,413,547,008 + 1,189,085,184 + 106,430,464 + 2,554,331,136 (shared) + 881,664 + 926,679,040 (head)
    // + 8 x 58 x 44,040,192 = 20,434,649,088
    expect(activatedParamsPerToken(deepseekV3, 8)).toBe(36_625_603_584);
    expect(Math.abs(activatedParamsPerToken(deepseekV3, 8) / 37e9 - 1)).toBeLessThan(0.011);
  });

  it('refuses more FFN experts than top-k', () => {
    expect(() => activatedParamsPerToken(longcatFlash, 13)).toThrow(/0\.\.topk \(12\)/);
  });
});

describe('mtpDraftParams()', () => {
  it('is eh_proj 2H*H + one attention block + one dense FFN + 5 norm vectors', () => {
    expect(mtpDraftParams(handPreset)).toBe(2 * 16 + 79 + 96 + 5 * 4); // 227
  });
});
