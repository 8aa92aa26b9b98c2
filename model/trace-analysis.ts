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

/** Whitespace-only and punctuation-only pieces are 'punctuation'; a whole function word (any case) is 'function'. */
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
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let t = 0; t < trace.tokens; t++) {
    let tokenSum = 0;
    for (let l = 0; l < L; l++) {
      let c = 0;
      for (let j = 0; j < K; j++) if (trace.experts[(t * L + l) * K + j] < ffnExperts) c++;
      n++;
      sum += c;
      sumSq += c * c;
      tokenSum += c;
    }
    const perLayer = tokenSum / L;
    if (trace.tokenText) {
      const k = byClass[tokenClass(trace.tokenText[t] ?? '')];
      k.tokens++;
      k.sum += perLayer;
    }
    if (trace.tokenDomain && trace.domains) {
      const name = trace.domains[trace.tokenDomain[t]] ?? '?';
      const d = byDomain.get(name) ?? { tokens: 0, sum: 0 };
      d.tokens++;
      d.sum += perLayer;
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
    byDomain: Object.fromEntries([...byDomain].map(([k, v]) => [k, fig(v)])),
  };
}
