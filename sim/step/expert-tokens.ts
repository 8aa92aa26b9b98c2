// Token-expert assignments each GPU's experts computed over a step, read from the traffic the
// schedule's plan built (so replicated hot experts count where their tokens went, and in training
// only the pipeline stage that holds a layer counts it).
import type { StepPlan } from '../schedules/index.ts';

/** Call after the schedule is built (it reads the traffic the build asked for). */
export function expertTokensPerGpu(plan: StepPlan): number[] {
  const out = new Array<number>(plan.gpus).fill(0);
  for (const { group, traffic } of plan.usedTraffic()) {
    for (let rank = 0; rank < plan.ep; rank++) out[group * plan.ep + rank]! += traffic.rankAssignments[rank]!;
  }
  return out;
}
