// A schedule: a named program that emits one step's op graph from the shared building blocks.
import type { ModelPreset } from '../models/model-preset.ts';
import type { Phase, ScheduleName, Workload } from '../step/types.ts';
import type { Emitter } from './emitter.ts';
import type { LayerCosts } from './layer-costs.ts';

export type Applicability = { ok: true; emulation?: string } | { ok: false; reason: string };

export interface Schedule {
  name: ScheduleName;
  summary: string;
  phases: readonly Phase[];
  microBatches(workload: Workload): number;
  /** Whether the schedule fits the model; `emulation` says how it was adapted when it does not natively. */
  applies(model: ModelPreset): Applicability;
  build(e: Emitter, costs: LayerCosts): void;
}

export function defineSchedule(schedule: Schedule): Schedule {
  return schedule;
}
