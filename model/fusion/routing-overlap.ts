// How much two models agree on which FFN experts a domain uses: per MoE layer, the top-k FFN
// experts by load (tokens routed) on the domain's validation windows, compared by Jaccard
// |A n B| / |A u B|, averaged over layers. 1 = the same experts, 0 = disjoint. Pure.

/** The k expert ids with the largest load (ties go to the lower id), ascending by id. */
export function topExperts(loads: ArrayLike<number>, k: number): number[] {
  const ids = Array.from({ length: loads.length }, (_, i) => i);
  ids.sort((a, b) => loads[b] - loads[a] || a - b);
  return ids.slice(0, Math.min(k, ids.length)).sort((a, b) => a - b);
}

export function jaccard(a: readonly number[], b: readonly number[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  const union = sa.size + sb.size - inter;
  return union === 0 ? 1 : inter / union;
}

/** Mean over layers of the Jaccard index of the top-k sets; `a` and `b` are [layer][expert] loads. */
export function topExpertOverlap(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[], k: number): number {
  if (a.length !== b.length) throw new Error(`topExpertOverlap: ${a.length} vs ${b.length} layers`);
  if (a.length === 0) return NaN;
  let sum = 0;
  for (let l = 0; l < a.length; l++) sum += jaccard(topExperts(a[l], k), topExperts(b[l], k));
  return sum / a.length;
}

/** Default k: a quarter of the FFN experts (8 of tiny's 32, 128 of longcat-shape's 512). */
export function defaultTopK(ffnExperts: number): number {
  return Math.max(1, Math.floor(ffnExperts / 4));
}
