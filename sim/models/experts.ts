// Per-GPU cost of the MoE block's compute (router, grouped expert GEMMs) and the bytes each token
// puts on the network in dispatch and combine. H = hidden, I = expertHidden, k = topk,
// E = ffnExperts + zeroExperts, n_e = tokens routed to hosted expert e, N = sum n_e.
//   router: logits [T,H->E] in BF16 (DeepSeek-V3 §3.3.1 keeps gating in high precision), FP32
//     logits written and read back by softmax/top-k, k ids (int32) and k gates (FP32) written:
//     flops 2 T H E;  bytes 2 H E + 2 T H + 4 T E + 4 T E + 8 T k
//     (softmax and top-k are not tensor-core FLOPs and are not counted)
//   expert GEMMs, one grouped GEMM over the experts this GPU hosts (SwiGLU as in ffn.ts):
//     up   flops 2 N H 2I; bytes (#experts with n_e > 0) 2 H I wB + N H aB + N I aB
//     down flops 2 N I H;  bytes (#experts with n_e > 0) I H wB + N I aB + N H 2
//     An expert with no tokens is skipped and its weights are not read, which is why decode,
//     with few tokens per expert, is bound by the weight bytes of the experts actually hit.
//     Each is one grouped GEMM kernel over the experts with tokens (M per group = N / #active),
//     in DeepGEMM's masked layout for decode (behind DeepEP's low-latency kernels) and its
//     contiguous layout for prefill and training.
//   dispatch per token copy: fp8 H + H/128 * 4 (1 B per value + an FP32 scale per 128 values, as
//     DeepEP sends; its low-latency kernels add 16 B of per-message metadata, not counted here);
//     bf16 2 H. combine: the same formula for its dtype (normally bf16: 2 H).
import type { Dtype } from '../core/index.ts';
import type { ModelPreset } from './model-preset.ts';
import type { GemmLayout } from '../hardware/index.ts';
import { BF16_BYTES, FP32_BYTES, FP8_GROUP, checkCount, groupedGemmKernel, sumCosts, type OpCost } from './op-cost.ts';
import { swigluDownCost, swigluUpCost } from './ffn.ts';

export interface RouterCostOptions {
  tokens: number;
}

/** Router logits over all ffnExperts + zeroExperts, softmax and top-k, for the GPU's tokens. */
export function routerCost(model: ModelPreset, o: RouterCostOptions): OpCost {
  checkCount('router tokens', o.tokens);
  const T = o.tokens;
  const H = model.hidden;
  const E = model.moe.ffnExperts + model.moe.zeroExperts;
  const k = model.moe.topk;
  // Kernels: the logits GEMM (weights, input, FP32 logits written), then softmax/top-k (logits read, ids and gates written).
  const gemmBytes = H * E * BF16_BYTES + T * H * BF16_BYTES + T * E * FP32_BYTES;
  const topkBytes = T * E * FP32_BYTES + T * k * (4 + FP32_BYTES);
  const flops = 2 * T * H * E;
  return {
    flops,
    bytes: gemmBytes + topkBytes,
    dtype: 'bf16',
    kernels: [
      { kind: 'gemm', m: T, n: E, k: H, groups: 1, layout: 'dense', dtype: 'bf16', flops, bytes: gemmBytes, weightBytes: H * E * BF16_BYTES },
      { kind: 'plain', dtype: 'bf16', flops: 0, bytes: topkBytes },
    ],
  };
}

export type ExpertGemmPart = 'up' | 'down' | 'all';

export interface ExpertGemmCostOptions {
  /** Token-expert assignments of each FFN expert this GPU hosts (zero experts never appear here). */
  tokensPerExpert: ArrayLike<number>;
  part: ExpertGemmPart;
  weights: Dtype;
  /** DeepGEMM layout of the grouped GEMMs; default 'contiguous'. */
  layout?: GemmLayout;
}

/** The grouped expert GEMM of one MoE layer on one GPU (header formulas). */
export function expertGemmCost(model: ModelPreset, o: ExpertGemmCostOptions): OpCost {
  const H = model.hidden;
  const I = model.moe.expertHidden;
  let N = 0;
  let active = 0;
  const counts = o.tokensPerExpert;
  for (let e = 0; e < counts.length; e++) {
    const n = counts[e]!;
    // (The label is built only for a bad count: this runs per expert, layer and GPU.)
    if (!(Number.isFinite(n) && n >= 0)) checkCount(`tokensPerExpert[${e}]`, n, false);
    N += n;
    if (n > 0) active++;
  }
  const g: GroupedShape = { N, active, layout: o.layout ?? 'contiguous', weights: o.weights };
  if (o.part === 'up') return expertsUp(g, H, I);
  if (o.part === 'down') return expertsDown(g, H, I);
  return sumCosts([expertsUp(g, H, I), expertsDown(g, H, I)]);
}

/** What the grouped GEMMs of one layer share: rows in all, experts with rows, layout, weight type. */
interface GroupedShape {
  N: number;
  active: number;
  layout: NonNullable<ExpertGemmCostOptions['layout']>;
  weights: ExpertGemmCostOptions['weights'];
}

function expertsUp(g: GroupedShape, H: number, I: number): OpCost {
  return grouped(g, swigluUpCost(g.N, H, I, g.weights, false), swigluUpCost(0, H, I, g.weights).bytes, 2 * I, H);
}

function expertsDown(g: GroupedShape, H: number, I: number): OpCost {
  return grouped(g, swigluDownCost(g.N, H, I, g.weights, false), swigluDownCost(0, H, I, g.weights).bytes, H, I);
}

/** A GEMM cost as one grouped kernel; the per-expert weight reads (the 0-token cost) count `active` times. */
function grouped(g: GroupedShape, c: OpCost, weightsOnce: number, n: number, k: number): OpCost {
  const bytes = c.bytes + g.active * weightsOnce;
  return { flops: c.flops, bytes, dtype: c.dtype, kernels: [groupedGemmKernel({ rows: g.N, groups: g.active, n, k, layout: g.layout, dtype: g.weights, bytes, weightBytes: g.active * weightsOnce })] };
}

/** Bytes one token copy carries in dispatch: fp8 H + H/128 x 4 (values + FP32 group scales), bf16 2 H. */
export function dispatchBytesPerToken(model: ModelPreset, dtype: Dtype): number {
  return tokenBytes(model.hidden, dtype);
}

/** Bytes one token copy carries back in combine (same encoding as dispatch for the given dtype). */
export function combineBytesPerToken(model: ModelPreset, dtype: Dtype): number {
  return tokenBytes(model.hidden, dtype);
}

/** One hidden-size vector on the wire: fp8 H + ceil(H/128) x 4, bf16 2 H. */
function tokenBytes(hidden: number, dtype: Dtype): number {
  return dtype === 'fp8' ? hidden + Math.ceil(hidden / FP8_GROUP) * FP32_BYTES : hidden * BF16_BYTES;
}
