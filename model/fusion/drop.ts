// Step 3 of the fusion (LongCat-Flash-Thinking 2.2, after DARE): each entry of a task vector is
// zeroed with probability P, and the survivors are multiplied by 1/(1-P) (DARE's rescale), so the
// expected update is unchanged and only its redundancy is thinned. One draw per entry, in order,
// whatever its value, so the mask depends only on the Rng (seeded by the caller with createRng). Pure.
import type { Rng } from '../../sim/core/index.ts';

export interface DropResult {
  vector: Float32Array;
  /** Entries zeroed by the drop (including ones that were already zero). */
  dropped: number;
}

export function dropEntries(tau: Float32Array, rate: number, rng: Rng): DropResult {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropEntries: rate must be in [0, 1); got ${rate}`);
  const out = new Float32Array(tau.length);
  if (rate === 0) {
    out.set(tau);
    return { vector: out, dropped: 0 };
  }
  const keep = 1 / (1 - rate);
  let dropped = 0;
  for (let j = 0; j < tau.length; j++) {
    if (rng.next() < rate) dropped++;
    else out[j] = tau[j] * keep;
  }
  return { vector: out, dropped };
}
