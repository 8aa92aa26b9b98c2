// A schedule: a named program that emits one step's op graph from the shared building blocks.
import type { Phase, ScheduleMetrics, ScheduleName, Workload } from '../core/index.ts';
import type { ModelPreset } from '../models/index.ts';
import type { Timeline } from '../ops/index.ts';
import type { Emitter } from './emitter.ts';
import type { LayerCosts } from './layer-costs.ts';
import type { StepPlan } from './step-plan.ts';

/** The metrics of a step, before the schedule's name and emulation note are added. */
export type StepSummary = Omit<ScheduleMetrics, 'name' | 'emulation'>;

export type Applicability = { ok: true; emulation?: string } | { ok: false; reason: string };

export interface Schedule {
  name: ScheduleName;
  summary: string;
  phases: readonly Phase[];
  microBatches(workload: Workload): number;
  /** Whether the schedule fits the model; `emulation` says how it was adapted when it does not natively. */
  applies(model: ModelPreset): Applicability;
  build(e: Emitter, costs: LayerCosts): void;
  /** Its own metrics, for a schedule whose output is not a model step (the a2a benchmark). */
  summarize?(plan: StepPlan, timeline: Timeline): StepSummary;
}

export function defineSchedule(schedule: Schedule): Schedule {
  return schedule;
}
