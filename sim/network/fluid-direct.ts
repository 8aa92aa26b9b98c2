// The fluid backend's runner for a direct all-to-all whose bytes are integer counts (tokens) x
// one size: it works on the traffic matrix itself, with no per-transfer records. Each rank has
// an aggregate per port it uses (NVLink out/in, NIC out/in) and each switch-tier link one, all
// counting their transfers by count value (CountedAggregate). The model is fluid-backend.ts's;
// this file only makes it cheap: the starts of an instant are staged and committed once per
// aggregate, and a rank's projection evaluates its own ports once (their largest transfer is their
// last) and each peer's port once, by a lookup of that port's time per count value. A collective
// of n ranks costs O(n^2) in all, a few operations per matrix cell. The passes over the matrix
// before anything starts are shared with the return direction (direct-shape.ts), and a start into
// a backlogged port is committed on flat arrays without touching its aggregate (plan).
import type { Topology } from '../hardware/index.ts';
import { nodeOf } from '../hardware/index.ts';
import { CountedAggregate, CountRows, type Aggregate } from './aggregate.ts';
import type { ClusterNetwork } from './cluster.ts';
import type { TrafficMatrix } from './collective-op.ts';
import { IN_NIC, IN_NV, OUT_NIC, OUT_NV, type ShapeCache, type ShapeView } from './direct-shape.ts';
import type { FluidCore, FluidRun } from './fluid-core.ts';

export interface DirectSinks {
  bytesSent: Float64Array;
  bytesReceived: Float64Array;
  linkBytes: Float64Array;
  /** Every transfer rank `rank` sends or receives has started. */
  ready(rank: number): void;
  /** `n` more transfers have started (for the run's statistics). */
  counted(n: number): void;
}

export class DirectRun implements FluidRun {
  version = 0;
  private readonly n: number;
  /** counts[i * n + j]: tokens rank i sends rank j (the matrix's transposition resolved). */
  private readonly counts: Uint16Array;
  private readonly scale: number;
  /** Per rank: its node, counted from the group's first. */
  private readonly node: Int32Array;
  private readonly gpus: readonly number[];
  /** ports[4 * rank + class]: the rank's aggregate of that port class. */
  private readonly ports: CountedAggregate[];
  /** Per ordered node pair (a * nodes + b, nodes relative to the group's first): tier aggregates, latency, slowest link. */
  private readonly tiers: (CountedAggregate[] | undefined)[];
  private readonly nicLatency: Float64Array;
  /** Per ordered node pair: ns per token at the route's slowest link. */
  private readonly nicNsPerToken: Float64Array;
  /** countsT[j * n + i] = counts[i * n + j]: what each rank receives, as a row. */
  private readonly countsT: Uint16Array;
  private readonly nvLatency: number;
  private readonly nvCapacity: number;
  private readonly nodes: number;
  /** The ranks by node: node b's are order[nodeStart[b]] to order[nodeStart[b + 1] - 1], ascending. */
  private readonly order: Int32Array;
  private readonly nodeStart: Int32Array;
  private readonly tierCount: number;
  private readonly maxNicLatencyFrom: Float64Array;
  private readonly maxNicLatencyTo: Float64Array;
  private readonly startNs: Float64Array;
  private readonly pending: Int32Array;
  private readonly sentBytes: Float64Array;
  /** Per port (4 * rank + class): its row of per-count numbers (transfers, started, W, times) in
   *  shared buffers, from base[p] on and width[p] wide (its largest count + 1; 0: it carries nothing). */
  private readonly base: Int32Array;
  private readonly width: Int32Array;
  private readonly rows: CountRows;
  /** Per port: the starts staged at this instant (count, tokens) until `plan` commits them. */
  private readonly stagedCount: Int32Array;
  private readonly stagedTokens: Float64Array;
  /** Per port: transfers not started yet, and its link. */
  private readonly unstartedOnPort: Int32Array;
  private readonly portLink: Int32Array;
  /** Ports and tier aggregates with staged starts. */
  private dirtyPorts: number[] = [];
  private dirtyTiers: CountedAggregate[] = [];

  /**
   * The runner for `matrix` among `gpus`, or undefined if its counts do not suit it (not integers
   * up to 4,096: the generic runner takes those). `shapes` shares the matrix's set-up with its
   * return direction.
   */
  static open(core: FluidCore, topology: Topology, cluster: ClusterNetwork, gpus: readonly number[], matrix: TrafficMatrix, sinks: DirectSinks, shapes: ShapeCache): DirectRun | undefined {
    const n = matrix.n;
    // Each rank's node, counted from the group's first node (node pairs index flat arrays).
    const node = Int32Array.from(gpus, (g) => nodeOf(topology, g));
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of node) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    for (let r = 0; r < n; r++) node[r]! -= lo;
    const view = shapes.viewOf(matrix, gpus, node, hi - lo + 1);
    return view && new DirectRun(core, topology, cluster, gpus, matrix.scale, view, node, hi - lo + 1, sinks);
  }

  private constructor(
    private readonly core: FluidCore,
    topology: Topology,
    cluster: ClusterNetwork,
    gpus: readonly number[],
    scale: number,
    view: ShapeView,
    node: Int32Array,
    nodes: number,
    private readonly sinks: DirectSinks,
  ) {
    const { shape, flipped } = view;
    const n = shape.n;
    this.n = n;
    this.gpus = gpus;
    this.scale = scale;
    this.node = node;
    this.nodes = nodes;
    // The ranks grouped by node (a counting sort: each node's ranks keep their order).
    this.nodeStart = new Int32Array(nodes + 1);
    for (let r = 0; r < n; r++) this.nodeStart[node[r]! + 1]!++;
    for (let b = 0; b < nodes; b++) this.nodeStart[b + 1]! += this.nodeStart[b]!;
    this.order = new Int32Array(n);
    const next = this.nodeStart.slice(0, nodes);
    for (let r = 0; r < n; r++) this.order[next[node[r]!]!++] = r;
    // A flipped view is the return direction: what the shape's ranks received, they now send.
    this.counts = flipped ? shape.countsT : shape.counts;
    this.countsT = flipped ? shape.counts : shape.countsT;
    this.pending = shape.transfers.slice();
    const sentTokens = flipped ? shape.receivedTokens : shape.sentTokens;
    this.sentBytes = new Float64Array(n);
    for (let r = 0; r < n; r++) this.sentBytes[r] = sentTokens[r]! * scale;
    const links = cluster.links;
    const capacity = cluster.linkCapacityBytesPerNs;
    this.nvLatency = topology.nvlink.latencyNs;
    this.nvCapacity = capacity[links.nvlinkOut(gpus[0]!)]!;
    this.startNs = new Float64Array(n);

    // Node pairs: latency, slowest link and tier links, from one representative route per pair.
    const pairs = nodes * nodes;
    this.tiers = new Array(pairs);
    this.nicLatency = new Float64Array(pairs);
    this.nicNsPerToken = new Float64Array(pairs);
    this.maxNicLatencyFrom = new Float64Array(nodes);
    this.maxNicLatencyTo = new Float64Array(nodes);
    const firstGpuOf = new Int32Array(nodes).fill(-1);
    for (let r = 0; r < n; r++) if (firstGpuOf[node[r]!]! < 0) firstGpuOf[node[r]!] = gpus[r]!;
    this.stagedCount = new Int32Array(4 * n);
    this.stagedTokens = new Float64Array(4 * n);
    /** Per ordered node pair: its switch-tier links (undefined: none). */
    const tierLinks: (number[] | undefined)[] = new Array(pairs);
    for (let a = 0; a < nodes; a++) {
      for (let b = 0; b < nodes; b++) {
        if (a === b || firstGpuOf[a]! < 0 || firstGpuOf[b]! < 0) continue;
        const route = cluster.route(firstGpuOf[a]!, firstGpuOf[b]!);
        const pair = a * nodes + b;
        this.nicLatency[pair] = route.latencyNs;
        this.maxNicLatencyFrom[a] = Math.max(this.maxNicLatencyFrom[a]!, route.latencyNs);
        this.maxNicLatencyTo[b] = Math.max(this.maxNicLatencyTo[b]!, route.latencyNs);
        let slowest = Infinity;
        for (const l of route.links) slowest = Math.min(slowest, capacity[l]!);
        this.nicNsPerToken[pair] = scale / slowest;
        // The NIC ports are the first and last links; the ones between are switch tiers.
        if (route.links.length > 2) tierLinks[pair] = route.links.slice(1, -1);
      }
    }

    // Each port's histogram row in the shape's buffer (a flipped port reads its twin's row).
    const base = (this.base = new Int32Array(4 * n));
    const width = (this.width = new Int32Array(4 * n));
    for (let p = 0; p < 4 * n; p++) {
      const q = flipped ? p ^ 2 : p; // out-port classes (0, 1) <-> in-port classes (2, 3)
      base[p] = shape.rowStart[q]!;
      width[p] = shape.largest[q]! > 0 ? shape.largest[q]! + 1 : 0;
    }
    const rows = (this.rows = new CountRows(shape.histogram.length, 4 * n, shape.histogram));
    // A tier link's largest count: the largest of the node pairs routed over it.
    const tierMax = new Map<number, number>();
    for (let pair = 0; pair < pairs; pair++) {
      const links = tierLinks[pair];
      const largest = flipped ? shape.pairLargest[(pair % nodes) * nodes + Math.floor(pair / nodes)]! : shape.pairLargest[pair]!;
      if (links && largest > 0) for (const l of links) tierMax.set(l, Math.max(tierMax.get(l) ?? 0, largest));
    }
    const tierOfLink = new Map<number, CountedAggregate>();
    for (const [l, max] of tierMax) tierOfLink.set(l, new CountedAggregate(l, this, scale, new CountRows(max + 1), 0, max + 1));
    for (let pair = 0; pair < pairs; pair++) {
      const links = tierLinks[pair];
      if (links) this.tiers[pair] = links.map((l) => tierOfLink.get(l)!).filter((t) => t !== undefined);
    }
    // The tiers' histograms: what crosses each node pair (only where a route crosses a tier).
    if (tierOfLink.size > 0) {
      const counts = this.counts;
      for (let i = 0; i < n; i++) {
        const ni = node[i]!;
        for (let j = 0; j < n; j++) {
          const c = counts[i * n + j]!;
          const nj = node[j]!;
          if (c === 0 || ni === nj) continue;
          const t = this.tiers[ni * nodes + nj];
          if (t) for (const tier of t) tier.count(c);
        }
      }
    }
    this.ports = new Array(4 * n);
    this.unstartedOnPort = new Int32Array(4 * n);
    this.portLink = new Int32Array(4 * n);
    for (let r = 0; r < n; r++) {
      const g = gpus[r]!;
      const linkOf = [links.nvlinkOut(g), links.nicOut(g), links.nvlinkIn(g), links.nicIn(g)];
      for (let k = 0; k < 4; k++) {
        const port = 4 * r + k;
        const p = (this.ports[port] = new CountedAggregate(linkOf[k]!, this, scale, rows, base[port]!, width[port]!, port));
        p.seal();
        this.unstartedOnPort[port] = p.weight;
        this.portLink[port] = linkOf[k]!;
      }
    }
    for (const t of tierOfLink.values()) t.seal();
    this.tierCount = tierOfLink.size;
    rows.segments = provideSegments([...this.ports, ...tierOfLink.values()], n);
  }

  unstarted(rank: number): number {
    return this.pending[rank]!;
  }

  partBytes(rank: number): number {
    return this.sentBytes[rank]!;
  }

  startPart(r: number): void {
    const { n, counts, base, stagedCount, stagedTokens, order, nodeStart, nodes } = this;
    const startedByCount = this.rows.started;
    const nr = this.node[r]!;
    this.startNs[r] = this.core.engine.now;
    const pending = this.pending;
    const row = r * n;
    let sends = 0;
    // Node by node, so that a block's port classes and tier links are fixed.
    for (let b = 0; b < nodes; b++) {
      const same = b === nr;
      const out = 4 * r + (same ? OUT_NV : OUT_NIC);
      const inClass = same ? IN_NV : IN_NIC;
      const tiers = same ? undefined : this.tiers[nr * nodes + b];
      for (let idx = nodeStart[b]!; idx < nodeStart[b + 1]!; idx++) {
        const j = order[idx]!;
        const c = counts[row + j]!;
        if (c === 0 || j === r) continue;
        sends++;
        const into = 4 * j + inClass;
        startedByCount[base[out]! + c]!++;
        startedByCount[base[into]! + c]!++;
        stagedTokens[out]! += c;
        stagedTokens[into]! += c;
        if (stagedCount[out]++ === 0) this.dirtyPorts.push(out);
        if (stagedCount[into]++ === 0) this.dirtyPorts.push(into);
        if (tiers) for (const tier of tiers) if (tier.stage(c)) this.dirtyTiers.push(tier);
        if (--pending[j]! === 0) this.sinks.ready(j);
      }
    }
    this.sinks.counted(sends);
    pending[r]! -= sends;
    if (pending[r] === 0) this.sinks.ready(r);
    this.core.deferRun(this);
  }

  /**
   * Commits the instant's staged starts (each aggregate once, with its bytes) before anything is
   * projected. Most commits find the port backlogged, and then a start only raises the cap of its
   * open segment: CountRows.startBacklogged does that on the flat arrays, without touching the
   * aggregate. Its first start (joining the link) and its last (scheduling its end) always go
   * through the aggregate.
   */
  plan(): void {
    const now = this.core.engine.now;
    const { sinks, scale, ports, stagedCount, stagedTokens, unstartedOnPort, portLink, gpus, rows } = this;
    const dirty = this.dirtyPorts;
    this.dirtyPorts = [];
    for (const port of dirty) {
      const count = stagedCount[port]!;
      const tokens = stagedTokens[port]!;
      stagedCount[port] = 0;
      stagedTokens[port] = 0;
      const bytes = tokens * scale;
      sinks.linkBytes[portLink[port]!]! += bytes;
      const gpu = gpus[port >> 2]!;
      if ((port & 3) < IN_NV) sinks.bytesSent[gpu]! += bytes;
      else sinks.bytesReceived[gpu]! += bytes;
      const left = (unstartedOnPort[port]! -= count);
      if (rows.startBacklogged(port, now, count, bytes, left === 0)) {
        this.version++;
        continue;
      }
      const a = ports[port]!;
      a.commitStaged(now, count, tokens);
      this.core.aggregateStarted(a);
    }
    const tiers = this.dirtyTiers;
    this.dirtyTiers = [];
    for (const t of tiers) {
      sinks.linkBytes[t.link]! += t.stagedBytes();
      t.commit(now);
      this.core.aggregateStarted(t);
    }
  }

  /** When a transfer of `count` tokens leaves port `port` (from the shared times row). */
  private timeAt(port: number, count: number): number {
    const rows = this.rows;
    if (rows.stale[port]) this.ports[port]!.refresh();
    return rows.times[this.base[port]! + count]!;
  }

  /**
   * When rank r's part ends, projected from now: the last arrival of a transfer it sends or
   * receives. Each transfer's arrival is the later of its peer's port's leave time and (across
   * nodes) the tiers' leave times, no earlier than its bytes take alone on the slowest link after
   * it was sent, plus the route's latency. Sets core.critical to the aggregate that decides it.
   */
  project(r: number): number {
    const { n, scale, counts, countsT, node, ports, base, startNs, nicLatency, nicNsPerToken, tiers } = this;
    const { times, stale } = this.rows;
    const nr = node[r]!;
    const nodes = this.nodes;
    const tiered = this.tierCount > 0;
    let done = -Infinity;
    let critical = -1;
    let criticalTier: Aggregate | undefined;
    const start = startNs[r]!;
    // Own ports: their largest transfer is their last to leave.
    for (let k = 0; k < 4; k++) {
      // A port's row is as wide as its largest count + 1 (none: it carries nothing).
      const width = this.width[4 * r + k]!;
      if (width === 0) continue;
      const max = width - 1;
      let at = this.timeAt(4 * r + k, max);
      if (k === OUT_NV) {
        const floor = start + (max * scale) / this.nvCapacity;
        if (at < floor) at = floor;
      }
      at += k === OUT_NV || k === IN_NV ? this.nvLatency : k === OUT_NIC ? this.maxNicLatencyFrom[nr]! : this.maxNicLatencyTo[nr]!;
      if (at > done) {
        done = at;
        critical = 4 * r + k;
      }
    }
    // Each peer's port (and the tiers between): one transfer each way, on flat arrays, node by node
    // and one way at a time, so that a block's port class, latency, rate and tier links are fixed;
    // the tiers' times rows are brought up to date once per block and then read flat.
    const { order, nodeStart, nvLatency } = this;
    const nvPerToken = scale / this.nvCapacity;
    const row = r * n;
    for (let b = 0; b < nodes; b++) {
      const lo = nodeStart[b]!;
      const hi = nodeStart[b + 1]!;
      if (lo === hi) continue;
      const same = b === nr;
      for (let dir = 0; dir < 2; dir++) {
        const pair = dir === 0 ? nr * nodes + b : b * nodes + nr; // the ordered node pair r -> j, or j -> r
        const list = same || !tiered ? NO_TIERS : (tiers[pair] ?? NO_TIERS);
        for (const t of list) t.refresh();
        const perToken = same ? nvPerToken : nicNsPerToken[pair]!;
        const latency = same ? nvLatency : nicLatency[pair]!;
        const peerClass = dir === 0 ? (same ? IN_NV : IN_NIC) : same ? OUT_NV : OUT_NIC;
        const own = dir === 0 ? counts : countsT;
        for (let idx = lo; idx < hi; idx++) {
          const j = order[idx]!;
          const count = own[row + j]!;
          if (count === 0 || j === r) continue;
          const port = 4 * j + peerClass;
          if (stale[port]) ports[port]!.refresh();
          let at = times[base[port]! + count]!;
          let tier: Aggregate | undefined;
          for (let k = 0; k < list.length; k++) {
            const t = list[k]!;
            const leave = t.rows.times[t.base + count]!;
            if (leave > at) {
              at = leave;
              tier = t;
            }
          }
          const floor = (dir === 0 ? start : startNs[j]!) + count * perToken;
          if (at < floor) at = floor;
          at += latency;
          if (at > done) {
            done = at;
            critical = port;
            criticalTier = tier;
          }
        }
      }
    }
    this.core.critical = criticalTier ?? (critical >= 0 ? ports[critical] : undefined);
    return done;
  }
}

/**
 * Segment room for each aggregate in one buffer: a segment per start instant (at most one per
 * transfer, and one per rank of the `ranks` whose starts it carries) and a few rate changes; an
 * aggregate that needs more (many rate changes) grows its own.
 */
function provideSegments(aggregates: Aggregate[], ranks: number): Float64Array {
  const room = (a: Aggregate) => Math.min(a.weight, ranks, 64) + 4;
  let total = 0;
  for (const a of aggregates) if (a.weight > 0) total += room(a);
  const store = new Float64Array(4 * total);
  let at = 0;
  for (const a of aggregates) {
    if (a.weight === 0) continue;
    a.provideSegments(store, 4 * at, room(a));
    at += room(a);
  }
  return store;
}

const NO_TIERS: readonly CountedAggregate[] = [];
