// What the fluid model's direct runner reads from a traffic matrix before anything starts: the
// counts as 16-bit rows both ways, each rank's transfers, and each port's histogram of transfer
// sizes. An exchange's return direction (combine) reads the same counts as its dispatch,
// transposed, so the shape is computed once for both: the second run reads it with every port's
// direction flipped (a rank's out-ports are its twin's in-ports). The passes over the n x n counts
// are the runner's set-up cost; sharing them halves it for a decode step's exchanges.
import type { TrafficMatrix } from './collective-op.ts';

/** Counts above this go to the generic runner (its histograms would be too large). */
const MAX_DIRECT_COUNT = 4096;

/** Port classes of a rank: out over NVLink, out over the NIC, in over NVLink, in over the NIC. */
export const OUT_NV = 0;
export const OUT_NIC = 1;
export const IN_NV = 2;
export const IN_NIC = 3;

/** A matrix as the runner that first read it sees it (rank i sends counts[i * n + j] tokens to j). */
export interface DirectShape {
  n: number;
  /** Which way round it read its matrix (its twin reads the same counts the other way). */
  transposed: boolean;
  gpus: readonly number[];
  counts: Uint16Array;
  /** countsT[j * n + i] = counts[i * n + j]: what each rank receives, as a row. */
  countsT: Uint16Array;
  /** Per rank: transfers it sends plus those it receives (the same either way round). */
  transfers: Int32Array;
  sentTokens: Float64Array;
  receivedTokens: Float64Array;
  /** Per port (4 * rank + class): its largest count (0: it carries nothing), and its histogram row's start. */
  largest: Int32Array;
  rowStart: Int32Array;
  /** Transfers per count value, every port's row in one buffer (read only once built). */
  histogram: Float64Array;
  /** Per ordered node pair (relative to the group's first node): the largest count between them. */
  pairLargest: Int32Array;
}

/** How a runner reads a shape: as computed, or flipped (its twin's return direction). */
export interface ShapeView {
  shape: DirectShape;
  flipped: boolean;
}

/**
 * Shapes of the last few matrices, so a return direction finds its dispatch's. Bounded: an entry
 * goes once its twin has read it, or when newer ones push it out.
 */
export class ShapeCache {
  private readonly entries = new Map<ArrayLike<number>, DirectShape>();
  constructor(private readonly capacity = 8) {}

  /**
   * The shape of `matrix` among `gpus` (node[r]: rank r's node, relative to the group's first of
   * `nodes`), or undefined if its counts do not suit the direct runner (not integers up to
   * MAX_DIRECT_COUNT).
   */
  viewOf(matrix: TrafficMatrix, gpus: readonly number[], node: Int32Array, nodes: number): ShapeView | undefined {
    const transposed = matrix.transposed ?? false;
    const twin = this.entries.get(matrix.counts);
    if (twin && twin.n === matrix.n && twin.transposed !== transposed && sameGpus(twin.gpus, gpus)) {
      this.entries.delete(matrix.counts);
      return { shape: twin, flipped: true };
    }
    const shape = directShape(matrix, gpus, node, nodes);
    if (!shape) return undefined;
    this.entries.delete(matrix.counts);
    this.entries.set(matrix.counts, shape);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return { shape, flipped: false };
  }
}

function sameGpus(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Computes a matrix's shape (undefined: counts that are not integers in 0..MAX_DIRECT_COUNT). */
export function directShape(matrix: TrafficMatrix, gpus: readonly number[], node: Int32Array, nodes: number): DirectShape | undefined {
  const n = matrix.n;
  const both = bothWays(matrix);
  if (!both) return undefined;
  const { counts, countsT } = both;
  const transfers = new Int32Array(n);
  const sentTokens = new Float64Array(n);
  const receivedTokens = new Float64Array(n);
  const largest = new Int32Array(4 * n);
  const pairLargest = new Int32Array(nodes * nodes);
  for (let i = 0; i < n; i++) {
    const ni = node[i]!;
    let sent = 0;
    for (let j = 0; j < n; j++) {
      const c = counts[i * n + j]!;
      if (c === 0 || i === j) continue;
      sent += c;
      receivedTokens[j]! += c;
      transfers[i]!++;
      transfers[j]!++;
      const nj = node[j]!;
      const out = 4 * i + (ni === nj ? OUT_NV : OUT_NIC);
      const into = 4 * j + (ni === nj ? IN_NV : IN_NIC);
      if (c > largest[out]!) largest[out] = c;
      if (c > largest[into]!) largest[into] = c;
      const pair = ni * nodes + nj;
      if (ni !== nj && c > pairLargest[pair]!) pairLargest[pair] = c;
    }
    sentTokens[i] = sent;
  }
  // Each histogram row is as wide as its port's largest count + 1: a hot pair widens only its own ports.
  const rowStart = new Int32Array(4 * n + 1);
  for (let p = 0; p < 4 * n; p++) rowStart[p + 1] = rowStart[p]! + (largest[p]! > 0 ? largest[p]! + 1 : 0);
  const histogram = new Float64Array(rowStart[4 * n]!);
  for (let i = 0; i < n; i++) {
    const ni = node[i]!;
    for (let j = 0; j < n; j++) {
      const c = counts[i * n + j]!;
      if (c === 0 || i === j) continue;
      const same = node[j] === ni;
      histogram[rowStart[4 * i + (same ? OUT_NV : OUT_NIC)]! + c]!++;
      histogram[rowStart[4 * j + (same ? IN_NV : IN_NIC)]! + c]!++;
    }
  }
  return {
    n,
    transposed: matrix.transposed ?? false,
    gpus,
    counts,
    countsT,
    transfers,
    sentTokens,
    receivedTokens,
    largest,
    rowStart: rowStart.subarray(0, 4 * n),
    histogram,
    pairLargest,
  };
}

/**
 * The matrix's counts as rank-major rows (row i = what rank i sends) and transposed (row j = what
 * rank j receives, which the peer loop reads as a row), in one pass that also checks they suit the
 * runner. 16 bits, as MAX_DIRECT_COUNT allows: at 256 ranks the two fit a 512 KB L2.
 */
function bothWays(m: TrafficMatrix): { counts: Uint16Array; countsT: Uint16Array } | undefined {
  const n = m.n;
  const c = m.counts;
  const stored = new Uint16Array(n * n);
  const other = new Uint16Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = c[i * n + j]!;
      if (!(v >= 0 && v <= MAX_DIRECT_COUNT && v === Math.floor(v))) return undefined;
      stored[i * n + j] = v;
      other[j * n + i] = v;
    }
  }
  // A transposed matrix stores row j = what rank j receives.
  return m.transposed ? { counts: other, countsT: stored } : { counts: stored, countsT: other };
}
