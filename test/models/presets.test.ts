import { describe, expect, it } from 'vitest';
import {
  MODEL_PRESET_NAMES,
  attentionBlockCount,
  deepseekV3,
  denseFfnBlockCount,
  longcatFlash,
  moeLayerCount,
  presetByName,
  tracedPreset,
  type ModelPresetName,
} from '../../sim/models/presets.ts';
import type { TraceModelShape } from '../../sim/trace/routing-trace.ts';

const tinyShape: TraceModelShape = { name: 'tiny', layers: 2, ffnExperts: 32, zeroExperts: 16, topk: 6, hidden: 64, expertHidden: 32 };

describe('presets', () => {
  it('longcatFlash copies the transformers LongcatFlashConfig defaults', () => {
    expect(longcatFlash).toMatchObject({
      hidden: 6144,
      vocab: 131072,
      layers: 28,
      layout: 'scmoe',
      denseFfnHidden: 12288,
      attention: { kind: 'mla', heads: 64, qLoraRank: 1536, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128 },
      moe: { ffnExperts: 512, zeroExperts: 256, topk: 12, expertHidden: 2048, sharedExperts: 0 },
    });
    expect(longcatFlash.source).toMatch(/configuration_longcat_flash\.py/);
  });

  it('deepseekV3 copies config_671B.json', () => {
    expect(deepseekV3).toMatchObject({
      hidden: 7168,
      vocab: 129280,
      layers: 61,
      denseLayers: 3,
      layout: 'standard',
      denseFfnHidden: 18432,
      attention: { kind: 'mla', heads: 128, qLoraRank: 1536, kvLoraRank: 512 },
      moe: { ffnExperts: 256, zeroExperts: 0, topk: 8, expertHidden: 2048, sharedExperts: 1, sharedHidden: 2048 },
    });
    expect(deepseekV3.source).toMatch(/config_671B\.json/);
  });

  it('moeLayerCount() is layers for scmoe and layers - denseLayers for standard', () => {
    expect(moeLayerCount(longcatFlash)).toBe(28);
    expect(moeLayerCount(deepseekV3)).toBe(58); // 61 - 3
    expect(attentionBlockCount(longcatFlash)).toBe(56); // 2 MLA per ScMoE layer
    expect(attentionBlockCount(deepseekV3)).toBe(61);
    expect(denseFfnBlockCount(longcatFlash)).toBe(56);
    expect(denseFfnBlockCount(deepseekV3)).toBe(3);
  });

  it('presetByName() returns every named preset and refuses an unknown one, listing the known', () => {
    for (const n of MODEL_PRESET_NAMES) expect(presetByName(n).name).toBe(n);
    expect(() => presetByName('llama' as ModelPresetName)).toThrow("unknown model preset 'llama'; available: longcat-flash, deepseek-v3");
  });

  it('presets are frozen, so a schedule cannot change them by accident', () => {
    expect(Object.isFrozen(longcatFlash)).toBe(true);
    expect(Object.isFrozen(longcatFlash.moe)).toBe(true);
  });
});

describe('tracedPreset()', () => {
  it('takes the MoE shape and widths from the trace header, layout scmoe', () => {
    const p = tracedPreset(tinyShape);
    expect(p).toMatchObject({
      name: 'traced:tiny',
      hidden: 64,
      layers: 2,
      layout: 'scmoe',
      denseFfnHidden: 128, // 2 x hidden, as epsim's model/ presets
      moe: { ffnExperts: 32, zeroExperts: 16, topk: 6, expertHidden: 32, sharedExperts: 0 },
      // heads x 16 = 64, qRank = kvRank = 64 / 2, learned positions (no RoPE part)
      attention: { kind: 'mla', heads: 4, qLoraRank: 32, kvLoraRank: 32, qkNopeHeadDim: 16, qkRopeHeadDim: 0, vHeadDim: 16 },
    });
  });

  it('refuses a shape without hidden, naming the field', () => {
    const { hidden: _h, ...noHidden } = tinyShape;
    expect(() => tracedPreset(noHidden)).toThrow(/'tiny' has no hidden \(model width\)/);
  });

  it('refuses a shape without expertHidden, naming the field', () => {
    const { expertHidden: _e, ...noExpertHidden } = tinyShape;
    expect(() => tracedPreset(noExpertHidden)).toThrow(/has no expertHidden/);
  });

  it('accepts a missing width from the overrides, and overrides any other field', () => {
    const { hidden: _h, ...noHidden } = tinyShape;
    const p = tracedPreset(noHidden, { hidden: 128, vocab: 5000, moe: { sharedExperts: 1, sharedHidden: 32 } });
    expect(p.hidden).toBe(128);
    expect(p.vocab).toBe(5000);
    expect(p.moe).toMatchObject({ ffnExperts: 32, sharedExperts: 1, sharedHidden: 32 });
  });

  it('refuses a shape whose top-k exceeds its experts', () => {
    expect(() => tracedPreset({ ...tinyShape, topk: 49 })).toThrow(/moe\.topk \(49\) must not exceed ffnExperts \+ zeroExperts \(48\)/);
  });
});

describe('Qwen3-235B-A22B and Kimi K2 from their published configs', () => {
  it('Qwen3-235B-A22B: 94 MoE layers of 128 experts, top-8, GQA 64/4 heads; 235.1B total, 22.2B activated with the embedding', async () => {
    const { paramCounts, activatedParamsPerToken } = await import('../../sim/models/params.ts');
    const q = presetByName('qwen3-235b-a22b');
    expect(q).toMatchObject({ layers: 94, denseLayers: 0, attention: { kind: 'mha', heads: 64, kvHeads: 4, headDim: 128 }, moe: { ffnExperts: 128, topk: 8, expertHidden: 1536, sharedExperts: 0 } });
    expect(moeLayerCount(q)).toBe(94);
    expect(paramCounts(q).total / 1e9).toBeCloseTo(235.1, 0);
    expect((activatedParamsPerToken(q, 8) + paramCounts(q).embedding) / 1e9).toBeCloseTo(22.2, 0);
    expect(q.mtp).toBeUndefined();
  });

  it('Kimi K2: DeepSeek-V3 architecture with 384 experts, 64 heads, one dense layer; about 1.03T total, 32-33B activated', async () => {
    const { paramCounts, activatedParamsPerToken } = await import('../../sim/models/params.ts');
    const k = presetByName('kimi-k2');
    expect(moeLayerCount(k)).toBe(60);
    expect(paramCounts(k).total / 1e12).toBeGreaterThan(1.0);
    expect(paramCounts(k).total / 1e12).toBeLessThan(1.05);
    const active = (activatedParamsPerToken(k, 8) + paramCounts(k).embedding) / 1e9;
    expect(active).toBeGreaterThan(32);
    expect(active).toBeLessThan(33.5);
  });
});
