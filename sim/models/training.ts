// Training-side costs: the backward pass of an op and the model FLOPs used for MFU.
// backward(op): flops x 2 (data gradient dX = dY W^T and weight gradient dW = X^T dY, each as many
//   FLOPs as the forward GEMM); bytes x 2 (dgrad reads W and dY and writes dX, wgrad reads X and
//   dY and writes dW: each about one forward's traffic). FlashAttention's backward recomputes the
//   scores (about 2.5x the forward FLOPs); the uniform 2x under-counts core attention slightly.
// Model FLOPs per token, the PaLM convention (Chowdhery et al. 2022, appendix B: 6N + 12 L H Q T),
//   written for our per-head dims:
//     6 x activatedParamsPerToken(model, ffnExpertsPerToken)               (forward 2 + backward 4)
//   + 6 x attentionBlocks x heads x (dqk + dv) x contextTokens             (scores and softmax.V)
//   with contextTokens = the training sequence length and no causal halving (as PaLM), dqk = dn + dr,
//   dv = vHeadDim for MLA (the naive form used in training) and dqk = dv = headDim for MHA.
//   Activated params include the router, norm vectors (< 0.01%) and LM head, not the embedding.
import { activatedParamsPerToken } from './params.ts';
import type { ModelPreset } from './model-preset.ts';
import type { OpCost } from './op-cost.ts';
import { attentionBlockCount } from './presets.ts';

/** Bytes factor of a backward pass relative to its forward (see header). */
export const BACKWARD_BYTES_FACTOR = 2;
/** FLOPs factor of a backward pass relative to its forward (dgrad + wgrad). */
export const BACKWARD_FLOPS_FACTOR = 2;

/** The backward pass of an op whose forward cost is `forward`. */
export function backwardCost(forward: OpCost): OpCost {
  return { flops: BACKWARD_FLOPS_FACTOR * forward.flops, bytes: BACKWARD_BYTES_FACTOR * forward.bytes, dtype: forward.dtype };
}

/** Training FLOPs per token (forward + backward) for MFU, PaLM convention (header). */
export function modelFlopsPerToken(model: ModelPreset, ffnExpertsPerToken: number, contextTokens: number): number {
  if (!(contextTokens >= 0)) throw new RangeError(`contextTokens must be >= 0; got ${contextTokens}`);
  const a = model.attention;
  const perHeadDims = a.kind === 'mla' ? a.qkNopeHeadDim + a.qkRopeHeadDim + a.vHeadDim : 2 * a.headDim;
  const attention = 6 * attentionBlockCount(model) * a.heads * perHeadDims * contextTokens;
  return 6 * activatedParamsPerToken(model, ffnExpertsPerToken) + attention;
}
