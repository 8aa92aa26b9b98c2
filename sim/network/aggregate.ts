// One collective's traffic on one link, as the fluid backend serves it (fluid-backend.ts).
//
// Served bytes X(t) grow at the aggregate's rate r but never past the bytes started so far S(t)
// (a link cannot serve what is not on it): X(t) = min(S_k, X_k + r_k (t - t_k)) on segment k,
// where a segment starts at each change of its rate and at each start that finds the link caught
// up (a start while backlogged only raises the open segment's cap). X is non-decreasing, so the
// time it reaches a value is found by a binary search over the segments.
//
// Inside the aggregate its transfers share the service equally (processor sharing). Two forms:
// - by count (`CountedAggregate`, the direct all-to-all's ports): sizes are integer counts
//   (tokens) x one scale, kept as a histogram; transfer f has left once X reaches
//   W(f) = sum over the transfers q started so far of min(s_q, s_f), which is processor sharing
//   for transfers that start together (a rank's sends all start with its part), with W per count
//   value and a Fenwick tree over count values while some have not started;
// - by size (`SizedAggregate`, the generic runner's relays and rings, whose pieces start one
//   after another): generalized processor sharing run exactly, each transfer from its own start
//   (see the class).
// Either way the leave point never exceeds S, so it is always reached.

import { SimInvariantError } from '../core/index.ts';

/** Counts every change to a run's aggregates, so a projection can tell it is still exact. */
export interface ChangeCounter {
  version: number;
}

const NO_SEGMENTS = new Float64Array(0);

/** Bytes the segment [t0, X, r, S] at seg[b..] has served by t: X + r (t - t0), never past S. */
function servedIn(seg: Float64Array, b: number, t: number): number {
  const x = seg[b + 1]! + seg[b + 2]! * (t - seg[b]!);
  return x < seg[b + 3]! ? x : seg[b + 3]!;
}
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
  /**
   * Bumped by every change to what its leave times are computed from (a start, a rate, its end),
   * so times computed from it can be kept until it changes: a counted aggregate's times row, a
   * generic runner's drain time of a transfer.
   */
  revision = 0;

  /** Segments: [t, X, r, S] x segs, from seg[segBase] on, room for segRoom (own array from the first start, or a slice of the owner's). */
  private seg: Float64Array = NO_SEGMENTS;
  private segBase = 0;
  private segRoom = 0;
  private segs = 0;

  constructor(link: number, owner: ChangeCounter) {
    this.link = link;
    this.owner = owner;
  }

  /** Leaves the link at t having served everything (exactly: its last projections must be reachable). */
  finish(t: number): void {
    this.revision++;
    this.push(t, this.startedBytes, 0, this.startedBytes);
    this.rate = 0;
  }

  /**
   * Room for its first `room` segments at store[base..], carved by the owner from one buffer for
   * all its aggregates (a typed array, or even a view, per aggregate cost more than the simulation
   * of its segments). More segments than fit move to an array of its own.
   */
  provideSegments(store: Float64Array, base: number, room: number): void {
    if (this.segs > 0) return;
    this.seg = store;
    this.segBase = base;
    this.segRoom = room;
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
    return this.segs === 0 ? 0 : servedIn(this.seg, this.segBase + (this.segs - 1) * 4, t);
  }

  /** `count` transfers of `bytes` in all start at t (the subclass records their sizes first). */
  protected started(t: number, count: number, bytes: number): void {
    const x = this.servedAt(t);
    this.owner.version++;
    this.revision++;
    this.startedCount += count;
    this.startedBytes += bytes;
    // Backlogged (served less than started): X keeps its course and only its cap S rises, which
    // the open segment can take exactly (X stayed below the old cap all along it). A new segment
    // is needed only when the link had caught up. A port fed by many staggered starts thus keeps
    // a few segments, not one per start.
    if (this.segs > 0) {
      const b = this.segBase + (this.segs - 1) * 4;
      if (x < this.seg[b + 3]!) {
        this.seg[b + 3] = this.startedBytes;
        return;
      }
    }
    this.push(t, x, this.rate, this.startedBytes);
  }

  /**
   * Changes the rate from `t` on. Leaving the link (rate 0 once everything is served) changes no
   * projection, so it does not count as a change.
   */
  setRate(t: number, rate: number): void {
    if (rate > 0 || this.servedAt(t) < this.totalBytes) this.owner.version++;
    this.revision++;
    this.push(t, this.servedAt(t), rate, this.startedBytes);
    this.rate = rate;
  }

  /** The time served bytes reach w (Infinity if not at the current rate and started bytes). */
  timeToServe(w: number): number {
    const seg = this.seg;
    const n = this.segs;
    if (n === 0) return Infinity;
    const base = this.segBase;
    const last = base + (n - 1) * 4;
    // W and the started bytes are sums of the same sizes in different orders: equal up to rounding.
    if (w > seg[last + 3]! && w <= seg[last + 3]! * (1 + 1e-9)) w = seg[last + 3]!;
    // The common case: reached in the open last segment.
    if (seg[last + 1]! < w) {
      if (w > seg[last + 3]! || !(seg[last + 2]! > 0)) return Infinity;
      return seg[last]! + (w - seg[last + 1]!) / seg[last + 2]!;
    }
    if (seg[base + 1]! >= w) return seg[base]!;
    // Last segment whose starting X is below w (X is non-decreasing and continuous).
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (seg[base + mid * 4 + 1]! < w) lo = mid;
      else hi = mid - 1;
    }
    return this.timeInSegment(lo, w);
  }

  /** Segments so far (for scans that walk them in order). */
  protected get segmentCount(): number {
    return this.segs;
  }

  /** Index of the last segment in `store`, or -1 when it has none there (no segment yet, or its own array). */
  protected lastSegmentIn(store: Float64Array | undefined): number {
    return this.segs > 0 && this.seg === store ? this.segBase + (this.segs - 1) * 4 : -1;
  }

  /** Starting X of segment k. */
  protected servedAtSegment(k: number): number {
    return this.seg[this.segBase + k * 4 + 1]!;
  }

  /** The time X reaches w inside segment k (w above its starting X; not past the next's start). */
  protected timeInSegment(k: number, w: number): number {
    const seg = this.seg;
    const b = this.segBase + k * 4;
    if (!(seg[b + 2]! > 0)) return seg[b + 4]!;
    const at = seg[b]! + (w - seg[b + 1]!) / seg[b + 2]!;
    return at < seg[b + 4]! ? at : seg[b + 4]!;
  }

  private push(t: number, x: number, r: number, s: number): void {
    let b = this.segBase + (this.segs - 1) * 4;
    if (this.segs === 0 || this.seg[b] !== t) {
      if (this.segs === this.segRoom) {
        const room = Math.max(8, this.segRoom * 2);
        const own = new Float64Array(room * 4);
        own.set(this.seg.subarray(this.segBase, this.segBase + this.segs * 4));
        this.seg = own;
        this.segBase = 0;
        this.segRoom = room;
      }
      b = this.segBase + this.segs++ * 4;
    }
    this.seg[b] = t;
    this.seg[b + 1] = x;
    this.seg[b + 2] = r;
    this.seg[b + 3] = s;
  }
}

/**
 * Transfers of arbitrary sizes that may start at any time (the generic runner's): processor
 * sharing run exactly, as generalized processor sharing in served-bytes space. Every active
 * transfer gets the same share, so a virtual clock V advancing at dV/dX = 1/N (N active transfers)
 * measures what each has received; transfer f started when V was V_f leaves when V reaches its
 * tag F_f = V_f + s_f. From the sweep point (X_s, V_s) of the last start, with no later start,
 * f leaves the link when X reaches
 *
 *     X_f = X_s + sum over active q of min(F_q, F_f) - N V_s
 *
 * (each active transfer is served up to the smaller of its own tag and f's). Transfers started
 * together give the simultaneous-start W of the counted aggregate. A later start only adds a
 * competitor, so a projection from these can only be early.
 */
export class SizedAggregate extends Aggregate {
  private slots = 0;
  /** Per slot: its tag, and the served bytes at which it left (-1: not yet, as of the sweep point). */
  private tag: Float64Array = new Float64Array(0);
  private leftAt: Float64Array = new Float64Array(0);
  /** Active tags, sorted, in [head, tail), with the slot of each; prefix sums from head (when not stale). */
  private sortedTags: Float64Array = new Float64Array(0);
  private sortedSlots: Int32Array = new Int32Array(0);
  private prefix: Float64Array = new Float64Array(0);
  private prefixStale = true;
  private head = 0;
  private tail = 0;
  /** The sweep point: served bytes and virtual time at the last start. */
  private sweptX = 0;
  private sweptV = 0;

  /** Counts one transfer of `bytes` (before seal). */
  add(bytes: number): void {
    this.weight++;
    this.totalBytes += bytes;
  }

  /** Sizes the per-transfer arrays (after every add). */
  seal(): void {
    const m = this.weight;
    this.tag = new Float64Array(m);
    this.leftAt = new Float64Array(m).fill(-1);
    this.sortedTags = new Float64Array(m);
    this.sortedSlots = new Int32Array(m);
    this.prefix = new Float64Array(m + 1);
  }

  /** A slot for one of its transfers (once per transfer, after seal). */
  claim(): number {
    return this.slots++;
  }

  /** The transfer in `slot` (`bytes`) starts at t. */
  start(t: number, bytes: number, slot: number): void {
    this.sweepTo(this.servedAt(t));
    const f = this.sweptV + bytes;
    this.tag[slot] = f;
    // Insert into the sorted active tags (after equal ones).
    const tags = this.sortedTags;
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tags[mid]! <= f) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.tail) {
      tags.copyWithin(lo + 1, lo, this.tail);
      this.sortedSlots.copyWithin(lo + 1, lo, this.tail);
    }
    tags[lo] = f;
    this.sortedSlots[lo] = slot;
    this.tail++;
    this.prefixStale = true;
    this.started(t, 1, bytes);
  }

  /** Moves the sweep point to served bytes x, retiring the transfers that left before. */
  private sweepTo(x: number): void {
    const tags = this.sortedTags;
    while (this.tail > this.head) {
      const n = this.tail - this.head;
      const next = tags[this.head]!;
      const reach = this.sweptX + n * (next - this.sweptV);
      if (reach > x) {
        this.sweptV += (x - this.sweptX) / n;
        this.sweptX = x;
        return;
      }
      this.sweptX = reach;
      this.sweptV = next;
      while (this.head < this.tail && tags[this.head]! <= next) this.leftAt[this.sortedSlots[this.head++]!] = reach;
      this.prefixStale = true;
    }
    this.sweptX = x;
  }

  /** Served bytes at which the transfer in `slot` leaves the link, if nothing else starts. */
  leaveAt(slot: number): number {
    const left = this.leftAt[slot]!;
    if (left >= 0) return left;
    const f = this.tag[slot]!;
    const { sortedTags: tags, prefix, head, tail } = this;
    if (this.prefixStale) {
      // prefix[i] is the sum of tags[head .. i).
      let sum = 0;
      prefix[head] = 0;
      for (let i = head; i < tail; i++) prefix[i + 1] = sum += tags[i]!;
      this.prefixStale = false;
    }
    // Active tags up to f count whole, the later ones f each.
    let lo = head;
    let hi = tail;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tags[mid]! <= f) lo = mid + 1;
      else hi = mid;
    }
    const served = prefix[lo]! + (tail - lo) * f - (tail - head) * this.sweptV;
    return this.sweptX + served;
  }
}

/**
 * Rows of per-count-value numbers for many counted aggregates in shared buffers (one typed array
 * each, not one per aggregate: creating them cost more than simulating small exchanges). An
 * aggregate's row is [base, base + width) in each.
 */
export class CountRows {
  /** Transfers per count value. */
  readonly histogram: Float64Array;
  /** W per count value once every transfer has started. */
  readonly fullW: Float64Array;
  /** Started transfers per count value (an owner may increment it directly, then `commitStaged`). */
  readonly started: Float64Array;
  /** The started transfers and their tokens as Fenwick trees over count values, rebuilt in place
   *  when W is needed while some transfers have not started. */
  readonly startedTree: Float64Array;
  readonly tokensTree: Float64Array;
  /** Departure time per count value, as of the aggregate's last refresh. */
  readonly times: Float64Array;
  /** Per row (an aggregate's `row`): 1 when its times are stale, so an owner can check many rows without touching the aggregates. */
  readonly stale: Uint8Array;
  /**
   * Per row: transfers started by `startBacklogged` (the cap of the last segment raised in
   * `segments` directly); the aggregate adds them to its counts before anything reads them.
   */
  readonly lazyStarts: Float64Array;
  /** Per row: index of the aggregate's last segment in `segments` (-1: none there). */
  readonly lastSegment: Int32Array;
  /** The segment store the owner provided to these aggregates (provideSegments), if one. */
  segments: Float64Array | undefined;

  /** `histogram`: an owner's filled histogram to read (shared, never written here), else a fresh one. */
  constructor(size: number, rows = 1, histogram?: Float64Array) {
    this.stale = new Uint8Array(rows).fill(1);
    this.lazyStarts = new Float64Array(rows);
    this.lastSegment = new Int32Array(rows).fill(-1);
    this.histogram = histogram ?? new Float64Array(size);
    this.started = new Float64Array(size);
    this.fullW = new Float64Array(size);
    this.startedTree = new Float64Array(size);
    this.tokensTree = new Float64Array(size);
    this.times = new Float64Array(size);
  }

  /**
   * Starts `count` transfers of `bytes` in all at t on row `row`'s aggregate, without touching it,
   * when that is all a start does: the aggregate is on its link, this is not its last start, and
   * it is backlogged (served less than started, as Aggregate.started tests it), so only its open
   * segment's cap rises. Returns false, changing nothing, when the start must go through the
   * aggregate (commitStaged). A decode exchange's ports take most of their starts this way.
   */
  startBacklogged(row: number, t: number, count: number, bytes: number, isLast: boolean): boolean {
    const last = this.lastSegment[row]!;
    if (isLast || last < 0) return false;
    const seg = this.segments!;
    const cap = seg[last + 3]!;
    if (!(servedIn(seg, last, t) < cap)) return false;
    // startedBytes += bytes, then the cap = startedBytes (equal before): the same sum, in the same order.
    seg[last + 3] = cap + bytes;
    this.lazyStarts[row]! += count;
    this.stale[row] = 1;
    return true;
  }
}

/** Transfers of integer counts x one scale (a direct all-to-all's token counts x bytes per token). */
export class CountedAggregate extends Aggregate {
  readonly scale: number;
  /** This aggregate's row in `rows`: count values 0 .. width - 1 from `base` on. */
  readonly rows: CountRows;
  readonly base: number;
  readonly width: number;
  private stagedCount = 0;
  private stagedTokens = 0;
  /** The revision as of the last rebuild of the Fenwick trees, and of the times row. */
  private treesAt = -1;
  private timesAt = -1;

  /** Its index among the rows' aggregates (for `rows.stale`). */
  readonly row: number;

  constructor(link: number, owner: ChangeCounter, scale: number, rows: CountRows, base: number, width: number, row = 0) {
    super(link, owner);
    this.scale = scale;
    this.rows = rows;
    this.base = base;
    this.width = width;
    this.row = row;
  }

  /** One more transfer of `count` tokens (before seal), for owners that do not fill the histogram themselves. */
  count(count: number): void {
    // A typed array ignores a write past its end: a row sized too small would lose transfers silently.
    if (!(count >= 1 && count < this.width)) throw new SimInvariantError(`link ${this.link}: a transfer of ${count} tokens outside its histogram (counts 1..${this.width - 1})`);
    this.rows.histogram[this.base + count]!++;
  }

  /** After the histogram is filled: counts, bytes and W per count value. */
  seal(): void {
    const { histogram: h, fullW } = this.rows;
    const base = this.base;
    const m = this.width;
    let weight = 0;
    let tokens = 0;
    for (let c = 0; c < m; c++) {
      weight += h[base + c]!;
      tokens += c * h[base + c]!;
    }
    this.weight = weight;
    this.totalBytes = tokens * this.scale;
    if (weight === 0) return;
    // W(c) = scale x (sum over q of min(c_q, c)): below c whole, the rest c each.
    let below = 0;
    let belowCount = 0;
    for (let c = 0; c < m; c++) {
      fullW[base + c] = (below + (weight - belowCount) * c) * this.scale;
      below += c * h[base + c]!;
      belowCount += h[base + c]!;
    }
  }

  /** Transfers starting at one instant: stage each, then commit them once (before any projection). */
  stage(count: number): boolean {
    this.rows.started[this.base + count]!++;
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

  /** `n` transfers of `tokens` in all, already counted in the started row, start at t. */
  commitStaged(t: number, n: number, tokens: number): void {
    this.applyLazyStarts();
    this.rows.stale[this.row] = 1;
    this.started(t, n, tokens * this.scale);
    this.rows.lastSegment[this.row] = this.lastSegmentIn(this.rows.segments);
  }

  override setRate(t: number, rate: number): void {
    this.applyLazyStarts();
    this.rows.stale[this.row] = 1;
    super.setRate(t, rate);
    this.rows.lastSegment[this.row] = this.lastSegmentIn(this.rows.segments);
  }

  override finish(t: number): void {
    this.applyLazyStarts();
    super.finish(t);
    this.rows.lastSegment[this.row] = -1;
  }

  /**
   * Adds the starts made through CountRows.startBacklogged to the counts. Their bytes are already
   * the last segment's cap, summed in the same order `started` sums startedBytes, so startedBytes
   * takes that value exactly.
   */
  private applyLazyStarts(): void {
    const rows = this.rows;
    const lazy = rows.lazyStarts[this.row]!;
    if (lazy === 0) return;
    rows.lazyStarts[this.row] = 0;
    this.startedCount += lazy;
    this.startedBytes = rows.segments![rows.lastSegment[this.row]! + 3]!;
    this.revision++;
  }

  /** W for a transfer of `count` tokens, as of the started transfers (lazy starts applied by the caller). */
  private threshold(count: number): number {
    if (this.startedCount === this.weight) return this.rows.fullW[this.base + count]!;
    // Started transfers below `count` count whole, the others `count` each.
    const { startedTree, tokensTree } = this.rows;
    const base = this.base - 1; // tree position i (1-based) is at base + i
    if (this.treesAt !== this.revision) this.rebuildTrees();
    let below = 0;
    let tokens = 0;
    for (let i = count; i > 0; i -= i & -i) {
      below += startedTree[base + i]!;
      tokens += tokensTree[base + i]!;
    }
    return (tokens + (this.startedCount - below) * count) * this.scale;
  }

  /** Fenwick trees of the started row, in place (O(width)). */
  private rebuildTrees(): void {
    const { started, startedTree, tokensTree } = this.rows;
    const m = this.width;
    const base = this.base - 1;
    for (let i = 1; i <= m; i++) {
      startedTree[base + i] = started[base + i]!;
      tokensTree[base + i] = started[base + i]! * (i - 1);
    }
    for (let i = 1; i <= m; i++) {
      const up = i + (i & -i);
      if (up > m) continue;
      startedTree[base + up]! += startedTree[base + i]!;
      tokensTree[base + up]! += tokensTree[base + i]!;
    }
    this.treesAt = this.revision;
  }

  /** When a transfer of `count` tokens leaves this link (from the times row, refreshed after a change). */
  timeOfCount(count: number): number {
    this.applyLazyStarts();
    if (this.timesAt !== this.revision) this.refreshTimes();
    return this.rows.times[this.base + count]!;
  }

  /** Brings its times row up to date (after `rows.stale` said it is not). */
  refresh(): void {
    this.applyLazyStarts();
    if (this.timesAt !== this.revision) this.refreshTimes();
  }

  /**
   * Refreshes the times row in one pass: W grows with the count value, so the segment that serves
   * it only moves forward (no search per value).
   */
  private refreshTimes(): void {
    const { histogram, times } = this.rows;
    const base = this.base;
    const segs = this.segmentCount;
    let k = 0;
    for (let c = 1; c < this.width; c++) {
      if (histogram[base + c]! === 0) continue;
      const w = this.threshold(c);
      if (segs === 0) {
        times[base + c] = Infinity;
        continue;
      }
      while (k + 1 < segs && this.servedAtSegment(k + 1) < w) k++;
      // The open last segment, and W at or below the first: timeToServe (it also rounds W against S).
      times[base + c] = k === segs - 1 || w <= this.servedAtSegment(0) ? this.timeToServe(w) : this.timeInSegment(k, w);
    }
    this.timesAt = this.revision;
    this.rows.stale[this.row] = 0;
  }
}
