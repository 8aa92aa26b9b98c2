// One MoE layer's routing turned into traffic and load for one EP group (a LayerTraffic).
// For each rank's tokens: look up the k experts; drop zero experts (no traffic, no GEMM); map
// each FFN expert to a hosting rank; count each token once per distinct destination rank
// (tokensToRank, diagonal = local experts) and once per distinct remote destination node
// (tokensToNode, DeepEP's per-node RDMA aggregation; the sender's own node column stays 0, so a
// group inside one node leaves it all zero); count every (token, FFN expert) pick per destination
// rank (picksToRank, the low-latency kernels' one message per pick); count token-expert
// assignments per hosted expert per rank (expertTokens).
//
// Replica choice for a replicated expert (deterministic): the sender's own rank if it hosts one;
// else a replica in the sender's node; else any replica. Among the candidates, round-robin by
// use: the c-th use of expert e in this call (in rank order, then token order) takes candidate
// c mod candidates.
//
// Speed: typed arrays and a reusable scratch (no allocation per token); visited ranks and nodes
// are marked with an increasing stamp rather than cleared; sources with a layerTable are read
// directly. A placement's flattened form is cached per placement object, so placements must not
// be mutated after first use. bench/replay.ts measures it.
import { SimInvariantError } from '../core/index.ts';
import type { RoutingSource } from './routing-source.ts';
import type { ExpertPlacement, LayerTraffic } from './traffic.ts';

export interface BuildLayerTrafficInput {
  source: RoutingSource;
  /** MoE layer, 0-based, < source.layers. */
  layer: number;
  /** Token ids (in the source's token space) each EP rank holds; length = placement.ep. */
  tokensByRank: ArrayLike<number>[];
  placement: ExpertPlacement;
  gpusPerNode: number;
  /** Global index of the group's rank 0; rank r is GPU firstGpu + r (node = floor(gpu / gpusPerNode)). */
  firstGpu: number;
  /** Reuse across calls to avoid reallocating the work arrays (optional). */
  scratch?: TrafficScratch;
}

/** Work arrays kept between calls. Not shared between concurrent users (there are none in one thread). */
export interface TrafficScratch {
  out: Uint16Array;
  rankStamp: Int32Array;
  nodeStamp: Int32Array;
  stamp: number;
  useCount: Int32Array;
  replicaTokens: Int32Array;
  expertPicks: Int32Array;
}

export function createTrafficScratch(): TrafficScratch {
  return {
    out: new Uint16Array(0),
    rankStamp: new Int32Array(0),
    nodeStamp: new Int32Array(0),
    stamp: 0,
    useCount: new Int32Array(0),
    replicaTokens: new Int32Array(0),
    expertPicks: new Int32Array(0),
  };
}

const defaultScratch = createTrafficScratch();

/** A placement flattened for the hot loop: replicas in CSR form, node of each rank. */
interface CompiledPlacement {
  nodeOfRank: Int32Array;
  nodes: number;
  /** Replicas of expert e are firstReplica[e] .. firstReplica[e+1]-1. */
  firstReplica: Int32Array;
  replicaRank: Int32Array;
  /** Index of the expert within expertsOn[replicaRank]. */
  replicaSlot: Int32Array;
  /** The rank hosting expert e when it has a single replica, else -1 (the hot loop's fast path). */
  hostOf: Int32Array;
}

const compiled = new WeakMap<ExpertPlacement, Map<string, CompiledPlacement>>();

function compile(p: ExpertPlacement, gpusPerNode: number, firstGpu: number): CompiledPlacement {
  const key = `${gpusPerNode}:${firstGpu}`;
  let byKey = compiled.get(p);
  const hit = byKey?.get(key);
  if (hit) return hit;
  const { ep, ffnExperts: n } = p;
  if (p.replicasOf.length !== n || p.expertsOn.length !== ep) {
    throw new SimInvariantError(`placement has ${p.replicasOf.length} experts / ${p.expertsOn.length} ranks; expected ${n} / ${ep}`);
  }
  const nodeOfRank = new Int32Array(ep);
  const node0 = Math.floor(firstGpu / gpusPerNode);
  for (let r = 0; r < ep; r++) nodeOfRank[r] = Math.floor((firstGpu + r) / gpusPerNode) - node0;
  const nodes = nodeOfRank[ep - 1]! + 1;
  const firstReplica = new Int32Array(n + 1);
  for (let e = 0; e < n; e++) {
    const reps = p.replicasOf[e]!.length;
    if (reps < 1) throw new SimInvariantError(`placement: expert ${e} is hosted nowhere`);
    firstReplica[e + 1] = firstReplica[e]! + reps;
  }
  const replicaRank = new Int32Array(firstReplica[n]!);
  const replicaSlot = new Int32Array(firstReplica[n]!);
  for (let e = 0; e < n; e++) {
    p.replicasOf[e]!.forEach((rank, i) => {
      const slot = p.expertsOn[rank]?.indexOf(e) ?? -1;
      if (slot < 0) throw new SimInvariantError(`placement: replicasOf[${e}] names rank ${rank}, whose expertsOn lacks expert ${e}`);
      replicaRank[firstReplica[e]! + i] = rank;
      replicaSlot[firstReplica[e]! + i] = slot;
    });
  }
  const hostOf = new Int32Array(n);
  for (let e = 0; e < n; e++) hostOf[e] = firstReplica[e + 1]! - firstReplica[e]! === 1 ? replicaRank[firstReplica[e]!]! : -1;
  const c: CompiledPlacement = { nodeOfRank, nodes, firstReplica, replicaRank, replicaSlot, hostOf };
  if (!byKey) compiled.set(p, (byKey = new Map()));
  byKey.set(key, c);
  return c;
}

function grow<T extends Int32Array | Uint16Array>(a: T, n: number, make: (n: number) => T): T {
  return a.length >= n ? a : make(n);
}

export function buildLayerTraffic(input: BuildLayerTrafficInput): LayerTraffic {
  const { source, layer, tokensByRank, placement, gpusPerNode, firstGpu } = input;
  const ep = placement.ep;
  const n = placement.ffnExperts;
  const k = source.topk;
  if (tokensByRank.length !== ep) throw new SimInvariantError(`buildLayerTraffic: ${tokensByRank.length} token lists for EP ${ep}`);
  if (n !== source.ffnExperts) throw new SimInvariantError(`buildLayerTraffic: placement of ${n} experts for a source with ${source.ffnExperts}`);
  if (!(layer >= 0 && layer < source.layers)) throw new SimInvariantError(`buildLayerTraffic: layer ${layer} outside 0..${source.layers - 1}`);
  if (!(gpusPerNode >= 1) || !(firstGpu >= 0)) throw new SimInvariantError(`buildLayerTraffic: gpusPerNode ${gpusPerNode}, firstGpu ${firstGpu}`);
  const cp = compile(placement, gpusPerNode, firstGpu);
  const { nodes, firstReplica, replicaRank, replicaSlot } = cp;
  const replicas = firstReplica[n]!;

  const s = input.scratch ?? defaultScratch;
  s.out = grow(s.out, k, (m) => new Uint16Array(m));
  s.rankStamp = grow(s.rankStamp, ep, (m) => new Int32Array(m));
  s.nodeStamp = grow(s.nodeStamp, nodes, (m) => new Int32Array(m));
  s.useCount = grow(s.useCount, n, (m) => new Int32Array(m));
  s.replicaTokens = grow(s.replicaTokens, replicas, (m) => new Int32Array(m));
  s.expertPicks = grow(s.expertPicks, n, (m) => new Int32Array(m));
  const out = s.out;
  const rankStamp = s.rankStamp;
  const nodeStamp = s.nodeStamp;
  const useCount = s.useCount;
  const replicaTokens = s.replicaTokens;
  const expertPicks = s.expertPicks;
  expertPicks.fill(0, 0, n);
  useCount.fill(0, 0, n);
  replicaTokens.fill(0, 0, replicas);
  let totalTokens = 0;
  for (const list of tokensByRank) totalTokens += list.length;
  if (s.stamp + totalTokens + 1 >= 0x7fffffff) {
    s.stamp = 0;
    rankStamp.fill(0);
    nodeStamp.fill(0);
  }
  let stamp = s.stamp;

  const tokensToRank = new Int32Array(ep * ep);
  const tokensToNode = new Int32Array(ep * nodes);
  const picksToRank = new Int32Array(ep * ep);
  const totals = new Float64Array(2); // [ffnPicks, zeroOnly]
  for (let src = 0; src < ep; src++) {
    stamp = accumulateRank(
      source, layer, tokensByRank[src]!, src, ep, n, k, nodes, stamp,
      cp, out, rankStamp, nodeStamp, useCount, replicaTokens, expertPicks, tokensToRank, tokensToNode, picksToRank, totals,
    );
  }
  s.stamp = stamp;
  const ffnPicks = totals[0]!;
  const zeroOnly = totals[1]!;

  // Single-replica experts were counted per expert; fold them into their (only) replica.
  for (let e = 0; e < n; e++) if (expertPicks[e]! > 0) replicaTokens[firstReplica[e]!]! += expertPicks[e]!;
  const expertTokens = placement.expertsOn.map((list) => new Int32Array(list.length));
  const rankAssignments = new Int32Array(ep);
  for (let rep = 0; rep < replicas; rep++) {
    const v = replicaTokens[rep]!;
    if (v === 0) continue;
    const rank = replicaRank[rep]!;
    expertTokens[rank]![replicaSlot[rep]!]! += v;
    rankAssignments[rank]! += v;
  }
  return {
    ep,
    tokensToRank,
    tokensToNode,
    picksToRank,
    nodesInGroup: nodes,
    expertTokens,
    rankAssignments,
    zeroOnlyTokens: zeroOnly,
    ffnExpertsPerToken: totalTokens > 0 ? ffnPicks / totalTokens : 0,
  };
}

/**
 * The hot loop for one sending rank, kept in its own small function so V8 optimises exactly this
 * (a loop inside the big function deoptimised on the cold code after it). Returns the new stamp.
 */
function accumulateRank(
  source: RoutingSource,
  layer: number,
  tokens: ArrayLike<number>,
  src: number,
  ep: number,
  n: number,
  k: number,
  nodes: number,
  stamp: number,
  cp: CompiledPlacement,
  out: Uint16Array,
  rankStamp: Int32Array,
  nodeStamp: Int32Array,
  useCount: Int32Array,
  replicaTokens: Int32Array,
  expertPicks: Int32Array,
  tokensToRank: Int32Array,
  tokensToNode: Int32Array,
  picksToRank: Int32Array,
  totals: Float64Array,
): number {
  const { nodeOfRank, firstReplica, replicaRank, hostOf } = cp;
  const srcNode = nodeOfRank[src]!;
  const rankRow = src * ep;
  const nodeRow = src * nodes;
  let ffnPicks = 0;
  let zeroOnly = 0;
  const table = source.layerTable ? source.layerTable(layer) : null;
  for (let i = 0; i < tokens.length; i++) {
    let ids = out;
    let base = 0;
    if (table !== null) {
      ids = table;
      base = tokens[i]! * k;
    } else {
      source.expertsOf(tokens[i]!, layer, out);
    }
    stamp++;
    let f = 0;
    for (let j = 0; j < k; j++) {
      const e = ids[base + j]!;
      if (e >= n) continue;
      f++;
      let dst = hostOf[e]!;
      if (dst >= 0) {
        expertPicks[e]!++;
      } else {
        const rep = chooseReplica(firstReplica[e]!, firstReplica[e + 1]!, src, srcNode, replicaRank, nodeOfRank, useCount[e]!++);
        replicaTokens[rep]!++;
        dst = replicaRank[rep]!;
      }
      picksToRank[rankRow + dst]!++;
      // A token counts once per rank and once per other node it reaches. Added as 0 or 1 rather
      // than branched on: whether a pick lands on a rank or node the token already reached is as
      // good as random, and the mispredicted branches cost more than the loop's other work.
      tokensToRank[rankRow + dst]! += Number(rankStamp[dst] !== stamp);
      rankStamp[dst] = stamp;
      const node = nodeOfRank[dst]!;
      tokensToNode[nodeRow + node]! += Number(nodeStamp[node] !== stamp) & Number(node !== srcNode);
      nodeStamp[node] = stamp;
    }
    ffnPicks += f;
    if (f === 0) zeroOnly++;
  }
  totals[0]! += ffnPicks;
  totals[1]! += zeroOnly;
  return stamp;
}

/** The replica of [first, end) that sender `src` uses for its `use`-th pick of this expert. */
function chooseReplica(
  first: number,
  end: number,
  src: number,
  srcNode: number,
  replicaRank: Int32Array,
  nodeOfRank: Int32Array,
  use: number,
): number {
  let inNode = 0;
  for (let r = first; r < end; r++) {
    const rank = replicaRank[r]!;
    if (rank === src) return r;
    if (nodeOfRank[rank] === srcNode) inNode++;
  }
  if (inNode === 0) return first + (use % (end - first));
  let want = use % inNode;
  for (let r = first; r < end; r++) {
    if (nodeOfRank[replicaRank[r]!] === srcNode && want-- === 0) return r;
  }
  return first; // unreachable
}
