// Runs the layer-wide cost functions a simulation will run (attention parts, dense FFN, router,
// shared experts, LM head, MTP draft, TP all-reduce) once, on the scenario's own sizes, so a shape
// the model cannot take (tp not dividing the heads, the vocabulary, a width) is refused by
// `validate` at its key, not found by `run` as an internal error. Nothing is allocated: the
// probe plan carries only what layerCosts reads for those ops (expert GEMMs need routed traffic
// and take no tp, so they are not probed).
import { layerCosts, type StepInput, type StepPlan } from '../schedules/index.ts';

const PARTS = ['qkv', 'core', 'out', 'all'] as const;
const MTP_PARTS = ['attention', 'ffn', 'router', 'shared', 'head'] as const;

export function costProbeProblems(input: StepInput, tokensPerGpu: number): { path: string[]; message: string }[] {
  const tp = input.parallel.attention.tp;
  // One sequence of the step's tokens per GPU: the shapes (heads, widths over tp) are what is probed.
  const sequencesIn = () => [{ tokens: tokensPerGpu, cached: 0, count: 1 }];
  const probePlan = { model: input.model, input, tp, ep: input.parallel.ep, cp: 1, tokensIn: () => tokensPerGpu, sequencesIn } as unknown as StepPlan;
  try {
    const costs = layerCosts(probePlan);
    if (input.workload.phase !== 'a2a') {
      for (const part of PARTS) costs.attention(0, part);
      costs.denseFfn(0);
      costs.router(0);
      costs.sharedExpert(0);
      costs.lmHead(0);
      for (const part of MTP_PARTS) costs.mtpDraft(0, part);
    }
    costs.tpAllReduceBytes(0);
    return [];
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const path = /\btp\b/.test(e.message) ? ['parallel', 'attention', 'tp'] : ['model'];
    return [{ path, message: `${e.message} (a simulation of this scenario cannot cost its layers)` }];
  }
}
