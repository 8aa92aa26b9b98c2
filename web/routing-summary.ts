// What the dashboard's routing view draws, computed from a routing trace: each token's text with
// its FFN (non-zero) experts averaged over layers, the load of every FFN expert per layer, and the
// histogram of FFN experts per token.
import type { RoutingTrace } from '../sim/trace/index.ts';

export interface RoutingSummary {
  model: RoutingTrace['model'];
  tokensInTrace: number;
  /** The first tokens (at most `maxTokens`): text piece, mean FFN experts over layers, domain. */
  tokens: { text: string; ffn: number; domain?: string }[];
  /** load[layer][expert]: token-expert assignments of each FFN expert over the whole trace. */
  load: number[][];
  /** histogram[n]: tokens x layers with n FFN experts among their top-k. */
  histogram: number[];
  meanFfnPerToken: number;
}

export function routingSummary(trace: RoutingTrace, maxTokens = 1500): RoutingSummary {
  const { layers, topk, ffnExperts } = trace.model;
  const load = Array.from({ length: layers }, () => new Array<number>(ffnExperts).fill(0));
  const histogram = new Array<number>(topk + 1).fill(0);
  const perToken = new Float64Array(trace.tokens);
  let total = 0;
  for (let t = 0; t < trace.tokens; t++) {
    for (let l = 0; l < layers; l++) {
      let ffn = 0;
      const base = (t * layers + l) * topk;
      for (let j = 0; j < topk; j++) {
        const e = trace.experts[base + j]!;
        if (e < ffnExperts) {
          ffn++;
          load[l]![e]!++;
        }
      }
      histogram[ffn]!++;
      perToken[t]! += ffn / layers;
      total += ffn;
    }
  }
  const shown = Math.min(maxTokens, trace.tokens);
  const tokens = Array.from({ length: shown }, (_, t) => ({
    text: trace.tokenText?.[t] ?? `#${trace.tokenIds?.[t] ?? t}`,
    ffn: Math.round(perToken[t]! * 100) / 100,
    ...(trace.tokenDomain && trace.domains ? { domain: trace.domains[trace.tokenDomain[t]!] } : {}),
  }));
  return { model: trace.model, tokensInTrace: trace.tokens, tokens, load, histogram, meanFfnPerToken: total / (trace.tokens * layers) };
}
