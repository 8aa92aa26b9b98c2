// HBM a GPU needs for one model under a parallel layout and workload. Everything is in bytes.
// Symbols: wB = weightBytesPerParam(precision.weights), tp = attention tp, T = tokens per GPU.
// The layers a GPU holds: every layer (inference), or its pipeline rank's (training: `stage`, from
// the pipeline schedule; or without it the first ceil(L / pipelineStages) layers).
// weightsBytes, over the held layers (a layer held twice, as DualPipe's two copies, counts twice):
//   experts:   expertsOnGpu x 3 H I per MoE layer at wB (expertsOnGpu includes redundant copies)
//   split tp ways, at wB: attention blocks (except MLA's replicated q_a/kv_a, held whole), dense
//     FFNs and shared experts, and the LM head (vocab-parallel) when held;
//   BF16: the embedding table / tp when held, router and norm vectors (replicated).
//   MTP draft head (decode with mtp): eh_proj, its attention block and a dense FFN, or for an MoE
//     draft layer its router, shared experts and hosted experts (params.ts); it shares the
//     embedding and LM head.
// kvCacheBytes (BF16; MLA caches the kv_lora + rope latent per token per attention block, and a
//   tp rank holds the whole latent; MHA caches K and V of its kvHeads/tp heads)
//   decode:  sequencesPerGpu x contextTokens x kvBytesPerTokenPerBlock x (attention blocks + MTP block)
//   prefill: tokensPerGpu x kvBytesPerTokenPerBlock x attention blocks (the cache it produces)
//   train, a2a: 0.
// activationBytes, BF16 unless said:
//   inference (decode T = sequences x (1 + draftTokens), prefill T = tokensPerGpu): one layer's
//     buffers live at a time: T x (4 H + max(2 F/tp, topk x H)) x 2  [residual, shortcut, norm
//     output, MoE output; the wider of the dense FFN's gate/up output and the topk received
//     token copies] + T x V/tp x 4 [FP32 logits].
//   train (T = tokensPerMicrobatch): what each held micro-batch saves for backward in each of the
//     layers it has been through on this rank (`stage.activationLayers`: the pipeline schedule's
//     peak of micro-batch chunks in flight x their layers), per token:
//       attention block  (H + qr + (kr+dr) + nh (2(dn+dr) + 2 dv)) / tp   [MLA; MHA: (H + (nh+2nkv) hd + nh hd)/tp]
//                        selective recomputation drops the up-projected q, k, v: (H + qr + (kr+dr) + nh dv) / tp
//       dense FFN block  (H + 3 F) / tp                                    [input, gate, up, act(g)*u]
//       MoE layer        H + 2 E + kf (H + 3 I) + sharedExperts 3 Is       [E FP32 logits = 2E BF16 slots;
//                        kf = ffnExpertsPerToken, default topk (an upper bound)]
//       full recomputation keeps only each layer's input (H), plus one layer's whole set while it
//       is recomputed;
//     x 2 bytes x T, + T x V/tp x 4 (FP32 logits) on the rank with the LM head.
//   a2a: send and receive buffers 2 x tokensPerGpu x topk x hidden x 2 (no model weights).
// optimizerBytes (train), the convention: weights at precision.weights (in weightsBytes); FP32
//   gradients for every parameter on the GPU (Megatron's main_grad; DeepSeek-V3 §3.3.1 keeps
//   weight gradients in high precision); FP32 master weights + Adam m and v (12 B per parameter)
//   sharded ZeRO-1 over the replicas of each parameter (stage.replicas; default attention.dp for
//   the non-expert parameters, gpus / ep for the experts).
// bufferBytes: DeepEP's communication buffers (comm-buffers.ts), low-latency mode in decode,
//   normal mode otherwise; 0 without expert parallelism.
import type { Parallel, Precision, RecomputeMode, Workload } from '../core/index.ts';
import { kvBytesPerTokenPerBlock } from './attention.ts';
import { epBufferBytes } from './comm-buffers.ts';
import type { ModelPreset } from './model-preset.ts';
import { BF16_BYTES, FP32_BYTES, checkCount, weightBytesPerParam } from './op-cost.ts';
import {
  attentionParamsPerBlock,
  attentionReplicatedParamsPerBlock,
  denseFfnParamsPerBlock,
  expertParams,
  routerParamsPerLayer,
  sharedExpertParamsPerLayer,
} from './params.ts';

/** What one GPU's pipeline rank holds and keeps in training (from the pipeline schedule). */
export interface StageHolding {
  /** Model layers whose weights it holds; a layer held twice (DualPipe) appears twice. */
  layers: readonly number[];
  embedding: boolean;
  lmHead: boolean;
  /** At the peak, one entry per (held micro-batch, layer it has been through on this rank). */
  activationLayers: readonly number[];
  /** ZeRO-1 shard factors: GPUs holding the same dense parameters, and the same experts. */
  replicas: { dense: number; experts: number };
}

export interface MemoryPerGpuOptions {
  parallel: Parallel;
  workload: Workload;
  precision: Precision;
  /** FFN experts this GPU hosts in each MoE layer, redundant copies included. */
  expertsOnGpu: number;
  /** GPUs in the cluster; gpus / ep is the number of replicas of each expert. */
  gpus: number;
  /** Pipeline stages the layers are split over (training) when `stage` is not given; default 1. */
  pipelineStages?: number;
  /** Training: the pipeline rank's layers, held activations and shard factors. */
  stage?: StageHolding;
  /** Training activations: FFN experts per token (0..topk); default topk, an upper bound. */
  ffnExpertsPerToken?: number;
  /** SMs of the EP kernels (DeepEP buffer sizes); default 0: no communication buffers counted. */
  commSms?: number;
}

export interface MemoryPerGpu {
  weightsBytes: number;
  kvCacheBytes: number;
  activationBytes: number;
  /** Training only: FP32 gradients and ZeRO-1-sharded FP32 master weights and Adam moments. */
  optimizerBytes: number;
  /** DeepEP's communication buffers. */
  bufferBytes: number;
  totalBytes: number;
}

/** Attention blocks and dense FFN blocks of a layer, and whether it has an MoE block. */
function layerShape(model: ModelPreset, layer: number): { attention: number; denseFfn: number; moe: boolean } {
  if (model.layout === 'scmoe') return { attention: 2, denseFfn: 2, moe: true };
  return layer < model.denseLayers ? { attention: 1, denseFfn: 1, moe: false } : { attention: 1, denseFfn: 0, moe: true };
}

export function memoryPerGpu(model: ModelPreset, o: MemoryPerGpuOptions): MemoryPerGpu {
  const { parallel, workload, precision } = o;
  const tp = parallel.attention.tp;
  const pp = o.pipelineStages ?? 1;
  checkCount('expertsOnGpu', o.expertsOnGpu);
  if (!(Number.isInteger(tp) && tp >= 1)) throw new RangeError(`parallel.attention.tp must be a positive integer; got ${tp}`);
  if (!(Number.isInteger(pp) && pp >= 1 && pp <= model.layers)) {
    throw new RangeError(`pipelineStages must be an integer in 1..layers (${model.layers}); got ${pp}`);
  }
  if (!(Number.isInteger(o.gpus) && o.gpus >= 1 && o.gpus % parallel.ep === 0)) {
    throw new RangeError(`gpus (${o.gpus}) must be a positive multiple of parallel.ep (${parallel.ep})`);
  }

  if (workload.phase === 'a2a') {
    const buffers = 2 * workload.tokensPerGpu * workload.topk * workload.hidden * BF16_BYTES;
    return { weightsBytes: 0, kvCacheBytes: 0, activationBytes: buffers, optimizerBytes: 0, bufferBytes: 0, totalBytes: buffers };
  }

  const H = model.hidden;
  const wB = weightBytesPerParam(precision.weights);
  const stage: StageHolding = o.stage ?? {
    layers: Array.from({ length: Math.ceil(model.layers / pp) }, (_, l) => l),
    embedding: true,
    lmHead: true,
    activationLayers: Array.from({ length: Math.ceil(model.layers / pp) }, (_, l) => l),
    replicas: { dense: parallel.attention.dp, experts: o.gpus / parallel.ep },
  };

  // Parameters on this GPU: at wB (experts, tp-split blocks), and in BF16 (embedding, router, norms).
  const attnReplicated = attentionReplicatedParamsPerBlock(model);
  const attnPerBlock = (attentionParamsPerBlock(model) - attnReplicated) / tp + attnReplicated;
  let expertsP = 0;
  let wbP = 0;
  let bf16P = 0;
  let attentionBlocks = 0;
  for (const layer of stage.layers) {
    const s = layerShape(model, layer);
    attentionBlocks += s.attention;
    wbP += s.attention * attnPerBlock + (s.denseFfn * denseFfnParamsPerBlock(model)) / tp;
    bf16P += (2 * s.attention) * H; // one norm per attention block and one per FFN/MoE input
    if (s.moe) {
      expertsP += o.expertsOnGpu * expertParams(model);
      wbP += sharedExpertParamsPerLayer(model) / tp;
      bf16P += routerParamsPerLayer(model);
    }
  }
  if (stage.embedding) bf16P += (model.vocab * H) / tp;
  if (stage.lmHead) {
    wbP += (H * model.vocab) / tp;
    bf16P += H; // final norm
  }
  const mtp = workload.phase === 'decode' && workload.mtp && workload.mtp.draftTokens > 0 && model.mtp ? model.mtp : undefined;
  if (mtp) {
    wbP += (2 * H * H + (mtp.ffn === 'dense' ? denseFfnParamsPerBlock(model) : sharedExpertParamsPerLayer(model))) / tp + attnPerBlock;
    bf16P += 5 * H + (mtp.ffn === 'moe' ? routerParamsPerLayer(model) : 0);
    if (mtp.ffn === 'moe') expertsP += o.expertsOnGpu * expertParams(model);
  }
  const weightsBytes = (expertsP + wbP) * wB + bf16P * BF16_BYTES;

  let kvCacheBytes = 0;
  let activationBytes = 0;
  let optimizerBytes = 0;
  let maxTokensPerRank = 0;
  const kvPerToken = kvBytesPerTokenPerBlock(model, tp);
  const inferenceActivations = (T: number) =>
    T * (4 * H + Math.max((2 * model.denseFfnHidden) / tp, model.moe.topk * H)) * BF16_BYTES + (T * model.vocab * FP32_BYTES) / tp;

  if (workload.phase === 'decode') {
    const seqs = workload.sequencesPerGpu;
    const T = seqs * (1 + (workload.mtp?.draftTokens ?? 0));
    kvCacheBytes = seqs * workload.contextTokens * kvPerToken * (attentionBlocks + (mtp ? 1 : 0));
    activationBytes = inferenceActivations(T);
    maxTokensPerRank = T;
  } else if (workload.phase === 'prefill') {
    kvCacheBytes = workload.tokensPerGpu * kvPerToken * attentionBlocks;
    activationBytes = inferenceActivations(workload.tokensPerGpu);
  } else {
    const T = workload.tokensPerMicrobatch;
    const recompute: RecomputeMode = workload.recompute ?? 'none';
    const kf = o.ffnExpertsPerToken ?? model.moe.topk;
    const saved = (layer: number, mode: RecomputeMode) => {
      const s = layerShape(model, layer);
      if (mode === 'full') return H;
      return (
        s.attention * attentionSavedPerToken(model, tp, mode === 'selective') +
        s.denseFfn * ((H + 3 * model.denseFfnHidden) / tp) +
        (s.moe ? moeSavedPerToken(model, kf) : 0)
      );
    };
    let elems = 0;
    for (const layer of stage.activationLayers) elems += saved(layer, recompute);
    // Full recomputation rebuilds one layer's whole set at a time.
    if (recompute === 'full' && stage.layers.length > 0) elems += Math.max(...stage.layers.map((l) => saved(l, 'none')));
    activationBytes = T * elems * BF16_BYTES + (stage.lmHead ? (T * model.vocab * FP32_BYTES) / tp : 0);
    const allP = expertsP + wbP + bf16P;
    optimizerBytes = FP32_BYTES * allP + 3 * FP32_BYTES * (expertsP / stage.replicas.experts + (allP - expertsP) / stage.replicas.dense);
  }
  const bufferBytes = o.commSms
    ? epBufferBytes(model, { decode: workload.phase === 'decode', ep: parallel.ep, maxTokensPerRank, sms: o.commSms })
    : 0;
  return {
    weightsBytes,
    kvCacheBytes,
    activationBytes,
    optimizerBytes,
    bufferBytes,
    totalBytes: weightsBytes + kvCacheBytes + activationBytes + optimizerBytes + bufferBytes,
  };
}

/** BF16 elements one token saves for backward in one attention block (header). */
function attentionSavedPerToken(model: ModelPreset, tp: number, selective: boolean): number {
  const a = model.attention;
  const H = model.hidden;
  if (a.kind === 'mla') {
    const { heads: nh, qLoraRank: qr, kvLoraRank: kr, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv } = a;
    return (H + qr + (kr + dr) + nh * (selective ? dv : 2 * (dn + dr) + 2 * dv)) / tp;
  }
  const nkv = a.kvHeads >= tp ? a.kvHeads : tp; // replicated kv heads when kvHeads < tp: one per rank
  return (H + (a.heads + 2 * nkv) * a.headDim + a.heads * a.headDim) / tp;
}

/** BF16 elements one token saves for backward in one MoE layer (header). */
function moeSavedPerToken(model: ModelPreset, ffnExpertsPerToken: number): number {
  const m = model.moe;
  if (!(ffnExpertsPerToken >= 0 && ffnExpertsPerToken <= m.topk)) {
    throw new RangeError(`ffnExpertsPerToken must be within 0..topk (${m.topk}); got ${ffnExpertsPerToken}`);
  }
  const H = model.hidden;
  const E = m.ffnExperts + m.zeroExperts;
  return H + 2 * E + ffnExpertsPerToken * (H + 3 * m.expertHidden) + m.sharedExperts * 3 * m.sharedHidden;
}
