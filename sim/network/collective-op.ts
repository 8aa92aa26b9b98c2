// A collective as one op of the graph: who takes part, which algorithm moves the bytes, and the
// bytes themselves (a traffic matrix, or one size per rank where that is all the algorithm needs).
// The graph stores this description as it is; a network backend expands it into transfers when the
// collective runs, each backend in its own way (sim/network/backend.ts).

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

/**
 * Bytes rank i sends rank j: counts[i * n + j] x scale, or counts[j * n + i] x scale when
 * `transposed` (the return direction of an exchange reads the same token counts). Sharing the
 * counts of a layer's traffic (no copy) keeps a graph of many exchanges small.
 */
export interface TrafficMatrix {
  n: number;
  counts: ArrayLike<number>;
  scale: number;
  transposed?: boolean;
}

/** Bytes `rank` exchanges with `node` over RDMA when a node's traffic is sent once: counts[rank * nodes + (node - firstNode)] x scale. */
export interface NodeTraffic {
  nodes: number;
  firstNode: number;
  counts: ArrayLike<number>;
  scale: number;
}

export type CollectiveAlgorithm =
  /** Every pair sends directly: NVLink inside a node, RDMA across nodes. */
  | { kind: 'direct-all-to-all'; matrix: TrafficMatrix }
  /**
   * DeepEP-style two hops across nodes (RDMA to the GPU of the same local rank in the other node,
   * NVLink inside it). `gather` is the return direction: NVLink into that GPU first, then one RDMA
   * send. Large transfers go in pieces of about `pieceBytes` (at most `maxPieces`) so the hops overlap.
   */
  | { kind: 'two-hop-all-to-all'; matrix: TrafficMatrix; rdma?: NodeTraffic; gather: boolean; pieceBytes?: number; maxPieces?: number }
  /**
   * DeepEP's low-latency kernels: every pair sends directly, one message per (token, selected
   * expert) (the matrix counts picks, not tokens). `intraNode: 'rdma'` sends same-node pairs over
   * the NIC too (the kernels' first version); 'nvlink' uses NVLink inside a node.
   */
  | { kind: 'low-latency-all-to-all'; matrix: TrafficMatrix; intraNode: 'rdma' | 'nvlink' }
  /** NCCL's two-level all-reduce of `bytesPerRank` (pipelined rings in and across nodes). */
  | { kind: 'hierarchical-all-reduce'; bytesPerRank: number }
  /** One pipelined ring over all participants. */
  | { kind: 'ring-all-reduce'; bytesPerRank: number }
  /** One transfer between two participants (ranks). */
  | { kind: 'p2p'; srcRank: number; dstRank: number; bytes: number }
  /** A hand-written list of transfers between participants' GPUs (tests, custom patterns). */
  | { kind: 'explicit'; flows: readonly FlowSpec[] };


/** Whether every transfer of the algorithm goes over the NICs, same-node pairs included. */
export function routesOverNic(algorithm: CollectiveAlgorithm): boolean {
  return algorithm.kind === 'low-latency-all-to-all' && algorithm.intraNode === 'rdma';
}

/** bytes(i, j) of a traffic matrix. */
export function matrixBytes(m: TrafficMatrix, i: number, j: number): number {
  return m.counts[m.transposed ? j * m.n + i : i * m.n + j]! * m.scale;
}
