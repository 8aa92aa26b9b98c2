// Step 2 and 5 of the fusion: the experts' weights, and the weighted combination of their
// (normalised, dropped, erased) task vectors into one update
//   delta_j = sum_i w_i tau_ij / sum_{i not erased at j} w_i,
// with sum_i w_i = 1. Without erasing the denominator is 1 (a weighted average; uniform weights
// give plain task-vector averaging); with it, the survivors of an entry are averaged over their
// own weights (TIES's disjoint mean), so an erased minority does not shrink the majority's update.
// Only erased entries leave the denominator: a zero entry (the expert left it unchanged, or the
// drop took it, whose survivors were already rescaled by 1/(1-P)) is a real "no change". Pure.

/** w_i = 1/n. */
export function uniformWeights(n: number): number[] {
  return Array.from({ length: n }, () => 1 / n);
}

/**
 * w_i proportional to gain_i = (base loss - expert i's loss) on expert i's own domain, negative
 * gains counted as 0; uniform when no expert gained. Returns the weights and whether they fell
 * back to uniform.
 */
export function performanceWeights(gains: readonly number[]): { weights: number[]; fellBack: boolean } {
  const g = gains.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  const total = g.reduce((a, b) => a + b, 0);
  if (total === 0) return { weights: uniformWeights(gains.length), fellBack: true };
  return { weights: g.map((x) => x / total), fellBack: false };
}

export function combineTaskVectors(taus: readonly Float32Array[], weights: readonly number[], erased?: readonly Uint8Array[]): Float32Array {
  if (taus.length === 0) throw new Error('combineTaskVectors: no task vectors');
  if (weights.length !== taus.length) throw new Error(`combineTaskVectors: ${weights.length} weights for ${taus.length} task vectors`);
  const n = taus[0].length;
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    let denom = 0;
    for (let i = 0; i < taus.length; i++) {
      sum += weights[i] * taus[i][j];
      if (!(erased && erased[i][j])) denom += weights[i];
    }
    out[j] = denom > 0 ? sum / denom : 0;
  }
  return out;
}
