// Training-side costs: the backward pass of an op and the model FLOPs used for MFU.
// backward(op), split as zero-bubble pipeline schedules split it (Qi et al., "Zero Bubble Pipeline
// Parallelism", ICLR 2024): the input gradient B, which the previous stage waits for, and the
// weight gradient W, which can run later. Per forward kernel:
//   GEMM y[m,n] = x[m,k] W[k,n]: B = dgrad dX = dY W^T, a GEMM [m,n->k]; W = wgrad dW = X^T dY, a
//     GEMM [k,m->n] whose reduction runs over the tokens (for a grouped GEMM, over each group's
//     rows, as DeepGEMM's k-grouped weight-gradient kernels do). Each as many FLOPs and about as many
//     bytes as the forward (dgrad reads W and dY and writes dX, wgrad reads X and dY and writes dW).
//   FlashAttention: one backward kernel in B, 2.5x the forward FLOPs (it recomputes the scores:
//     5 matmuls against the forward's 2, the FlashAttention papers' count) and 2x the bytes (q, k,
//     v, o, dO read, dq, dk, dv written). No weights, so nothing in W.
//   anything else (softmax, top-k): B, 2x the forward's FLOPs and bytes.
// An op without a kernel list: B and W each 1x its FLOPs and bytes.
// Model FLOPs per token, the PaLM convention (Chowdhery et al. 2022, appendix B: 6N + 12 L H Q T),
//   written for our per-head dims:
//     6 x activatedParamsPerToken(model, ffnExpertsPerToken)               (forward 2 + backward 4)
//   + 6 x attentionBlocks x heads x (dqk + dv) x contextTokens             (scores and softmax.V)
//   with contextTokens = the training sequence length and no causal halving (as PaLM), dqk = dn + dr,
//   dv = vHeadDim for MLA (the naive form used in training) and dqk = dv = headDim for MHA.
//   Activated params include the router, norm vectors (< 0.01%) and LM head, not the embedding.
import { activatedParamsPerToken } from './params.ts';
import type { ModelPreset } from './model-preset.ts';
import type { KernelShape } from '../hardware/index.ts';
import { kernelsOf, type OpCost } from './op-cost.ts';
import { attentionBlockCount } from './presets.ts';

/** Bytes factor of a backward pass relative to its forward (see header). */
export const BACKWARD_BYTES_FACTOR = 2;
/** FLOPs factor of a backward pass relative to its forward (dgrad + wgrad). */
export const BACKWARD_FLOPS_FACTOR = 2;

/** FLOPs of FlashAttention's backward relative to its forward (5 matmuls against 2). */
export const FLASH_BACKWARD_FLOPS_FACTOR = 2.5;

export interface BackwardParts {
  /** Input gradient: what the previous layer (and pipeline stage) waits for. */
  input: OpCost;
  /** Weight gradient: needed only by the optimizer step. */
  weight: OpCost;
}

/** The backward pass of an op whose forward cost is `forward`, split into input and weight gradients (header). */
export function backwardParts(forward: OpCost): BackwardParts {
  if (!forward.kernels) {
    const half: OpCost = { flops: forward.flops, bytes: forward.bytes, dtype: forward.dtype };
    return { input: half, weight: { ...half } };
  }
  const input: KernelShape[] = [];
  const weight: KernelShape[] = [];
  for (const k of kernelsOf(forward)) {
    if (k.kind === 'gemm') {
      input.push({ ...k, n: k.k, k: k.n });
      weight.push({ ...k, m: k.k, k: k.m, layout: k.groups > 1 ? 'contiguous' : 'dense' });
    } else if (k.kind === 'flash-attention') {
      input.push({ ...k, pass: 'backward', flops: FLASH_BACKWARD_FLOPS_FACTOR * k.flops, bytes: 2 * k.bytes });
    } else {
      input.push({ ...k, flops: 2 * k.flops, bytes: 2 * k.bytes });
    }
  }
  return { input: costOfKernels(input, forward.dtype), weight: costOfKernels(weight, forward.dtype) };
}

function costOfKernels(kernels: KernelShape[], dtype: OpCost['dtype']): OpCost {
  let flops = 0;
  let bytes = 0;
  for (const k of kernels) {
    flops += k.flops;
    bytes += k.bytes;
  }
  return { flops, bytes, dtype, kernels };
}

/** The whole backward pass of an op (input and weight gradients as one). */
export function backwardCost(forward: OpCost): OpCost {
  if (!forward.kernels) return { flops: BACKWARD_FLOPS_FACTOR * forward.flops, bytes: BACKWARD_BYTES_FACTOR * forward.bytes, dtype: forward.dtype };
  const { input, weight } = backwardParts(forward);
  return costOfKernels([...input.kernels!, ...weight.kernels!], forward.dtype);
}

/** Training FLOPs per token (forward + backward) for MFU, PaLM convention (header). */
export function modelFlopsPerToken(model: ModelPreset, ffnExpertsPerToken: number, contextTokens: number): number {
  if (!(contextTokens >= 0)) throw new RangeError(`contextTokens must be >= 0; got ${contextTokens}`);
  const a = model.attention;
  const perHeadDims = a.kind === 'mla' ? a.qkNopeHeadDim + a.qkRopeHeadDim + a.vHeadDim : 2 * a.headDim;
  const attention = 6 * attentionBlockCount(model) * a.heads * perHeadDims * contextTokens;
  return 6 * activatedParamsPerToken(model, ffnExpertsPerToken) + attention;
}
