// One step's tokens for every rank of an EP group, drawn in a single sampleTokens call and split
// into consecutive per-rank slices (views, no copy). One call matters: prefill ranks then hold
// consecutive chunks of one stream, and uniform routing is exactly balanced over the whole step.
import type { Rng } from '../core/index.ts';
import type { RoutingSource } from './routing-source.ts';

/** tokensPerRank: one count for every rank, or one count per rank. */
export function sampleStepTokens(
  source: RoutingSource,
  rng: Rng,
  ranks: number,
  tokensPerRank: number | ArrayLike<number>,
  contiguous: boolean,
): Int32Array[] {
  const counts = typeof tokensPerRank === 'number' ? new Array<number>(ranks).fill(tokensPerRank) : Array.from(tokensPerRank);
  if (counts.length !== ranks) throw new RangeError(`sampleStepTokens: ${counts.length} counts for ${ranks} ranks`);
  let total = 0;
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`sampleStepTokens: token counts must be non-negative integers; got ${c}`);
    total += c;
  }
  const all = source.sampleTokens(rng, total, contiguous);
  const out: Int32Array[] = [];
  let at = 0;
  for (const c of counts) {
    out.push(all.subarray(at, at + c));
    at += c;
  }
  return out;
}
