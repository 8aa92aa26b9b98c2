// PUBLIC SURFACE of sim/schedules/: what other folders may import (they import nothing else from here).
export { a2aModel } from './a2a.ts';
export type { StepSummary } from './define-schedule.ts';
export { Emitter } from './emitter.ts';
export { layerCosts } from './layer-costs.ts';
export { SCHEDULES } from './registry.ts';
export type { StepInput } from './step-input.ts';
export { planStep } from './step-plan.ts';
export type { StepPlan } from './step-plan.ts';
