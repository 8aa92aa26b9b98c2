// Max-min fair rates by progressive filling: raise every unfrozen flow's rate together; when a
// link runs out of capacity, freeze the flows crossing it at that link's fair share and repeat.
// Shares only grow as flows freeze (the frozen share is the smallest), so a lazy min-heap of
// links keyed by remaining/unfrozen is enough: O(F·k·log L) for F flows of k links each.

/** Flows' links in a flat array: flow f crosses links[f * stride + i] for i < linkCount[f]. */
export interface FlowPaths {
  stride: number;
  links: Int32Array;
  linkCount: Uint8Array;
}

/** Pure reference version: returns each flow's rate in capacity units. */
export function maxMinRates(capacity: Float64Array, flowLinks: number[][]): Float64Array {
  const stride = Math.max(1, ...flowLinks.map((l) => l.length));
  const paths: FlowPaths = { stride, links: new Int32Array(stride * flowLinks.length), linkCount: new Uint8Array(flowLinks.length) };
  const flowsOnLink: number[][] = Array.from({ length: capacity.length }, () => []);
  flowLinks.forEach((ls, f) => {
    paths.linkCount[f] = ls.length;
    ls.forEach((l, i) => {
      paths.links[f * stride + i] = l;
      flowsOnLink[l]!.push(f);
    });
  });
  const rates = new Float64Array(flowLinks.length);
  const active = flowsOnLink.flatMap((list, l) => (list.length > 0 ? [l] : []));
  new FairShareSolver(capacity.length).solve(capacity, flowsOnLink, active, paths, rates, new Uint8Array(flowLinks.length));
  return rates;
}

/**
 * Reusable scratch space so the network's repeated solves allocate nothing per call. Links sit in
 * a min-heap keyed by their fair share (remaining / unfrozen flows). A freeze only raises the
 * shares of the other links it touches, so those are just marked stale: a stored key is then a
 * lower bound of the true one, and a stale link is re-keyed only when it reaches the top.
 */
export class FairShareSolver {
  /** Capacity left on each link after the last solve (capacity minus the rates crossing it). */
  readonly remaining: Float64Array;
  private unfrozen: Int32Array;
  private share: Float64Array;
  private stale: Uint8Array;
  private heap: Int32Array;
  private size = 0;

  constructor(linkCount: number) {
    this.remaining = new Float64Array(linkCount);
    this.unfrozen = new Int32Array(linkCount);
    this.share = new Float64Array(linkCount);
    this.stale = new Uint8Array(linkCount);
    this.heap = new Int32Array(linkCount);
  }

  /**
   * Fills `rates[f]` for every flow on the `activeLinks`; `frozen` is scratch (one byte per flow).
   * With `weights`, entry f stands for weights[f] flows with the same links (all get rates[f]).
   */
  solve(
    capacity: Float64Array,
    flowsOnLink: readonly (readonly number[])[],
    activeLinks: readonly number[],
    paths: FlowPaths,
    rates: Float64Array,
    frozen: Uint8Array,
    weights?: Int32Array,
  ): void {
    const { remaining, unfrozen, share, stale, heap } = this;
    const { stride, links, linkCount } = paths;
    this.size = 0;
    for (let i = 0; i < activeLinks.length; i++) {
      const l = activeLinks[i]!;
      const onLink = flowsOnLink[l]!;
      let n = 0;
      for (let j = 0; j < onLink.length; j++) {
        frozen[onLink[j]!] = 0;
        n += weights ? weights[onLink[j]!]! : 1;
      }
      remaining[l] = capacity[l]!;
      unfrozen[l] = n;
      stale[l] = 0;
      if (n === 0) continue;
      share[l] = capacity[l]! / n;
      heap[this.size++] = l;
    }
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i);
    while (this.size > 0) {
      const l = heap[0]!;
      if (unfrozen[l] === 0) {
        this.removeTop();
        continue;
      }
      if (stale[l]) {
        stale[l] = 0;
        share[l] = remaining[l]! / unfrozen[l]!;
        this.siftDown(0);
        continue;
      }
      const level = share[l]!;
      this.removeTop();
      const onLink = flowsOnLink[l]!;
      for (let j = 0; j < onLink.length; j++) {
        const f = onLink[j]!;
        if (frozen[f]) continue;
        frozen[f] = 1;
        rates[f] = level;
        const w = weights ? weights[f]! : 1;
        const base = f * stride;
        const count = linkCount[f]!;
        for (let p = 0; p < count; p++) {
          const m = links[base + p]!;
          const rem = remaining[m]! - level * w;
          remaining[m] = rem > 0 ? rem : 0;
          unfrozen[m]! -= w;
          stale[m] = 1;
        }
      }
    }
  }

  private removeTop(): void {
    const last = this.heap[--this.size]!;
    if (this.size === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private siftDown(i: number): void {
    const { heap, share } = this;
    const n = this.size;
    const link = heap[i]!;
    const key = share[link]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && share[heap[c + 1]!]! < share[heap[c]!]!) c++;
      const child = heap[c]!;
      if (share[child]! >= key) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = link;
  }
}
