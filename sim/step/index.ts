// PUBLIC SURFACE of sim/step/: what other folders may import (they import nothing else from here).
export type { ScheduleResult } from './schedule-result.ts';
export { DEFAULT_RECOMPUTE_FRACTION, scheduleRefusal, simulateStep } from './simulate-step.ts';
export type { StepProgress } from './simulate-step.ts';
export { simulatedRouting } from './simulated-routing.ts';
export type { SimulatedRouting } from './simulated-routing.ts';
