// Collectives as explicit flow lists (FlowSpec[]), for tests, benchmarks and hand-built graphs. The
// algorithms themselves live in algorithms.ts; these wrap them with a FlowList sink. Matrices are
// indexed by rank within `gpus` (the participants); the flows name GPUs.
import type { Topology } from '../hardware/index.ts';
import { appendRing, directAllToAllInto, FlowList, hierarchicalAllReduceInto, twoHopGatherInto, twoHopScatterInto, type TwoHopOptions } from './algorithms.ts';
import type { FlowSpec } from './collective-op.ts';

export type { TwoHopOptions };

/** Square matrix of bytes, row = sender rank, column = receiver rank. */
export type ByteMatrix = ArrayLike<ArrayLike<number>>;

const reader = (bytes: ByteMatrix) => (i: number, j: number) => bytes[i]![j]!;

/** Every pair sends directly: NVLink inside a node, RDMA across nodes. */
export function directAllToAll(gpus: number[], bytes: ByteMatrix): FlowSpec[] {
  const sink = new FlowList();
  directAllToAllInto(gpus, reader(bytes), sink);
  return sink.flows;
}

/** DeepEP-style two-hop all-to-all, dispatch direction (see algorithms.ts). */
export function twoHopAllToAll(topology: Topology, gpus: number[], bytes: ByteMatrix, options: TwoHopOptions = {}): FlowSpec[] {
  const sink = new FlowList();
  twoHopScatterInto(topology, gpus, reader(bytes), options, sink);
  return sink.flows;
}

/** The combine direction of the two-hop all-to-all (see algorithms.ts). */
export function twoHopAllToAllReverse(
  topology: Topology,
  gpus: number[],
  bytes: ByteMatrix,
  rdmaBytes?: (receiverRank: number, node: number) => number | undefined,
  options: Pick<TwoHopOptions, 'chunks' | 'chunkBytes' | 'maxChunks'> = {},
): FlowSpec[] {
  const sink = new FlowList();
  twoHopGatherInto(topology, gpus, reader(bytes), rdmaBytes, options, sink);
  return sink.flows;
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
  const sink = new FlowList();
  appendRing(sink, gpus, (2 * (n - 1) * bytes) / n, 2 * (n - 1));
  return sink.flows;
}

/** Hierarchical all-reduce (NCCL's two-level algorithm; see algorithms.ts). */
export function hierarchicalAllReduce(topology: Topology, gpus: number[], bytes: number): FlowSpec[] {
  const sink = new FlowList();
  hierarchicalAllReduceInto(topology, gpus, bytes, sink);
  return sink.flows;
}

export function pointToPoint(src: number, dst: number, bytes: number): FlowSpec[] {
  return bytes > 0 && src !== dst ? [{ src, dst, bytes }] : [];
}
