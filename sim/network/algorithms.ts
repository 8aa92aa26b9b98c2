// The algorithms of collective ops: each expands a collective's description into its transfers,
// written into a FlowSink in a fixed order (the order is part of the contract: the flow backend's
// results depend on it). Both network backends expand collectives through this one file, so an
// algorithm is written once. Ranks index the participants; flows name GPUs. Zero-byte transfers
// make no flow.
import type { Topology } from '../hardware/index.ts';
import { nodeOf } from '../hardware/index.ts';
import { matrixBytes, type CollectiveAlgorithm, type FlowSpec, type NodeTraffic, type TrafficMatrix } from './collective-op.ts';

/** Receives the transfers of an expansion; returns the index of the flow just added. */
export interface FlowSink {
  add(src: number, dst: number, bytes: number, after?: number | readonly number[], afterDrain?: boolean, latencySteps?: number): number;
}

/** Byte counts by rank pair, as the algorithms read them. */
export type Bytes = (i: number, j: number) => number;

/** Expands `algorithm` for the participants `gpus` (rank r is gpus[r]) into `sink`. */
export function expandCollective(algorithm: CollectiveAlgorithm, topology: Topology, gpus: readonly number[], sink: FlowSink): void {
  switch (algorithm.kind) {
    case 'direct-all-to-all':
    case 'low-latency-all-to-all': // the same transfers; its routes differ (routesOverNic) and its matrix counts picks
      return directAllToAllInto(gpus, bytesOf(algorithm.matrix), sink);
    case 'two-hop-all-to-all': {
      const pieces = { chunkBytes: algorithm.pieceBytes, maxChunks: algorithm.maxPieces };
      const rdma = algorithm.rdma ? nodeBytesOf(algorithm.rdma) : undefined;
      return algorithm.gather
        ? twoHopGatherInto(topology, gpus, bytesOf(algorithm.matrix), rdma, pieces, sink)
        : twoHopScatterInto(topology, gpus, bytesOf(algorithm.matrix), { ...pieces, rdmaBytes: rdma }, sink);
    }
    case 'hierarchical-all-reduce':
      return hierarchicalAllReduceInto(topology, gpus, algorithm.bytesPerRank, sink);
    case 'ring-all-reduce':
      return appendRing(sink, gpus, (2 * (gpus.length - 1) * algorithm.bytesPerRank) / gpus.length, 2 * (gpus.length - 1));
    case 'p2p': {
      const { srcRank, dstRank, bytes } = algorithm;
      if (bytes > 0 && srcRank !== dstRank) sink.add(gpus[srcRank]!, gpus[dstRank]!, bytes);
      return;
    }
    case 'explicit':
      for (const f of algorithm.flows) sink.add(f.src, f.dst, f.bytes, f.after, f.afterDrain, f.latencySteps);
  }
}

function bytesOf(m: TrafficMatrix): Bytes {
  return (i, j) => matrixBytes(m, i, j);
}

function nodeBytesOf(t: NodeTraffic): (rank: number, node: number) => number {
  return (rank, node) => t.counts[rank * t.nodes + (node - t.firstNode)]! * t.scale;
}

/** A sink that collects FlowSpec objects (tests, and the flow backend's flow table). */
export class FlowList implements FlowSink {
  readonly flows: FlowSpec[] = [];
  add(src: number, dst: number, bytes: number, after?: number | readonly number[], afterDrain?: boolean, latencySteps?: number): number {
    this.flows.push({
      src,
      dst,
      bytes,
      ...(after === undefined ? {} : { after }),
      ...(afterDrain ? { afterDrain: true } : {}),
      ...(latencySteps === undefined ? {} : { latencySteps }),
    });
    return this.flows.length - 1;
  }
}

export function directAllToAllInto(gpus: readonly number[], bytes: Bytes, sink: FlowSink): void {
  for (let i = 0; i < gpus.length; i++) {
    for (let j = 0; j < gpus.length; j++) {
      if (i === j) continue;
      const b = bytes(i, j);
      if (b > 0) sink.add(gpus[i]!, gpus[j]!, b);
    }
  }
}

export interface TwoHopOptions {
  /**
   * Bytes each sender puts on RDMA towards each destination node, indexed (sender rank, node).
   * Real EP libraries send a token once per node even when several GPUs there need it, so this
   * can be less than the row sum; by default it is the row sum over the node's GPUs.
   */
  rdmaBytes?: (senderRank: number, node: number) => number | undefined;
  /** Split each RDMA transfer into this many pieces so NVLink forwarding overlaps RDMA. */
  chunks?: number;
  /**
   * Or split so each RDMA piece carries about this many bytes (at most `maxChunks` pieces):
   * EP libraries forward a few tokens at a time, so large transfers pipeline and small ones don't.
   */
  chunkBytes?: number;
  maxChunks?: number;
}

/** Pieces for an RDMA transfer of `bytes`. */
function chunkCount(bytes: number, options: TwoHopOptions): number {
  if (options.chunkBytes) return Math.max(1, Math.min(options.maxChunks ?? 8, Math.ceil(bytes / options.chunkBytes)));
  return Math.max(1, Math.floor(options.chunks ?? 1));
}

/**
 * The dispatch direction: across nodes, a sender's traffic for node B goes by RDMA to the GPU of
 * the same local rank in B, which forwards it over NVLink. Inside a node it is direct. Pairs whose
 * relay GPU is not a participant go direct. RDMA piece c+1 leaves when piece c has drained; the
 * forwards of piece c leave when it has arrived.
 */
export function twoHopScatterInto(topology: Topology, gpus: readonly number[], bytes: Bytes, options: TwoHopOptions, sink: FlowSink): void {
  const rankOfGpu = new Map(gpus.map((g, r) => [g, r]));
  const ranksByNode = groupRanksByNode(topology, gpus);
  for (let i = 0; i < gpus.length; i++) {
    const src = gpus[i]!;
    const srcNode = nodeOf(topology, src);
    const localRank = src % topology.gpusPerNode;
    for (const [node, ranks] of ranksByNode) {
      if (node === srcNode) {
        for (const j of ranks) if (j !== i && bytes(i, j) > 0) sink.add(src, gpus[j]!, bytes(i, j));
        continue;
      }
      const relay = node * topology.gpusPerNode + localRank;
      const relayRank = rankOfGpu.get(relay);
      if (relayRank === undefined) {
        for (const j of ranks) if (bytes(i, j) > 0) sink.add(src, gpus[j]!, bytes(i, j));
        continue;
      }
      let rowSum = 0;
      for (const j of ranks) rowSum += bytes(i, j);
      const rdma = options.rdmaBytes?.(i, node) ?? rowSum;
      if (rowSum <= 0) continue;
      const chunks = chunkCount(rdma, options);
      let previous: number | undefined;
      for (let c = 0; c < chunks; c++) {
        const rdmaIndex = previous === undefined ? sink.add(src, relay, rdma / chunks) : sink.add(src, relay, rdma / chunks, previous, true);
        previous = rdmaIndex;
        for (const j of ranks) {
          if (j === relayRank || bytes(i, j) <= 0) continue;
          sink.add(relay, gpus[j]!, bytes(i, j) / chunks, rdmaIndex);
        }
      }
    }
  }
}

/**
 * The combine direction: senders first gather over NVLink at the GPU of their node whose local
 * rank matches the receiver's, which sends once over RDMA (EP libraries reduce a token's expert
 * outputs inside the node before they cross). `rdmaBytes(receiverRank, node)` is what crosses
 * from `node` to that receiver (default: the column sum over the node).
 *
 * Pipelined as DeepEP's combine kernel forwards chunk by chunk: each sender's gather pieces go one
 * after another (piece c+1 leaves when piece c has drained, mirroring the dispatch direction's
 * RDMA chain), and RDMA piece c leaves as soon as piece c of every gather into the relay has
 * arrived, so the RDMA hop starts after one piece of the gather instead of after all of it.
 */
export function twoHopGatherInto(
  topology: Topology,
  gpus: readonly number[],
  bytes: Bytes,
  rdmaBytes: ((receiverRank: number, node: number) => number | undefined) | undefined,
  options: Pick<TwoHopOptions, 'chunks' | 'chunkBytes' | 'maxChunks'>,
  sink: FlowSink,
): void {
  const rankOfGpu = new Map(gpus.map((g, r) => [g, r]));
  const ranksByNode = groupRanksByNode(topology, gpus);
  for (let j = 0; j < gpus.length; j++) {
    const dst = gpus[j]!;
    const dstNode = nodeOf(topology, dst);
    const localRank = dst % topology.gpusPerNode;
    for (const [node, ranks] of ranksByNode) {
      if (node === dstNode) {
        for (const i of ranks) if (i !== j && bytes(i, j) > 0) sink.add(gpus[i]!, dst, bytes(i, j));
        continue;
      }
      const relay = node * topology.gpusPerNode + localRank;
      if (!rankOfGpu.has(relay)) {
        for (const i of ranks) if (bytes(i, j) > 0) sink.add(gpus[i]!, dst, bytes(i, j));
        continue;
      }
      let columnSum = 0;
      for (const i of ranks) columnSum += bytes(i, j);
      if (columnSum <= 0) continue;
      const rdma = rdmaBytes?.(j, node) ?? columnSum;
      if (rdma <= 0) continue;
      const chunks = chunkCount(rdma, options);
      const senders = ranks.filter((i) => bytes(i, j) > 0 && gpus[i] !== relay);
      const previousGather = new Int32Array(senders.length).fill(-1);
      for (let c = 0; c < chunks; c++) {
        const gathers: number[] = [];
        senders.forEach((i, s) => {
          const piece = bytes(i, j) / chunks;
          const before = previousGather[s]!;
          const index = before < 0 ? sink.add(gpus[i]!, relay, piece) : sink.add(gpus[i]!, relay, piece, before, true);
          previousGather[s] = index;
          gathers.push(index);
        });
        if (gathers.length > 0) sink.add(relay, dst, rdma / chunks, gathers);
        else sink.add(relay, dst, rdma / chunks);
      }
    }
  }
}

export function groupRanksByNode(topology: Topology, gpus: readonly number[]): Map<number, number[]> {
  const ranksByNode = new Map<number, number[]>();
  gpus.forEach((g, r) => {
    const node = nodeOf(topology, g);
    if (!ranksByNode.has(node)) ranksByNode.set(node, []);
    ranksByNode.get(node)!.push(r);
  });
  return ranksByNode;
}

/**
 * Appends a pipelined ring over `ring` (edge i: ring[i] -> ring[i+1]) carrying `edgeBytes` and
 * paying the route latency `steps` times (NCCL's ring in steady state); an edge waits for the flow
 * `waitFor(sender)` names, if any. Records in `into` which flow delivers to each GPU.
 */
export function appendRing(
  sink: FlowSink,
  ring: readonly number[],
  edgeBytes: number,
  steps: number,
  waitFor: (gpu: number) => number | undefined = () => undefined,
  into?: Map<number, number>,
): void {
  const n = ring.length;
  if (n < 2 || edgeBytes <= 0) return;
  ring.forEach((src, i) => {
    const dst = ring[(i + 1) % n]!;
    const wait = waitFor(src);
    const index = wait === undefined ? sink.add(src, dst, edgeBytes, undefined, false, steps) : sink.add(src, dst, edgeBytes, wait, false, steps);
    into?.set(dst, index);
  });
}

/**
 * Hierarchical all-reduce for a group of g GPUs on each of N nodes (NCCL's two-level algorithm):
 * reduce-scatter inside each node over NVLink, all-reduce of each 1/g slice among the GPUs of the
 * same local rank across nodes over RDMA, all-gather inside each node. Each phase is a pipelined
 * ring, and a GPU's next phase waits for the previous phase's data to reach it. A group that is
 * not node-regular gets one pipelined ring.
 */
export function hierarchicalAllReduceInto(topology: Topology, gpus: readonly number[], bytes: number, sink: FlowSink): void {
  const byNode = [...groupRanksByNode(topology, gpus).values()].map((ranks) => ranks.map((r) => gpus[r]!));
  const g = byNode[0]!.length;
  if (byNode.length < 2 || g < 2 || byNode.some((members) => members.length !== g)) {
    const n = gpus.length;
    return appendRing(sink, gpus, (2 * (n - 1) * bytes) / n, 2 * (n - 1));
  }
  const nodes = byNode.length;
  const intraBytes = ((g - 1) * bytes) / g;
  const reduced = new Map<number, number>();
  for (const members of byNode) appendRing(sink, members, intraBytes, g - 1, undefined, reduced);
  const allReduced = new Map<number, number>();
  for (let local = 0; local < g; local++) {
    const ring = byNode.map((members) => members[local]!);
    appendRing(sink, ring, (2 * (nodes - 1) * bytes) / g / nodes, 2 * (nodes - 1), (gpu) => reduced.get(gpu), allReduced);
  }
  for (const members of byNode) appendRing(sink, members, intraBytes, g - 1, (gpu) => allReduced.get(gpu));
}
