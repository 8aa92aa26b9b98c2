import { describe, expect, it } from 'vitest';
import { memoryPerGpu, type MemoryPerGpuOptions } from '../../sim/models/memory.ts';
import { deepseekV3, longcatFlash } from '../../sim/models/presets.ts';
import type { Parallel } from '../../sim/core/types.ts';
import { handPreset } from './hand-preset.ts';

const parallel = (ep: number, dp: number, tp: number): Parallel => ({ ep, attention: { dp, tp }, placement: 'contiguous', redundantExperts: 0 });
const bf16 = { weights: 'bf16', dispatch: 'fp8', combine: 'bf16' } as const;

// Hand preset parameters (params.test.ts): attention 79 per block (29 replicated: q_a 12 + q_a norm 3
// + kv_a 12 + kv_a norm 2; 50 split), 4 blocks; dense FFN 96 per block, 4 blocks; expert 36;
// router 24 per MoE layer, 2 layers; norms 36; embedding 40; LM head 40.
describe('memoryPerGpu()', () => {
  const decode: MemoryPerGpuOptions = {
    parallel: parallel(2, 2, 1),
    workload: { phase: 'decode', sequencesPerGpu: 3, contextTokens: 10 },
    precision: bf16,
    expertsOnGpu: 2,
    gpus: 2,
  };

  it('weights: hosted experts x MoE layers + attention/dense/LM head at wB, embedding/router/norms in BF16', () => {
    // (2 experts x 36 x 2 layers = 144) + 316 + 384 + 40 = 884 params x 2 B + (40 + 48 + 36) x 2 B
    expect(memoryPerGpu(handPreset, decode).weightsBytes).toBe(884 * 2 + 124 * 2); // 2016
  });

  it('tp=2 halves the split weights only: experts, replicated q_a/kv_a, router and norms stay whole', () => {
    // experts 144 + attention 4 x (50/2 + 29) = 216 + (dense 384 + head 40)/2 = 212, at 2 B;
    // BF16: embedding 40/2 + router 48 + norms 36 = 104
    expect(memoryPerGpu(handPreset, { ...decode, parallel: parallel(2, 1, 2) }).weightsBytes).toBe((144 + 216 + 212) * 2 + 104 * 2);
  });

  it('decode KV cache: sequences x context x latent (kr + dr) x 2 B x attention blocks', () => {
    // 3 x 10 x 3 x 2 x 4 blocks = 720; activations 3 x (4H + max(2F, k H)) x 2 + 3 x V x 4 = 3*32*2 + 120
    expect(memoryPerGpu(handPreset, decode)).toMatchObject({ kvCacheBytes: 720, activationBytes: 312, optimizerBytes: 0 });
  });

  it('LongCat-Flash, 8 sequences x 5000 context: 8*5000*576*2*56 = 2,580,480,000 B of KV cache (2.40 GiB)', () => {
    const m = memoryPerGpu(longcatFlash, {
      ...decode,
      parallel: parallel(128, 128, 1),
      workload: { phase: 'decode', sequencesPerGpu: 8, contextTokens: 5000 },
      expertsOnGpu: 4,
      gpus: 128,
    });
    expect(m.kvCacheBytes).toBe(2_580_480_000);
    // with an MTP draft head its own attention block caches too: x 57/56
    const mtp = memoryPerGpu(longcatFlash, {
      ...decode,
      parallel: parallel(128, 128, 1),
      workload: { phase: 'decode', sequencesPerGpu: 8, contextTokens: 5000, mtp: { draftTokens: 1, acceptance: 0.9 } },
      expertsOnGpu: 4,
      gpus: 128,
    });
    expect(mtp.kvCacheBytes).toBe(8 * 5000 * 1152 * 57);
    expect(m.totalBytes).toBe(m.weightsBytes + m.kvCacheBytes + m.activationBytes);
  });

  it('DeepSeek-V3 fp8 on 128 GPUs (2 experts each) fits in an 80 GB H800 with 8 x 5000 context', () => {
    const m = memoryPerGpu(deepseekV3, {
      parallel: parallel(128, 128, 1),
      workload: { phase: 'decode', sequencesPerGpu: 8, contextTokens: 5000 },
      precision: { weights: 'fp8', dispatch: 'fp8', combine: 'bf16' },
      expertsOnGpu: 2,
      gpus: 128,
    });
    expect(m.totalBytes).toBeLessThan(80e9);
    // KV: 8 x 5000 x 1152 x 61 blocks
    expect(m.kvCacheBytes).toBe(8 * 5000 * 1152 * 61);
  });

  it('prefill keeps the KV cache it writes: tokens x latent x blocks', () => {
    const m = memoryPerGpu(handPreset, { ...decode, workload: { phase: 'prefill', tokensPerGpu: 5 } });
    expect(m.kvCacheBytes).toBe(5 * 6 * 4);
  });

  it('train: saved activations of every layer + FP32 grads + ZeRO-1 FP32 master and Adam moments', () => {
    const m = memoryPerGpu(handPreset, {
      parallel: parallel(2, 4, 1),
      workload: { phase: 'train', tokensPerMicrobatch: 5, chunks: 1 },
      precision: bf16,
      expertsOnGpu: 2,
      gpus: 4,
    });
    // per token: attention 4 blocks x (4 + 3 + 3 + 2 x (2x3 + 2x2)) = 4 x 30; dense 4 x (4 + 24) = 4 x 28;
    // MoE 2 x (4 + 2x6 + 2 x (4 + 9)) = 2 x 42  ->  316 elements x 2 B x 5 tokens + 5 x 10 x 4 logits
    expect(m.activationBytes).toBe(316 * 2 * 5 + 200);
    // params on the GPU: 144 experts + 864 others = 1008. grads 4 x 1008; master + m + v:
    // 12 x (144 / (4 GPUs / ep 2) + 864 / dp 4) = 12 x (72 + 216)
    expect(m.optimizerBytes).toBe(4 * 1008 + 12 * 288);
    expect(m.kvCacheBytes).toBe(0);
  });

  it('pipelineStages splits the layers: half the layers, whole embedding and LM head', () => {
    const one = memoryPerGpu(handPreset, { ...decode, pipelineStages: 1 });
    const two = memoryPerGpu(handPreset, { ...decode, pipelineStages: 2 });
    // layer-wise params halve: experts 144, attention 316, dense 384, router 48, layer norms 32 -> half
    // at 2 B each; the final norm (4) stays with the LM head
    expect(one.weightsBytes - two.weightsBytes).toBe(((144 + 316 + 384) / 2) * 2 + ((48 + 32) / 2) * 2);
    expect(two.kvCacheBytes).toBe(one.kvCacheBytes / 2);
  });

  it('refuses a GPU count that is not a multiple of ep', () => {
    expect(() => memoryPerGpu(handPreset, { ...decode, gpus: 3 })).toThrow('gpus (3) must be a positive multiple of parallel.ep (2)');
  });
});
