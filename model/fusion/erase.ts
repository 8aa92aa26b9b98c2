// Step 4 of the fusion (LongCat-Flash-Thinking 2.3, after SCE/TIES): where the experts disagree
// in sign on an entry, the minority side is erased. Two elections:
//   count (default): the sign more experts' non-zero updates take, each expert one vote whatever
//     its size, as in the article's example (+0.2, +0.25, -0.8 erases the -0.8). A tied vote
//     (always the case for two experts that disagree) falls back to the mass rule;
//   mass: the sign of the weighted sum sum_i w_i tau_ij (TIES), which would keep the -0.8.
// When the deciding sum is exactly 0 there is no elected sign and nothing is erased. Pure.
import type { SignElection } from '../options/index.ts';

/** Per entry: +1 or -1, or 0 when there is no election (all zero, or tied in count and in sum). */
export function electSigns(taus: readonly Float32Array[], weights: readonly number[], election: SignElection = 'count'): Int8Array {
  const n = taus[0]?.length ?? 0;
  const signs = new Int8Array(n);
  for (let j = 0; j < n; j++) {
    let votes = 0;
    let mass = 0;
    for (let i = 0; i < taus.length; i++) {
      const v = taus[i][j];
      if (v > 0) votes++;
      else if (v < 0) votes--;
      mass += weights[i] * v;
    }
    signs[j] = election === 'count' && votes !== 0 ? Math.sign(votes) : (Math.sign(mass) as -1 | 0 | 1);
  }
  return signs;
}

export interface EraseResult {
  vectors: Float32Array[];
  /** erased[i][j] = 1 when expert i's entry j was erased. */
  erased: Uint8Array[];
  /** Entries erased over all experts. */
  count: number;
}

/** Zeroes every entry whose sign opposes the elected one (entries with no election are kept). */
export function eraseMinority(taus: readonly Float32Array[], signs: Int8Array): EraseResult {
  let count = 0;
  const erased = taus.map(() => new Uint8Array(signs.length));
  const vectors = taus.map((tau, i) => {
    const out = Float32Array.from(tau);
    for (let j = 0; j < tau.length; j++) {
      if (signs[j] !== 0 && tau[j] !== 0 && Math.sign(tau[j]) !== signs[j]) {
        out[j] = 0;
        erased[i][j] = 1;
        count++;
      }
    }
    return out;
  });
  return { vectors, erased, count };
}
