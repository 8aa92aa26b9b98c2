// PUBLIC SURFACE of model/: what other folders may import (they import nothing else from here).
// The commands' choices and defaults (presets, backends, trace length, fusion recipe) are in
// model/options/, which does not load TensorFlow.js as this file does.
export { sampleBatch, validationBatches } from './batches.ts';
export type { TokenBatch } from './batches.ts';
export { expertLoads, updateBiases } from './bias-controller.ts';
export { hasCheckpoint, readCheckpoint, readCheckpointConfig, readWeightsManifest, weightsSha256, writeCheckpoint } from './checkpoint.ts';
export type { Checkpoint, RunState } from './checkpoint.ts';
export type { ModelConfig, RouterBiasSpace, RunConfig, TrainConfig } from './config.ts';
export { ensureDefaultModel } from './default-model.ts';
export { evaluate } from './evaluate.ts';
export type { EvalResult } from './evaluate.ts';
export { createAdamState, disposeAdamState } from './optimizer.ts';
export { countParams, param } from './params.ts';
export type { ParamMap } from './params.ts';
export { presetConfig } from './presets.ts';
export { recordTrace } from './record-trace.ts';
export { routingStats } from './routing-stats.ts';
export { traceInputFromCorpus } from './trace-input.ts';
export { resolveCheckpointDir, traceModel } from './trace-model.ts';
export type { TraceResult } from './trace-model.ts';
export { trainStep } from './train-step.ts';
export { checkpointDirOf, trainModel } from './train.ts';
export type { TrainEvent, TrainResult } from './train.ts';
export { encodeByDomain, fitTokenizer, loadSplit } from './training-data.ts';
export { createModel, disposeModel, forward } from './transformer.ts';
export type { MoeModel } from './transformer.ts';
