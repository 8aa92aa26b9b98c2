// The routing a run simulated, per MoE layer of the simulated model: how many of the step's
// token-expert assignments each FFN expert got, and how many FFN (non-zero) experts each token
// used. For a fitted routing this is the fitted model's routing (its layers, experts and top-k),
// not the trace it was fitted from; the dashboard shows it next to the raw trace.
// Every schedule of a scenario routes the same tokens (the plan draws them from the seed before
// splitting micro-batches), so one plan gives the routing of all of them.
import type { StepInput } from '../schedules/index.ts';
import { planStep } from '../schedules/index.ts';

export interface SimulatedRouting {
  model: string;
  /** Where the routing came from (kind and the one-line description results carry). */
  source: { kind: string; description: string };
  layers: number;
  ffnExperts: number;
  zeroExperts: number;
  topk: number;
  /** Tokens in the step, all GPUs together. */
  tokens: number;
  /** load[layer][expert]: the step's token-expert assignments of each FFN expert. */
  load: number[][];
  /** ffnHistogram[layer][n]: tokens with n FFN experts among their top-k at that layer. */
  ffnHistogram: number[][];
  /** Mean FFN experts per token at each layer. */
  meanFfnPerToken: number[];
}

export function simulatedRouting(input: StepInput): SimulatedRouting {
  const plan = planStep(input, 1);
  const { routing } = input;
  const { ffnExperts, zeroExperts, topk } = routing;
  const load = Array.from({ length: plan.moeLayers }, () => new Array<number>(ffnExperts).fill(0));
  const ffnHistogram = Array.from({ length: plan.moeLayers }, () => new Array<number>(topk + 1).fill(0));
  const meanFfnPerToken = new Array<number>(plan.moeLayers).fill(0);
  const out = new Uint16Array(topk);
  let tokens = 0;
  for (const perGpu of plan.tokens[0]!) tokens += perGpu.length;
  for (let layer = 0; layer < plan.moeLayers; layer++) {
    const table = routing.layerTable?.(layer);
    const counts = load[layer]!;
    const hist = ffnHistogram[layer]!;
    let ffnTotal = 0;
    for (const perGpu of plan.tokens[0]!) {
      for (const token of perGpu) {
        let picks: ArrayLike<number> = out;
        if (table) picks = table.subarray(token * topk, token * topk + topk);
        else routing.expertsOf(token, layer, out);
        let ffn = 0;
        for (let j = 0; j < topk; j++) {
          const e = picks[j]!;
          if (e < ffnExperts) {
            counts[e]!++;
            ffn++;
          }
        }
        hist[ffn]!++;
        ffnTotal += ffn;
      }
    }
    meanFfnPerToken[layer] = tokens > 0 ? Math.round((ffnTotal / tokens) * 1000) / 1000 : 0;
  }
  return {
    model: input.model.name,
    source: { kind: routing.kind, description: routing.description },
    layers: plan.moeLayers,
    ffnExperts,
    zeroExperts,
    topk,
    tokens,
    load,
    ffnHistogram,
    meanFfnPerToken,
  };
}
