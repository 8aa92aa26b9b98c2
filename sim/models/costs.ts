// Per-op costs of a model preset, in one import: every function returns an OpCost
// { flops (2 per multiply-add), bytes (HBM read + written), dtype } for one GPU. The formulas are
// in the header of each file: op-cost.ts (GEMM and byte sizes), attention.ts, ffn.ts (dense FFN,
// shared experts), experts.ts (router, grouped expert GEMMs, dispatch/combine bytes), head.ts
// (LM head, MTP draft), training.ts (backward, model FLOPs), params.ts (parameter counts).
export type { OpCost } from './op-cost.ts';
export { activationBytesPerElement, gemmCost, scaleCost, sumCosts, weightBytesPerParam } from './op-cost.ts';
export { attentionCost, attentionRecomputeCost, causalWork, contextParallelKvBytesPerToken, kvBytesPerTokenPerBlock, type AttentionCostOptions, type AttentionPart, type AttentionPhase, type SequenceGroup } from './attention.ts';
export { denseFfnCost, sharedExpertCost, type DenseFfnCostOptions, type SharedExpertCostOptions } from './ffn.ts';
export {
  combineBytesPerToken,
  dispatchBytesPerToken,
  expertGemmCost,
  routerCost,
  type ExpertGemmCostOptions,
  type ExpertGemmPart,
  type RouterCostOptions,
} from './experts.ts';
export { lmHeadCost, mtpDraftCost, type LmHeadCostOptions, type MtpDraftCostOptions } from './head.ts';
export { backwardCost, backwardParts, modelFlopsPerToken, type BackwardParts } from './training.ts';
export { activatedParamsPerToken, paramCounts, type ParamCounts } from './params.ts';
