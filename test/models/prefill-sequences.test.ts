// Prefill attention is causal within each sequence, and tokens already in the KV cache (prefix-cache
// hits, or the earlier chunks of a sequence) are attended but not recomputed.
import { describe, expect, it } from 'vitest';
import { attentionCost, causalWork, type AttentionCostOptions } from '../../sim/models/attention.ts';
import { longcatFlash } from '../../sim/models/presets.ts';
import { layerCosts } from '../../sim/schedules/layer-costs.ts';
import { planStep, sequencePieces, trainSequences } from '../../sim/schedules/step-plan.ts';
import { smallScmoe, stepInput } from '../schedules/helpers.ts';
import { handMhaPreset, handPreset } from './hand-preset.ts';

const prefill = (o: Partial<AttentionCostOptions>): AttentionCostOptions => ({ part: 'core', tokens: 8, contextTokens: 8, phase: 'prefill', tp: 1, weights: 'bf16', ...o });

describe('prefill attention by sequence', () => {
  it('two sequences of n tokens cost twice one sequence of n, not one sequence of 2n', () => {
    for (const preset of [handPreset, handMhaPreset, longcatFlash]) {
      const n = 4096;
      const one = attentionCost(preset, prefill({ tokens: n, sequences: [{ tokens: n, cached: 0, count: 1 }] }));
      const two = attentionCost(preset, prefill({ tokens: 2 * n, sequences: [{ tokens: n, cached: 0, count: 2 }] }));
      const long = attentionCost(preset, prefill({ tokens: 2 * n, sequences: [{ tokens: 2 * n, cached: 0, count: 1 }] }));
      expect(two.flops).toBe(2 * one.flops);
      expect(long.flops).toBeGreaterThan(1.99 * two.flops);
    }
  });

  it('counts the pairs by hand: 2 sequences of 4 tokens attend 2 x (1+2+3+4) = 20 pairs', () => {
    expect(causalWork([{ tokens: 4, cached: 0, count: 2 }]).pairs).toBe(20);
    // MLA hand preset: flops 2 S nh (dn+dr) + 2 S nh dv = 2*20*2*3 + 2*20*2*2 = 400
    expect(attentionCost(handPreset, prefill({ sequences: [{ tokens: 4, cached: 0, count: 2 }] })).flops).toBe(400);
  });

  it('a cached prefix is attended by every new token and up-projected, not recomputed', () => {
    // 4 new tokens after 6 cached: pairs 4*6 + 10 = 34; the kv_b up-projection covers 4 + 6 rows.
    const cached = [{ tokens: 4, cached: 6, count: 1 }];
    expect(causalWork(cached)).toMatchObject({ pairs: 34, cachedRows: 6, tokens: 4, meanLength: 10 });
    const core = attentionCost(handPreset, prefill({ tokens: 4, sequences: cached }));
    expect(core.flops).toBe(2 * 34 * 2 * 3 + 2 * 34 * 2 * 2);
    const qkv = attentionCost(handPreset, prefill({ part: 'qkv', tokens: 4, sequences: cached }));
    const fresh = attentionCost(handPreset, prefill({ part: 'qkv', tokens: 4, sequences: [{ tokens: 4, cached: 0, count: 1 }] }));
    // kv_b [rows, kr=2 -> nh(dn+dv)=8]: 2 x 6 x 2 x 8 more FLOPs for the 6 cached rows
    expect(qkv.flops - fresh.flops).toBe(2 * 6 * 2 * 8);
  });

  it('times the prefill kernel at the sequence length, not the batch: FlashAttention efficiency falls for short sequences', () => {
    const kernelOf = (sequences: AttentionCostOptions['sequences']) => attentionCost(longcatFlash, prefill({ tokens: 8192, sequences })).kernels![0]!;
    expect(kernelOf([{ tokens: 8192, cached: 0, count: 1 }])).toMatchObject({ kind: 'flash-attention', sequenceTokens: 8192, causal: true });
    expect(kernelOf([{ tokens: 1024, cached: 0, count: 8 }])).toMatchObject({ sequenceTokens: 1024 });
  });
});

describe('the step plan gives each micro-batch its sequences', () => {
  it('sequenceTokens splits a GPU batch into whole sequences, and micro-batches take whole sequences', () => {
    const input = stepInput(smallScmoe, { phase: 'prefill', tokensPerGpu: 2048, sequenceTokens: 512 });
    const one = planStep(input, 1);
    expect(one.sequencesIn(0)).toEqual([{ tokens: 512, cached: 0, count: 4 }]);
    const two = planStep(input, 2);
    expect(two.sequencesIn(1)).toEqual([{ tokens: 512, cached: 0, count: 2 }]);
    // and the cost follows: 4 sequences of 512 cost 4x one sequence of 512
    const costs = layerCosts(one);
    const single = layerCosts(planStep(stepInput(smallScmoe, { phase: 'prefill', tokensPerGpu: 512 }), 1));
    expect(costs.attention(0, 'core').flops).toBe(4 * single.attention(0, 'core').flops);
  });

  it('one sequence split over two micro-batches: the second chunk attends to the first as cached tokens', () => {
    const plan = planStep(stepInput(smallScmoe, { phase: 'prefill', tokensPerGpu: 1024, cachedTokens: 100 }), 2);
    expect(plan.sequencesIn(0)).toEqual([{ tokens: 512, cached: 100, count: 1 }]);
    expect(plan.sequencesIn(1)).toEqual([{ tokens: 512, cached: 612, count: 1 }]);
  });

  it('pieces of a token range and the balanced context-parallel split', () => {
    expect(sequencePieces(300, 1100, 512, 0)).toEqual([
      { tokens: 212, cached: 300, count: 1 },
      { tokens: 512, cached: 0, count: 1 },
      { tokens: 76, cached: 0, count: 1 },
    ]);
    // cp = 2: each GPU attends n (n+1) / (2 cp) pairs of a sequence of n
    const [piece] = trainSequences(4096, 8192, 2);
    expect(causalWork([piece!]).pairs).toBe((8192 * 8193) / 4);
  });
});
