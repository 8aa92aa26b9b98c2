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
  for (let e = 0; e < o.tokensPerExpert.length; e++) {
    const n = o.tokensPerExpert[e];
    checkCount(`tokensPerExpert[${e}]`, n, false);
    N += n;
    if (n > 0) active++;
  }
  const layout = o.layout ?? 'contiguous';
  // The per-expert weight reads are the readWeights=true cost at 0 tokens; count them `active` times.
  const grouped = (c: OpCost, weightsOnce: number, n: number, k: number): OpCost => {
    const bytes = c.bytes + active * weightsOnce;
    return { flops: c.flops, bytes, dtype: c.dtype, kernels: [groupedGemmKernel({ rows: N, groups: active, n, k, layout, dtype: o.weights, bytes, weightBytes: active * weightsOnce })] };
  };
  const up = () => grouped(swigluUpCost(N, H, I, o.weights, false), swigluUpCost(0, H, I, o.weights).bytes, 2 * I, H);
  const down = () => grouped(swigluDownCost(N, H, I, o.weights, false), swigluDownCost(0, H, I, o.weights).bytes, H, I);
  if (o.part === 'up') return up();
  if (o.part === 'down') return down();
  return sumCosts([up(), down()]);
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
export function tokenBytes(hidden: number, dtype: Dtype): number {
  return dtype === 'fp8' ? hidden + Math.ceil(hidden / FP8_GROUP) * FP32_BYTES : hidden * BF16_BYTES;
}
