// Summaries of a routing trace by token class: how many FFN experts (not zero experts) a token
// gets on average, for punctuation, English function words, and everything else, and per domain.
// LongCat reports that function words and punctuation get fewer FFN experts than content tokens.
import type { RoutingTrace } from '../sim/trace/index.ts';

export const FUNCTION_WORDS = new Set(
  (
    'a an the and or but nor so yet if then than that this these those there here ' +
    'of to in on at by for with from into onto upon about as over under between through during before after ' +
    'is are was were be been being am do does did have has had will would shall should can could may might must ' +
    'i me my we us our you your he him his she her it its they them their who whom whose which what ' +
    'not no all any some each such very just also only too more most much many own same other'
  ).split(' '),
);

export type TokenClass = 'punctuation' | 'function' | 'other';

/** Punctuation-, symbol- or whitespace-only pieces are 'punctuation'; a whole function word (any case) is 'function'. */
export function tokenClass(piece: string): TokenClass {
  const t = piece.trim();
  if (t === '' || /^[\p{P}\p{S}]+$/u.test(t)) return 'punctuation';
  if (FUNCTION_WORDS.has(t.toLowerCase())) return 'function';
  return 'other';
}

export interface ClassFigures {
  tokens: number;
  /** Mean FFN experts per token per layer. */
  ffnPerToken: number;
}

export interface TraceSummary {
  tokens: number;
  ffnPerTokenMean: number;
  ffnPerTokenStd: number;
  byClass: Record<TokenClass, ClassFigures>;
  /** Mean FFN experts per token for each class at each MoE layer ([layer][class]). */
  byClassPerLayer: Record<TokenClass, number>[];
  byDomain: Record<string, ClassFigures>;
}

export function summarizeTrace(trace: RoutingTrace): TraceSummary {
  const { layers: L, topk: K, ffnExperts } = trace.model;
  const byClass: Record<TokenClass, { tokens: number; sum: number }> = {
    punctuation: { tokens: 0, sum: 0 },
    function: { tokens: 0, sum: 0 },
    other: { tokens: 0, sum: 0 },
  };
  const byDomain = new Map<string, { tokens: number; sum: number }>();
  const perLayer = Array.from({ length: L }, () => ({ punctuation: 0, function: 0, other: 0 }));
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let t = 0; t < trace.tokens; t++) {
    const cls = trace.tokenText ? tokenClass(trace.tokenText[t] ?? '') : undefined;
    let tokenSum = 0;
    for (let l = 0; l < L; l++) {
      let c = 0;
      for (let j = 0; j < K; j++) if (trace.experts[(t * L + l) * K + j] < ffnExperts) c++;
      n++;
      sum += c;
      sumSq += c * c;
      tokenSum += c;
      if (cls) perLayer[l][cls] += c;
    }
    const tokenMean = tokenSum / L;
    if (cls) {
      byClass[cls].tokens++;
      byClass[cls].sum += tokenMean;
    }
    if (trace.tokenDomain && trace.domains) {
      const name = trace.domains[trace.tokenDomain[t]] ?? '?';
      const d = byDomain.get(name) ?? { tokens: 0, sum: 0 };
      d.tokens++;
      d.sum += tokenMean;
      byDomain.set(name, d);
    }
  }
  const mean = n ? sum / n : 0;
  const fig = (x: { tokens: number; sum: number }): ClassFigures => ({ tokens: x.tokens, ffnPerToken: x.tokens ? x.sum / x.tokens : NaN });
  return {
    tokens: trace.tokens,
    ffnPerTokenMean: mean,
    ffnPerTokenStd: n ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : 0,
    byClass: { punctuation: fig(byClass.punctuation), function: fig(byClass.function), other: fig(byClass.other) },
    byClassPerLayer: perLayer.map((p) => ({
      punctuation: p.punctuation / byClass.punctuation.tokens,
      function: p.function / byClass.function.tokens,
      other: p.other / byClass.other.tokens,
    })),
    byDomain: Object.fromEntries([...byDomain].map(([k, v]) => [k, fig(v)])),
  };
}
