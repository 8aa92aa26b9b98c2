// PUBLIC SURFACE of sim/models/: what other folders may import (they import nothing else from here).
export { attentionCost, backwardCost, combineBytesPerToken, denseFfnCost, dispatchBytesPerToken, expertGemmCost, lmHeadCost, modelFlopsPerToken, mtpDraftCost, routerCost, sharedExpertCost } from './costs.ts';
export type { OpCost } from './costs.ts';
export { memoryPerGpu } from './memory.ts';
export type { ModelPreset } from './model-preset.ts';
export { attentionParamsPerBlock, denseFfnParamsPerBlock, expertParams, routerParamsPerLayer, sharedExpertParamsPerLayer } from './params.ts';
export { moeLayerCount, presetByName, tracedPreset } from './presets.ts';
