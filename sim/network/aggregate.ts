// One collective's traffic on one link, as the fluid backend serves it (fluid-backend.ts).
//
// Served bytes X(t) grow at the aggregate's rate r but never past the bytes started so far S(t)
// (a link cannot serve what is not on it): X(t) = min(S_k, X_k + r_k (t - t_k)) on segment k,
// where a segment starts at each start of one of its transfers and each change of its rate. X is
// non-decreasing, so the time it reaches W is found by a binary search over the segments.
//
// Inside the aggregate its transfers share the service equally (processor sharing): transfer f of
// s_f bytes has left the link once X reaches W(f) = sum over the transfers q started so far of
// min(s_q, s_f). W never exceeds S, so it is always reached. Two ways to know the sizes:
// - by size (`SizedAggregate`): sorted once, with W per position once all have started, and a
//   Fenwick tree over sorted positions before that;
// - by count (`CountedAggregate`): sizes are integer counts (tokens) x one scale, kept as a
//   histogram, with W per count value and a Fenwick tree over count values.

/** Counts every change to a run's aggregates, so a projection can tell it is still exact. */
export interface ChangeCounter {
  version: number;
}

const NO_SEGMENTS = new Float64Array(0);
/** Shared empty list: `watch` replaces it before the first push. */
const NO_WATCHERS: number[] = [];

export abstract class Aggregate {
  readonly link: number;
  readonly owner: ChangeCounter;
  /** Transfers and bytes its collective puts on the link. */
  weight = 0;
  totalBytes = 0;
  /** Transfers and bytes started so far. */
  startedCount = 0;
  startedBytes = 0;
  /** Whether it is on the link (started, not yet fully served), and its rate there. */
  on = false;
  rate = 0;
  /** Time of its pending end event (-1: none). */
  endAt = -1;
  /** Parts (backend ids) whose projected last transfer is on this aggregate. */
  watchers: number[] = NO_WATCHERS;

  /** Segments: [t, X, r, S] x n (allocated on the first start). */
  private seg: Float64Array = NO_SEGMENTS;
  private segs = 0;

  constructor(link: number, owner: ChangeCounter) {
    this.link = link;
    this.owner = owner;
  }

  /** Leaves the link at t having served everything (exactly: its last projections must be reachable). */
  finish(t: number): void {
    this.push(t, this.startedBytes, 0, this.startedBytes);
    this.rate = 0;
  }

  /**
   * Room for its first segments, carved by the owner from one buffer for all its aggregates (a
   * typed array per aggregate, grown by doubling, cost more than the simulation of its segments).
   * More segments than fit move to an array of its own.
   */
  provideSegments(store: Float64Array): void {
    if (this.segs === 0) this.seg = store;
  }

  /** Registers part p (a backend id) to be re-projected if this aggregate's rate rises. */
  watch(p: number): void {
    if (this.watchers === NO_WATCHERS) this.watchers = [];
    // A part re-projected onto the same aggregate is registered once (each wake re-projects it).
    else if (this.watchers[this.watchers.length - 1] === p) return;
    this.watchers.push(p);
  }

  /** Bytes served by `t` (t at or after the last segment's start). */
  servedAt(t: number): number {
    const b = (this.segs - 1) * 4;
    if (b < 0) return 0;
    const seg = this.seg;
    const x = seg[b + 1]! + seg[b + 2]! * (t - seg[b]!);
    return x < seg[b + 3]! ? x : seg[b + 3]!;
  }

  /** `count` transfers of `bytes` in all start at t (the subclass records their sizes first). */
  protected started(t: number, count: number, bytes: number): void {
    const x = this.servedAt(t);
    this.owner.version++;
    this.startedCount += count;
    this.startedBytes += bytes;
    this.push(t, x, this.rate, this.startedBytes);
  }

  /**
   * Changes the rate from `t` on. Leaving the link (rate 0 once everything is served) changes no
   * projection, so it does not count as a change.
   */
  setRate(t: number, rate: number): void {
    if (rate > 0 || this.servedAt(t) < this.totalBytes) this.owner.version++;
    this.push(t, this.servedAt(t), rate, this.startedBytes);
    this.rate = rate;
  }

  /** The time served bytes reach w (Infinity if not at the current rate and started bytes). */
  timeToServe(w: number): number {
    const seg = this.seg;
    const n = this.segs;
    if (n === 0) return Infinity;
    const last = (n - 1) * 4;
    // W and the started bytes are sums of the same sizes in different orders: equal up to rounding.
    if (w > seg[last + 3]! && w <= seg[last + 3]! * (1 + 1e-9)) w = seg[last + 3]!;
    // The common case: reached in the open last segment.
    if (seg[last + 1]! < w) {
      if (w > seg[last + 3]! || !(seg[last + 2]! > 0)) return Infinity;
      return seg[last]! + (w - seg[last + 1]!) / seg[last + 2]!;
    }
    if (seg[1]! >= w) return seg[0]!;
    // Last segment whose starting X is below w (X is non-decreasing and continuous).
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (seg[mid * 4 + 1]! < w) lo = mid;
      else hi = mid - 1;
    }
    const b = lo * 4;
    if (!(seg[b + 2]! > 0)) return seg[b + 4]!;
    const at = seg[b]! + (w - seg[b + 1]!) / seg[b + 2]!;
    return at < seg[b + 4]! ? at : seg[b + 4]!;
  }

  private push(t: number, x: number, r: number, s: number): void {
    let b = (this.segs - 1) * 4;
    if (b < 0 || this.seg[b] !== t) {
      if ((this.segs + 1) * 4 > this.seg.length) {
        const bigger = new Float64Array(Math.max(32, this.seg.length * 2));
        bigger.set(this.seg);
        this.seg = bigger;
      }
      b = this.segs++ * 4;
    }
    this.seg[b] = t;
    this.seg[b + 1] = x;
    this.seg[b + 2] = r;
    this.seg[b + 3] = s;
  }
}

/** Transfers of arbitrary sizes (the generic runner's). */
export class SizedAggregate extends Aggregate {
  private sizes: number[] = [];
  private sorted: Float64Array = new Float64Array(0);
  private fullW: Float64Array = new Float64Array(0);
  private startedAt: Uint8Array = new Uint8Array(0);
  private taken: Int32Array = new Int32Array(0);
  private fenCount: Float64Array | undefined;
  private fenBytes: Float64Array | undefined;

  /** Counts one transfer of `bytes` (before seal). */
  add(bytes: number): void {
    this.weight++;
    this.totalBytes += bytes;
    this.sizes.push(bytes);
  }

  /** Sorts the sizes; W per position for when every transfer has started. */
  seal(): void {
    const m = this.sizes.length;
    const sorted = Float64Array.from(this.sizes).sort();
    this.sizes = [];
    this.sorted = sorted;
    this.fullW = new Float64Array(m);
    this.startedAt = new Uint8Array(m);
    this.taken = new Int32Array(m);
    let sum = 0;
    for (let j = 0; j < m; j++) {
      this.fullW[j] = sum + (m - j) * sorted[j]!;
      sum += sorted[j]!;
    }
  }

  /** The first sorted position of `bytes` (equal sizes share W). */
  positionOf(bytes: number): number {
    const a = this.sorted;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! < bytes) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** A distinct sorted position for one transfer whose size starts at `first` (once per transfer). */
  claim(first: number): number {
    return first + this.taken[first]!++;
  }

  start(t: number, bytes: number, own: number): void {
    this.startedAt[own] = 1;
    if (this.fenCount) {
      fenwickAdd(this.fenCount, own, 1);
      fenwickAdd(this.fenBytes!, own, bytes);
    }
    this.started(t, 1, bytes);
  }

  /** W for a transfer of `bytes` whose size starts at sorted position `first`. */
  threshold(first: number, bytes: number): number {
    if (this.startedCount === this.weight) return this.fullW[first]!;
    if (!this.fenCount) {
      const m = this.sorted.length;
      this.fenCount = new Float64Array(m + 1);
      this.fenBytes = new Float64Array(m + 1);
      for (let p = 0; p < m; p++) {
        if (!this.startedAt[p]) continue;
        fenwickAdd(this.fenCount, p, 1);
        fenwickAdd(this.fenBytes, p, this.sorted[p]!);
      }
    }
    // Started transfers below `first` are smaller and count whole; the others count s_f each.
    const countBelow = fenwickSum(this.fenCount, first);
    return fenwickSum(this.fenBytes!, first) + (this.startedCount - countBelow) * bytes;
  }
}

/** Transfers of integer counts x one scale (a direct all-to-all's token counts x bytes per token). */
export class CountedAggregate extends Aggregate {
  readonly scale: number;
  /** Transfers per count value (a view the owner fills before seal); W per count value once all have started. */
  private readonly histogram: Float64Array<ArrayBufferLike>;
  private fullW: Float64Array = EMPTY;
  /** Started transfers per count value (a view the owner may increment directly, then `commitStaged`). */
  readonly startedByCount: Float64Array<ArrayBufferLike>;
  private fenCount: Float64Array | undefined;
  private fenBytes: Float64Array | undefined;
  private stagedCount = 0;
  private stagedTokens = 0;
  /** Changes to this aggregate, and the time by count value as of `cachedAt` changes (small counts only). */
  private changes = 0;
  private cachedAt = -1;
  /** When a transfer of each count value leaves, as of `cachedAt` changes (small count ranges only). */
  timeByCount: Float64Array = EMPTY;

  constructor(link: number, owner: ChangeCounter, scale: number, histogram: Float64Array<ArrayBufferLike>, startedByCount: Float64Array<ArrayBufferLike> = new Float64Array(histogram.length)) {
    super(link, owner);
    this.scale = scale;
    this.histogram = histogram;
    this.startedByCount = startedByCount;
  }

  /** One more transfer of `count` tokens (before seal), for owners that do not fill the histogram themselves. */
  count(count: number): void {
    this.histogram[count]!++;
  }

  /** After the histogram is filled: counts, bytes and W per count value. */
  seal(): void {
    const h = this.histogram;
    let weight = 0;
    let tokens = 0;
    for (let c = 0; c < h.length; c++) {
      weight += h[c]!;
      tokens += c * h[c]!;
    }
    this.weight = weight;
    this.totalBytes = tokens * this.scale;
    if (weight === 0) return;
    // W(c) = scale x (sum over q of min(c_q, c)): below c whole, the rest c each.
    this.fullW = new Float64Array(h.length);
    let below = 0;
    let belowCount = 0;
    for (let c = 0; c < h.length; c++) {
      this.fullW[c] = (below + (weight - belowCount) * c) * this.scale;
      below += c * h[c]!;
      belowCount += h[c]!;
    }
  }

  /** Transfers starting at one instant: stage each, then commit them once (before any projection). */
  stage(count: number): boolean {
    this.startedByCount[count]!++;
    if (this.fenCount) {
      fenwickAdd(this.fenCount, count, 1);
      fenwickAdd(this.fenBytes!, count, count);
    }
    this.stagedTokens += count;
    return this.stagedCount++ === 0;
  }

  /** Bytes staged and not yet committed. */
  stagedBytes(): number {
    return this.stagedTokens * this.scale;
  }

  commit(t: number): void {
    if (this.stagedCount === 0) return;
    this.commitStaged(t, this.stagedCount, this.stagedTokens);
    this.stagedCount = 0;
    this.stagedTokens = 0;
  }

  /** `n` transfers of `tokens` in all, already counted in startedByCount, start at t. */
  commitStaged(t: number, n: number, tokens: number): void {
    if (this.fenCount) {
      // The Fenwick trees were built from startedByCount before these increments: rebuild.
      this.fenCount = undefined;
      this.fenBytes = undefined;
    }
    this.changes++;
    this.started(t, n, tokens * this.scale);
  }

  override setRate(t: number, rate: number): void {
    this.changes++;
    super.setRate(t, rate);
  }

  threshold(count: number): number {
    if (this.startedCount === this.weight) return this.fullW[count]!;
    if (!this.fenCount) {
      const started = this.startedByCount;
      const m = started.length;
      this.fenCount = new Float64Array(m + 1);
      this.fenBytes = new Float64Array(m + 1);
      for (let c = 0; c < m; c++) {
        if (started[c]! === 0) continue;
        fenwickAdd(this.fenCount, c, started[c]!);
        fenwickAdd(this.fenBytes, c, started[c]! * c);
      }
    }
    const countBelow = fenwickSum(this.fenCount, count);
    return (fenwickSum(this.fenBytes!, count) + (this.startedCount - countBelow) * count) * this.scale;
  }

  /** When a transfer of `count` tokens leaves this link (cached per count value while nothing changes). */
  timeOfCount(count: number): number {
    if (this.histogram.length > TIME_CACHE_COUNTS) return this.timeToServe(this.threshold(count));
    return this.times()[count]!;
  }

  /** The per-count-value departure times, refreshed if anything changed (small count ranges only). */
  times(): Float64Array {
    if (this.cachedAt !== this.changes) {
      const m = this.histogram.length;
      if (this.timeByCount.length !== m) this.timeByCount = new Float64Array(m);
      for (let c = 1; c < m; c++) this.timeByCount[c] = this.histogram[c]! > 0 ? this.timeToServe(this.threshold(c)) : 0;
      this.cachedAt = this.changes;
    }
    return this.timeByCount;
  }

  /** Whether times() is available (the count range is small enough to cache). */
  get cachesTimes(): boolean {
    return this.histogram.length <= TIME_CACHE_COUNTS;
  }
}

/** Count ranges up to this keep a per-count time cache (decode-sized exchanges). */
const TIME_CACHE_COUNTS = 65;
const EMPTY = new Float64Array(0);

function fenwickAdd(tree: Float64Array, pos: number, value: number): void {
  for (let i = pos + 1; i < tree.length; i += i & -i) tree[i]! += value;
}

/** Sum over positions [0, pos). */
function fenwickSum(tree: Float64Array, pos: number): number {
  let s = 0;
  for (let i = pos; i > 0; i -= i & -i) s += tree[i]!;
  return s;
}
