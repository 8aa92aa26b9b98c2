// What simulating one schedule returns: its metrics and the timeline they were computed from.
import type { ScheduleMetrics } from '../core/index.ts';
import type { Timeline } from '../ops/index.ts';

export interface ScheduleResult {
  metrics: ScheduleMetrics;
  timeline: Timeline;
  /** Token-expert assignments each GPU's experts computed over the step (all layers, micro-batches). */
  expertTokensPerGpu?: number[];
}
