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

  describe('training on a pipeline rank (stage holdings from the pipeline schedule)', () => {
    const train = (recompute?: 'none' | 'selective' | 'full') => ({
      parallel: parallel(2, 4, 1),
      workload: { phase: 'train' as const, tokensPerMicrobatch: 5, chunks: 1, ...(recompute ? { recompute } : {}) },
      precision: bf16,
      expertsOnGpu: 2,
      gpus: 4,
    });
    const stage = (activationLayers: number[]) => ({ layers: [1], embedding: false, lmHead: true, activationLayers, replicas: { dense: 4, experts: 2 } });

    it('keeps one set of saved activations per micro-batch in flight, and only the held layers weights', () => {
      const one = memoryPerGpu(handPreset, { ...train(), stage: stage([1]) });
      const three = memoryPerGpu(handPreset, { ...train(), stage: stage([1, 1, 1]) });
      // one ScMoE layer saves (2 x 30 + 2 x 28 + 42) = 158 elements per token; 5 tokens x 2 B; + logits 5 x 10 x 4
      expect(one.activationBytes).toBe(158 * 2 * 5 + 200);
      expect(three.activationBytes - one.activationBytes).toBe(2 * 158 * 2 * 5);
      // weights of layer 1 only + LM head + final norm: experts 72 + attention 158 + dense 192 + head 40 at 2 B; router 24 + norms 16 + 4 at 2 B
      expect(one.weightsBytes).toBe((72 + 158 + 192 + 40) * 2 + (24 + 16 + 4) * 2);
    });

    it('selective recomputation drops the up-projected q, k, v; full keeps each layer input plus one layer being rebuilt', () => {
      const none = memoryPerGpu(handPreset, { ...train('none'), stage: stage([1, 1]) });
      const selective = memoryPerGpu(handPreset, { ...train('selective'), stage: stage([1, 1]) });
      const full = memoryPerGpu(handPreset, { ...train('full'), stage: stage([1, 1]) });
      // attention block 30 -> 4 + 3 + 3 + 2 x 2 = 14 elements; two blocks per layer, two micro-batches
      expect(none.activationBytes - selective.activationBytes).toBe(2 * 2 * (30 - 14) * 2 * 5);
      // full: H = 4 per held layer-micro-batch + one whole layer (158)
      expect(full.activationBytes).toBe((2 * 4 + 158) * 2 * 5 + 200);
    });
  });

  it("counts DeepEP's buffers when the EP kernels' SMs are given: low-latency in decode, normal otherwise", () => {
    const ll = memoryPerGpu(deepseekV3, {
      parallel: parallel(128, 128, 1),
      workload: { phase: 'decode', sequencesPerGpu: 128, contextTokens: 4096 },
      precision: { weights: 'fp8', dispatch: 'fp8', combine: 'bf16' },
      expertsOnGpu: 2,
      gpus: 128,
      commSms: 24,
    });
    // DeepSeek-V3 at 128 tokens per rank, 256 experts: about 1.9 GB (DeepEP's low-latency layout)
    expect(ll.bufferBytes / 1e9).toBeCloseTo(1.91, 2);
    expect(ll.totalBytes).toBe(ll.weightsBytes + ll.kvCacheBytes + ll.activationBytes + ll.bufferBytes);
    const normal = memoryPerGpu(deepseekV3, { ...decode, parallel: parallel(32, 128, 1), workload: { phase: 'prefill', tokensPerGpu: 4096 }, gpus: 128, expertsOnGpu: 8, commSms: 24 });
    expect(normal.bufferBytes).toBeGreaterThan(0.3e9);
    expect(normal.bufferBytes).toBeLessThan(1e9);
  });

  it('refuses a GPU count that is not a multiple of ep', () => {
    expect(() => memoryPerGpu(handPreset, { ...decode, gpus: 3 })).toThrow('gpus (3) must be a positive multiple of parallel.ep (2)');
  });
});
