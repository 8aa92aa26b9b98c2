// PUBLIC SURFACE of sim/models/: what other folders may import (they import nothing else from here).
export { attentionCost, attentionRecomputeCost, backwardCost, contextParallelKvBytesPerToken, backwardParts, causalWork, combineBytesPerToken, denseFfnCost, dispatchBytesPerToken, expertGemmCost, gemmCost, lmHeadCost, modelFlopsPerToken, mtpDraftCost, routerCost, sharedExpertCost, sumCosts } from './costs.ts';
export type { BackwardParts, OpCost, SequenceGroup } from './costs.ts';
export { memoryPerGpu } from './memory.ts';
export type { MemoryPerGpu, StageHolding } from './memory.ts';
export { epBufferBytes } from './comm-buffers.ts';
export type { ModelPreset } from './model-preset.ts';
export { attentionParamsPerBlock, denseFfnParamsPerBlock, expertParams, routerParamsPerLayer, sharedExpertParamsPerLayer } from './params.ts';
export { moeLayerCount, presetByName, tracedPreset } from './presets.ts';
