// Step 1 of the fusion (LongCat-Flash-Thinking 2.1): L2 normalisation of the experts' task
// vectors on one tensor, so no domain dominates by scale. Each tau_i is rescaled to the mean L2
// norm s of the non-zero task vectors (not to 1, so the update keeps its typical size):
//   tau_i' = tau_i * s / ||tau_i||,   s = mean_{i: ||tau_i|| > 0} ||tau_i||.
// A zero task vector has no direction and stays zero. Pure.
import { l2Norm } from './task-vectors.ts';

export interface NormalizedTaskVectors {
  vectors: Float32Array[];
  /** ||tau_i|| before normalisation. */
  norms: number[];
  /** The common norm s (0 when every task vector is zero). */
  scale: number;
}

export function normalizeTaskVectors(taus: readonly Float32Array[]): NormalizedTaskVectors {
  const norms = taus.map(l2Norm);
  const nonZero = norms.filter((n) => n > 0);
  const scale = nonZero.length ? nonZero.reduce((a, b) => a + b, 0) / nonZero.length : 0;
  const vectors = taus.map((tau, i) => {
    const out = new Float32Array(tau.length);
    if (norms[i] === 0) return out;
    const f = scale / norms[i];
    for (let j = 0; j < tau.length; j++) out[j] = tau[j] * f;
    return out;
  });
  return { vectors, norms, scale };
}
