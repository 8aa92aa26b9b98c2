// Token-expert assignments each GPU's experts computed over a step, read from the traffic the
// schedule's plan built (so replicated hot experts count where their tokens went).
import type { StepPlan } from '../schedules/index.ts';

export function expertTokensPerGpu(plan: StepPlan): number[] {
  const out = new Array<number>(plan.gpus).fill(0);
  for (let layer = 0; layer < plan.moeLayers; layer++) {
    for (let mb = 0; mb < plan.microBatches; mb++) {
      for (let group = 0; group < plan.groups; group++) {
        const assignments = plan.traffic(layer, mb, group).rankAssignments;
        for (let rank = 0; rank < plan.ep; rank++) out[group * plan.ep + rank]! += assignments[rank]!;
      }
    }
  }
  return out;
}
