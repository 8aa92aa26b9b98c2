// PUBLIC SURFACE of sim/schedules/: what other folders may import (they import nothing else from here).
export { a2aModel } from './a2a.ts';
export type { StepSummary } from './define-schedule.ts';
export { Emitter, TrainingEmitter } from './emitter.ts';
export { exchangeAlgorithm } from './exchange-algorithm.ts';
export type { ExchangeChoice } from './exchange-algorithm.ts';
export { layerCosts } from './layer-costs.ts';
export { SCHEDULES } from './registry.ts';
export type { StepInput } from './step-input.ts';
export { planStep, queriesPerSequence, sequenceTokensOf, tokensPerGpuOf } from './step-plan.ts';
export { pipelineOrder, pipelineShape } from './pipeline-order.ts';
export type { PipelineOrder, PipelineSchedule, PipelineShape } from './pipeline-order.ts';
export { OPTIMIZER_BYTES_PER_PARAM, denseParamsOfLayer, trainPipeline } from './train-step.ts';
export type { TrainPipeline } from './train-step.ts';
export type { StepPlan, UsedTraffic } from './step-plan.ts';
