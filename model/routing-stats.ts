// Per-step routing figures for the logs: average FFN experts per token, their standard deviation
// across tokens (pooled over MoE layers), and the FFN expert-load imbalance (max/mean load,
// averaged over layers). Pure, no tfjs.
import type { RoutingChoice } from './layers/index.ts';
import { ffnExpertsPerToken } from './layers/index.ts';

export interface RoutingStats {
  ffnPerTokenMean: number;
  ffnPerTokenStd: number;
  /** max/mean tokens per FFN expert; 1 = perfectly even. */
  loadImbalance: number;
}

export function routingStats(choices: RoutingChoice[], ffnExperts: number): RoutingStats {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let imbalance = 0;
  for (const c of choices) {
    const counts = ffnExpertsPerToken(c, ffnExperts);
    for (const v of counts) {
      n++;
      sum += v;
      sumSq += v * v;
    }
    const loads = new Int32Array(ffnExperts);
    for (const e of c.experts) if (e < ffnExperts) loads[e]++;
    let max = 0;
    let total = 0;
    for (const l of loads) {
      total += l;
      if (l > max) max = l;
    }
    imbalance += total > 0 ? max / (total / ffnExperts) : 0;
  }
  const mean = n ? sum / n : 0;
  const variance = n ? Math.max(0, sumSq / n - mean * mean) : 0;
  return { ffnPerTokenMean: mean, ffnPerTokenStd: Math.sqrt(variance), loadImbalance: choices.length ? imbalance / choices.length : 0 };
}
