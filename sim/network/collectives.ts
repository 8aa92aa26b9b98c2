// Flow builders for collectives. Matrices are indexed by rank within `gpus` (the participants);
// the flows name GPUs. Zero-byte transfers make no flow.
import type { Topology } from '../hardware/index.ts';
import { nodeOf } from '../hardware/index.ts';

/** One transfer of a collective, from GPU src to GPU dst. */
export interface FlowSpec {
  src: number;
  dst: number;
  bytes: number;
  /** Indices (in this collective's flows) of flows that must arrive (or drain) before this one starts. */
  after?: number | readonly number[];
  afterDrain?: boolean;
  /** The route's latency is paid this many times (a pipelined ring edge pays once per ring step). */
  latencySteps?: number;
}

/** Square matrix of bytes, row = sender rank, column = receiver rank. */
export type ByteMatrix = ArrayLike<ArrayLike<number>>;

/** Every pair sends directly: NVLink inside a node, RDMA across nodes. */
export function directAllToAll(gpus: number[], bytes: ByteMatrix): FlowSpec[] {
  const flows: FlowSpec[] = [];
  for (let i = 0; i < gpus.length; i++) {
    for (let j = 0; j < gpus.length; j++) {
      const b = bytes[i]![j]!;
      if (i !== j && b > 0) flows.push({ src: gpus[i]!, dst: gpus[j]!, bytes: b });
    }
  }
  return flows;
}

export interface TwoHopOptions {
  /**
   * Bytes each sender puts on RDMA towards each destination node, indexed [sender rank][node].
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
 * DeepEP-style two-hop all-to-all: across nodes, a sender's traffic for node B goes by RDMA to
 * the GPU of the same local rank in B, which forwards it over NVLink. Inside a node it is direct.
 * Pairs whose relay GPU is not a participant go direct.
 */
export function twoHopAllToAll(topology: Topology, gpus: number[], bytes: ByteMatrix, options: TwoHopOptions = {}): FlowSpec[] {
  const rankOfGpu = new Map(gpus.map((g, r) => [g, r]));
  const ranksByNode = groupRanksByNode(topology, gpus);
  const flows: FlowSpec[] = [];
  for (let i = 0; i < gpus.length; i++) {
    const src = gpus[i]!;
    const srcNode = nodeOf(topology, src);
    const localRank = src % topology.gpusPerNode;
    for (const [node, ranks] of ranksByNode) {
      if (node === srcNode) {
        for (const j of ranks) if (j !== i && bytes[i]![j]! > 0) flows.push({ src, dst: gpus[j]!, bytes: bytes[i]![j]! });
        continue;
      }
      const relay = node * topology.gpusPerNode + localRank;
      const relayRank = rankOfGpu.get(relay);
      if (relayRank === undefined) {
        for (const j of ranks) if (bytes[i]![j]! > 0) flows.push({ src, dst: gpus[j]!, bytes: bytes[i]![j]! });
        continue;
      }
      let rowSum = 0;
      for (const j of ranks) rowSum += bytes[i]![j]!;
      const rdma = options.rdmaBytes?.(i, node) ?? rowSum;
      if (rowSum <= 0) continue;
      const chunks = chunkCount(rdma, options);
      let previous: number | undefined;
      for (let c = 0; c < chunks; c++) {
        const rdmaIndex = flows.length;
        flows.push({ src, dst: relay, bytes: rdma / chunks, ...(previous === undefined ? {} : { after: previous, afterDrain: true }) });
        previous = rdmaIndex;
        for (const j of ranks) {
          if (j === relayRank || bytes[i]![j]! <= 0) continue;
          flows.push({ src: relay, dst: gpus[j]!, bytes: bytes[i]![j]! / chunks, after: rdmaIndex });
        }
      }
    }
  }
  return flows;
}

/**
 * The combine direction of the two-hop all-to-all: senders first gather over NVLink at the GPU of
 * their node whose local rank matches the receiver's, which sends once over RDMA (EP libraries
 * reduce a token's expert outputs inside the node before they cross). `rdmaBytes(receiverRank,
 * node)` is what crosses from `node` to that receiver (default: the column sum over the node).
 */
export function twoHopAllToAllReverse(
  topology: Topology,
  gpus: number[],
  bytes: ByteMatrix,
  rdmaBytes?: (receiverRank: number, node: number) => number | undefined,
  options: Pick<TwoHopOptions, 'chunks' | 'chunkBytes' | 'maxChunks'> = {},
): FlowSpec[] {
  const rankOfGpu = new Map(gpus.map((g, r) => [g, r]));
  const ranksByNode = groupRanksByNode(topology, gpus);
  const flows: FlowSpec[] = [];
  for (let j = 0; j < gpus.length; j++) {
    const dst = gpus[j]!;
    const dstNode = nodeOf(topology, dst);
    const localRank = dst % topology.gpusPerNode;
    for (const [node, ranks] of ranksByNode) {
      if (node === dstNode) {
        for (const i of ranks) if (i !== j && bytes[i]![j]! > 0) flows.push({ src: gpus[i]!, dst, bytes: bytes[i]![j]! });
        continue;
      }
      const relay = node * topology.gpusPerNode + localRank;
      if (!rankOfGpu.has(relay)) {
        for (const i of ranks) if (bytes[i]![j]! > 0) flows.push({ src: gpus[i]!, dst, bytes: bytes[i]![j]! });
        continue;
      }
      let columnSum = 0;
      for (const i of ranks) columnSum += bytes[i]![j]!;
      if (columnSum <= 0) continue;
      const rdma = rdmaBytes?.(j, node) ?? columnSum;
      if (rdma <= 0) continue;
      // Piece c of the RDMA send waits for piece c of every gather into the relay.
      const chunks = chunkCount(rdma, options);
      let previous: number | undefined;
      for (let c = 0; c < chunks; c++) {
        const gathers: number[] = [];
        for (const i of ranks) {
          const b = bytes[i]![j]!;
          if (b <= 0 || gpus[i] === relay) continue;
          gathers.push(flows.length);
          flows.push({ src: gpus[i]!, dst: relay, bytes: b / chunks });
        }
        const waits = previous === undefined ? gathers : [...gathers, previous];
        previous = flows.length;
        flows.push({ src: relay, dst, bytes: rdma / chunks, ...(waits.length > 0 ? { after: waits } : {}) });
      }
    }
  }
  return flows;
}

function groupRanksByNode(topology: Topology, gpus: number[]): Map<number, number[]> {
  const ranksByNode = new Map<number, number[]>();
  gpus.forEach((g, r) => {
    const node = nodeOf(topology, g);
    if (!ranksByNode.has(node)) ranksByNode.set(node, []);
    ranksByNode.get(node)!.push(r);
  });
  return ranksByNode;
}

/**
 * Ring all-reduce of `bytes` per GPU (NCCL's ring): 2(n-1) steps, each rank sending bytes/n to
 * the next; a step's send waits for the previous step's piece to arrive.
 */
export function ringAllReduce(gpus: number[], bytes: number): FlowSpec[] {
  return ringSteps(gpus, bytes / gpus.length, 2 * (gpus.length - 1));
}

/** Ring all-gather: every rank ends with all n pieces of `bytesPerRank`: n-1 steps. */
export function ringAllGather(gpus: number[], bytesPerRank: number): FlowSpec[] {
  return ringSteps(gpus, bytesPerRank, gpus.length - 1);
}

/** Ring reduce-scatter of `bytes` per GPU: n-1 steps of bytes/n. */
export function ringReduceScatter(gpus: number[], bytes: number): FlowSpec[] {
  return ringSteps(gpus, bytes / gpus.length, gpus.length - 1);
}

function ringSteps(gpus: number[], pieceBytes: number, steps: number): FlowSpec[] {
  const n = gpus.length;
  const flows: FlowSpec[] = [];
  if (n < 2 || pieceBytes <= 0) return flows;
  for (let step = 0; step < steps; step++) {
    for (let i = 0; i < n; i++) {
      const incoming = step === 0 ? undefined : (step - 1) * n + ((i - 1 + n) % n);
      flows.push({ src: gpus[i]!, dst: gpus[(i + 1) % n]!, bytes: pieceBytes, ...(incoming === undefined ? {} : { after: incoming }) });
    }
  }
  return flows;
}

/**
 * Ring all-reduce as NCCL runs it in steady state: every ring edge carries 2(n-1)/n of the data as
 * one pipelined transfer and pays the per-step latency 2(n-1) times. Alone on its links it takes
 * exactly as long as the step-by-step ring; it needs n flows instead of 2n(n-1).
 */
export function pipelinedRingAllReduce(gpus: number[], bytes: number): FlowSpec[] {
  const n = gpus.length;
  const flows: FlowSpec[] = [];
  appendRing(flows, gpus, (2 * (n - 1) * bytes) / n, 2 * (n - 1));
  return flows;
}

/**
 * Appends a pipelined ring over `ring` (edge i: ring[i] -> ring[i+1]); an edge waits for the flow
 * `waitFor(sender)` names, if any. Records in `into` which flow delivers to each GPU.
 */
function appendRing(
  flows: FlowSpec[],
  ring: number[],
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
    into?.set(dst, flows.length);
    flows.push({ src, dst, bytes: edgeBytes, latencySteps: steps, ...(wait === undefined ? {} : { after: wait }) });
  });
}

/**
 * Hierarchical all-reduce for a group of g GPUs on each of N nodes (NCCL's two-level algorithm):
 * reduce-scatter inside each node over NVLink, all-reduce of each 1/g slice among the GPUs of the
 * same local rank across nodes over RDMA, all-gather inside each node. Each phase is a pipelined
 * ring, and a GPU's next phase waits for the previous phase's data to reach it. A group that is
 * not node-regular gets one pipelined ring.
 */
export function hierarchicalAllReduce(topology: Topology, gpus: number[], bytes: number): FlowSpec[] {
  const byNode = [...groupRanksByNode(topology, gpus).values()].map((ranks) => ranks.map((r) => gpus[r]!));
  const g = byNode[0]!.length;
  if (byNode.length < 2 || g < 2 || byNode.some((members) => members.length !== g)) return pipelinedRingAllReduce(gpus, bytes);
  const nodes = byNode.length;
  const flows: FlowSpec[] = [];
  const intraBytes = ((g - 1) * bytes) / g;
  const reduced = new Map<number, number>();
  for (const members of byNode) appendRing(flows, members, intraBytes, g - 1, undefined, reduced);
  const allReduced = new Map<number, number>();
  for (let local = 0; local < g; local++) {
    const ring = byNode.map((members) => members[local]!);
    appendRing(flows, ring, (2 * (nodes - 1) * bytes) / g / nodes, 2 * (nodes - 1), (gpu) => reduced.get(gpu), allReduced);
  }
  for (const members of byNode) appendRing(flows, members, intraBytes, g - 1, (gpu) => allReduced.get(gpu));
  return flows;
}

export function pointToPoint(src: number, dst: number, bytes: number): FlowSpec[] {
  return bytes > 0 && src !== dst ? [{ src, dst, bytes }] : [];
}
