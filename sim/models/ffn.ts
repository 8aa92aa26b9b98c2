// Per-GPU cost of the dense SwiGLU FFNs: the dense FFN blocks and the shared experts.
// One SwiGLU of width F over T tokens (H = hidden, wB/aB = weight/activation bytes of op-cost.ts):
//   up   (gate and up fused, SwiGLU in the epilogue, writes act(g)*u ready for down):
//        flops 2 T H 2F;  bytes 2 H F wB + T H aB + T F aB
//   down flops 2 T F H;   bytes F H wB + T F aB + T H 2   (BF16 output)
//   total flops 6 T H F;  bytes 3 H F wB + T H aB + 2 T F aB + 2 T H
// Dense FFN with tensor parallelism: gate/up column-parallel, down row-parallel, so F -> F/tp
// (the all-reduce of the partial output is a communication op, not costed here).
// Shared experts: sharedExperts fused side by side (F = sharedExperts x sharedHidden), split tp ways
// like the dense FFN (tp = 1, the default, is DP attention: every GPU holds them whole, as
// DeepSeek-V3 serves them); zero cost when there are none.
import type { Dtype } from '../core/index.ts';
import type { ModelPreset } from './model-preset.ts';
import { BF16_BYTES, activationBytesPerElement, checkCount, checkSplit, sumCosts, weightBytesPerParam, type OpCost } from './op-cost.ts';

/** The gate+up GEMM of a SwiGLU of width `ffnHidden` over `tokens` tokens (header formula); one dense GEMM kernel. */
export function swigluUpCost(tokens: number, hidden: number, ffnHidden: number, weights: Dtype, readWeights = true): OpCost {
  const aB = activationBytesPerElement(weights);
  const weightBytes = readWeights ? 2 * hidden * ffnHidden * weightBytesPerParam(weights) : 0;
  const flops = 2 * tokens * hidden * 2 * ffnHidden;
  const bytes = weightBytes + tokens * hidden * aB + tokens * ffnHidden * aB;
  return { flops, bytes, dtype: weights, kernels: [{ kind: 'gemm', m: tokens, n: 2 * ffnHidden, k: hidden, groups: 1, layout: 'dense', dtype: weights, flops, bytes, weightBytes }] };
}

/** The down GEMM of a SwiGLU of width `ffnHidden` over `tokens` tokens (header formula); one dense GEMM kernel. */
export function swigluDownCost(tokens: number, hidden: number, ffnHidden: number, weights: Dtype, readWeights = true): OpCost {
  const aB = activationBytesPerElement(weights);
  const weightBytes = readWeights ? ffnHidden * hidden * weightBytesPerParam(weights) : 0;
  const flops = 2 * tokens * ffnHidden * hidden;
  const bytes = weightBytes + tokens * ffnHidden * aB + tokens * hidden * BF16_BYTES;
  return { flops, bytes, dtype: weights, kernels: [{ kind: 'gemm', m: tokens, n: hidden, k: ffnHidden, groups: 1, layout: 'dense', dtype: weights, flops, bytes, weightBytes }] };
}

export interface DenseFfnCostOptions {
  tokens: number;
  /** Tensor-parallel degree; must divide denseFfnHidden. */
  tp: number;
  weights: Dtype;
}

/** One dense SwiGLU FFN block (hidden x denseFfnHidden), per GPU. */
export function denseFfnCost(model: ModelPreset, o: DenseFfnCostOptions): OpCost {
  checkCount('dense FFN tokens', o.tokens);
  checkSplit(`denseFfnHidden of '${model.name}'`, model.denseFfnHidden, o.tp);
  const F = model.denseFfnHidden / o.tp;
  return sumCosts([swigluUpCost(o.tokens, model.hidden, F, o.weights), swigluDownCost(o.tokens, model.hidden, F, o.weights)]);
}

export interface SharedExpertCostOptions {
  tokens: number;
  weights: Dtype;
  /** Tensor-parallel degree (the attention tp); must divide sharedExperts x sharedHidden. Default 1. */
  tp?: number;
}

/** The shared experts of one MoE layer over the GPU's tokens; zero cost when sharedExperts = 0. */
export function sharedExpertCost(model: ModelPreset, o: SharedExpertCostOptions): OpCost {
  checkCount('shared expert tokens', o.tokens);
  const width = model.moe.sharedExperts * model.moe.sharedHidden;
  if (width === 0) return { flops: 0, bytes: 0, dtype: o.weights };
  const tp = o.tp ?? 1;
  checkSplit(`shared expert width of '${model.name}'`, width, tp);
  const F = width / tp;
  return sumCosts([swigluUpCost(o.tokens, model.hidden, F, o.weights), swigluDownCost(o.tokens, model.hidden, F, o.weights)]);
}
