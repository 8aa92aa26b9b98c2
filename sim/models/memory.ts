// HBM a GPU needs for one model under a parallel layout and workload. Everything is in bytes.
// Symbols: wB = weightBytesPerParam(precision.weights), tp = attention tp, L = layers,
// f = ceil(L / pipelineStages) / L (the share of layers one pipeline stage holds; 1 without PP).
// weightsBytes
//   experts:   expertsOnGpu x 3 H I x moeLayers x f x wB   (expertsOnGpu includes redundant copies)
//   split tp ways, at wB: attention blocks (except MLA's replicated q_a/kv_a, held whole), dense
//     FFNs and shared experts (all x f), and the LM head (vocab-parallel);
//   BF16: embedding table / tp, and router + norm vectors (replicated, x f).
//   MTP draft head (decode with mtp): its own layer (params.ts mtpDraftParams) / tp at wB; it
//     shares the embedding and LM head.
// kvCacheBytes (BF16; MLA caches the kv_lora + rope latent per token per attention block, and a
//   tp rank holds the whole latent; MHA caches K and V of its kvHeads/tp heads)
//   decode:  sequencesPerGpu x contextTokens x kvBytesPerTokenPerBlock x (attentionBlocks x f + MTP block)
//   prefill: tokensPerGpu x kvBytesPerTokenPerBlock x attentionBlocks x f (the cache it produces)
//   train, a2a: 0.
// activationBytes, a simple estimate, BF16 unless said:
//   inference (decode T = sequences x (1 + draftTokens), prefill T = tokensPerGpu): one layer's
//     buffers live at a time: T x (4 H + max(2 F/tp, topk x H)) x 2  [residual, shortcut, norm
//     output, MoE output; the wider of the dense FFN's gate/up output and the topk received
//     token copies] + T x V/tp x 4 [FP32 logits]. EP libraries' fixed communication buffers
//     (DeepEP reserves them at start-up) are not included.
//   train (T = tokensPerMicrobatch): every layer's saved inputs for backward, no recomputation,
//     one micro-batch in flight (pipeline schedules keep more: not modelled), per token:
//       attention block  (H + qr + (kr+dr) + nh (2(dn+dr) + 2 dv)) / tp   [MLA; MHA: (H + (nh+2nkv) hd + nh hd)/tp]
//       dense FFN block  (H + 3 F) / tp                                    [input, gate, up, act(g)*u]
//       MoE layer        H + 2 E + kf (H + 3 I) + sharedExperts 3 Is       [E FP32 logits = 2E BF16 slots;
//                        kf = ffnExpertsPerToken, default topk (an upper bound)]
//     x 2 bytes x T, over the stage's blocks, + T x V/tp x 4 (FP32 logits).
//   a2a: send and receive buffers 2 x tokensPerGpu x topk x hidden x 2 (no model weights).
// optimizerBytes (train), the convention: weights at precision.weights (in weightsBytes); FP32
//   gradients for every parameter on the GPU (Megatron's main_grad; DeepSeek-V3 §3.3.1 keeps
//   weight gradients in high precision); FP32 master weights + Adam m and v (12 B per parameter)
//   sharded ZeRO-1 over the data-parallel replicas of each parameter: attention.dp for the
//   non-expert parameters, gpus / ep for the experts (each EP group holds every expert once).
import type { Parallel, Precision, Workload } from '../core/index.ts';
import { kvBytesPerTokenPerBlock } from './attention.ts';
import type { ModelPreset } from './model-preset.ts';
import { BF16_BYTES, FP32_BYTES, checkCount, weightBytesPerParam } from './op-cost.ts';
import {
  attentionParamsPerBlock,
  attentionReplicatedParamsPerBlock,
  denseFfnParamsPerBlock,
  expertParams,
  mtpDraftParams,
  normParams,
  routerParamsPerLayer,
  sharedExpertParamsPerLayer,
} from './params.ts';
import { attentionBlockCount, denseFfnBlockCount, moeLayerCount } from './presets.ts';

export interface MemoryPerGpuOptions {
  parallel: Parallel;
  workload: Workload;
  precision: Precision;
  /** FFN experts this GPU hosts in each MoE layer, redundant copies included. */
  expertsOnGpu: number;
  /** GPUs in the cluster; gpus / ep is the number of replicas of each expert. */
  gpus: number;
  /** Pipeline stages the layers are split over (training); default 1. */
  pipelineStages?: number;
  /** Training activations: FFN experts per token (0..topk); default topk, an upper bound. */
  ffnExpertsPerToken?: number;
}

export interface MemoryPerGpu {
  weightsBytes: number;
  kvCacheBytes: number;
  activationBytes: number;
  /** Training only: FP32 gradients and ZeRO-1-sharded FP32 master weights and Adam moments. */
  optimizerBytes: number;
  totalBytes: number;
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
    return { weightsBytes: 0, kvCacheBytes: 0, activationBytes: buffers, optimizerBytes: 0, totalBytes: buffers };
  }

  const f = Math.ceil(model.layers / pp) / model.layers;
  const H = model.hidden;
  const wB = weightBytesPerParam(precision.weights);
  const moeLayers = moeLayerCount(model) * f;
  const attnBlocks = attentionBlockCount(model) * f;
  const ffnBlocks = denseFfnBlockCount(model) * f;
  const mtpBlocks = workload.phase === 'decode' && workload.mtp && workload.mtp.draftTokens > 0 ? 1 : 0;

  // Parameter counts on this GPU.
  const expertsP = o.expertsOnGpu * expertParams(model) * moeLayers;
  const attnReplicated = attentionReplicatedParamsPerBlock(model);
  const attnP = attnBlocks * ((attentionParamsPerBlock(model) - attnReplicated) / tp + attnReplicated);
  const splitP =
    (ffnBlocks * denseFfnParamsPerBlock(model) + moeLayers * sharedExpertParamsPerLayer(model) + model.hidden * model.vocab) / tp +
    (mtpBlocks * mtpDraftParams(model)) / tp;
  const bf16P = (model.vocab * H) / tp + moeLayers * routerParamsPerLayer(model) + normParams(model) * f;
  const weightsBytes = (expertsP + attnP + splitP) * wB + bf16P * BF16_BYTES;

  let kvCacheBytes = 0;
  let activationBytes = 0;
  let optimizerBytes = 0;
  const kvPerToken = kvBytesPerTokenPerBlock(model, tp);
  const inferenceActivations = (T: number) =>
    T * (4 * H + Math.max((2 * model.denseFfnHidden) / tp, model.moe.topk * H)) * BF16_BYTES + (T * model.vocab * FP32_BYTES) / tp;

  if (workload.phase === 'decode') {
    const seqs = workload.sequencesPerGpu;
    kvCacheBytes = seqs * workload.contextTokens * kvPerToken * (attnBlocks + mtpBlocks);
    activationBytes = inferenceActivations(seqs * (1 + (workload.mtp?.draftTokens ?? 0)));
  } else if (workload.phase === 'prefill') {
    kvCacheBytes = workload.tokensPerGpu * kvPerToken * attnBlocks;
    activationBytes = inferenceActivations(workload.tokensPerGpu);
  } else {
    const T = workload.tokensPerMicrobatch;
    const elems =
      attnBlocks * attentionSavedPerToken(model, tp) +
      ffnBlocks * ((H + 3 * model.denseFfnHidden) / tp) +
      moeLayers * moeSavedPerToken(model, o.ffnExpertsPerToken ?? model.moe.topk);
    activationBytes = T * elems * BF16_BYTES + (T * model.vocab * FP32_BYTES) / tp;
    const allP = expertsP + attnP + splitP + bf16P;
    const expertReplicas = o.gpus / parallel.ep;
    optimizerBytes = FP32_BYTES * allP + 3 * FP32_BYTES * (expertsP / expertReplicas + (allP - expertsP) / parallel.attention.dp);
  }
  return {
    weightsBytes,
    kvCacheBytes,
    activationBytes,
    optimizerBytes,
    totalBytes: weightsBytes + kvCacheBytes + activationBytes + optimizerBytes,
  };
}

/** BF16 elements one token saves for backward in one attention block (header). */
function attentionSavedPerToken(model: ModelPreset, tp: number): number {
  const a = model.attention;
  const H = model.hidden;
  if (a.kind === 'mla') {
    const { heads: nh, qLoraRank: qr, kvLoraRank: kr, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv } = a;
    return (H + qr + (kr + dr) + nh * (2 * (dn + dr) + 2 * dv)) / tp;
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
