// Emits ops for every GPU at once. A Handle holds one op id per GPU (-1 where a GPU has none), so a
// schedule reads like the program of a single GPU while the graph gets all of them. Collectives
// span an EP group (dispatch, combine) or a TP group (all-reduce).
import type { OpCost } from '../models/index.ts';
import { combineBytesPerToken, dispatchBytesPerToken } from '../models/index.ts';
import { DEFAULT_COMPUTE_MODEL, opCostKey, opTimeNs } from '../hardware/index.ts';
import type { FlowSpec } from '../network/index.ts';
import { lowLatencyFixedNs } from '../network/index.ts';
import { OpGraph } from '../ops/index.ts';
import type { CommKind, ComputeKind } from '../core/index.ts';
import { STREAMS } from '../core/index.ts';
import type { StepPlan } from './step-plan.ts';
import { exchangeAlgorithm } from './exchange-algorithm.ts';

export type Handle = Int32Array;

export interface ComputeOp {
  name: string;
  kind: ComputeKind;
  layer?: number;
  mb?: number;
  stream?: string;
  /** The op's cost on a GPU (null: the GPU has no such op). */
  cost: (gpu: number) => OpCost | null;
  deps: readonly Handle[];
}

export interface ExchangeOp {
  name: string;
  layer: number;
  mb: number;
  moeLayer: number;
  stream?: string;
  deps: readonly Handle[];
  /** Share of the layer's traffic this op carries (a chunk of the combine, say). */
  share?: number;
  /** Backward passes run the exchange in the opposite direction. */
  reversed?: boolean;
  /** Only these EP groups exchange (a pipeline stage's); default every group. */
  groups?: readonly number[];
}

export class Emitter {
  readonly graph = new OpGraph();
  readonly plan: StepPlan;
  private readonly timeCache = new Map<string, number>();

  constructor(plan: StepPlan) {
    this.plan = plan;
  }

  none(): Handle {
    return new Int32Array(this.plan.gpus).fill(-1);
  }

  compute(op: ComputeOp): Handle {
    const out = this.none();
    const gpu = this.plan.topology.gpu;
    const model = this.plan.input.computeModel ?? DEFAULT_COMPUTE_MODEL;
    // Most ops give every GPU the same (memoized) cost object: time it once, not once per GPU.
    let lastCost: OpCost | undefined;
    let lastWorkNs = 0;
    for (let g = 0; g < this.plan.gpus; g++) {
      const cost = op.cost(g);
      if (!cost) continue;
      let workNs = lastWorkNs;
      if (cost !== lastCost) {
        const key = opCostKey(cost);
        const known = this.timeCache.get(key);
        if (known === undefined) this.timeCache.set(key, (workNs = opTimeNs(cost, gpu, model)));
        else workNs = known;
        lastCost = cost;
        lastWorkNs = workNs;
      }
      out[g] = this.graph.compute({
        name: op.name,
        kind: op.kind,
        layer: op.layer,
        microBatch: op.mb,
        gpu: g,
        stream: op.stream ?? STREAMS.compute,
        workNs,
        flops: cost.flops,
        bytes: cost.bytes,
        deps: depsOf(op.deps, g),
      });
    }
    return out;
  }

  /** Tokens to the ranks hosting their experts (FP8 or BF16 per the scenario). */
  dispatch(op: ExchangeOp): Handle {
    return this.exchange(op, 'dispatch', dispatchBytesPerToken(this.plan.model, this.plan.input.precision.dispatch), !!op.reversed);
  }

  /** Expert outputs back to the tokens' ranks. */
  combine(op: ExchangeOp): Handle {
    return this.exchange(op, 'combine', combineBytesPerToken(this.plan.model, this.plan.input.precision.combine), !op.reversed);
  }

  private exchange(op: ExchangeOp, kind: CommKind, bytesPerToken: number, backwards: boolean): Handle {
    const out = this.none();
    const share = op.share ?? 1;
    const comm = this.plan.input.topology.comm;
    const lowLatency = comm.allToAll === 'deepep-ll';
    const intraNode = comm.intraNode ?? 'nvlink';
    const choice = { form: comm.allToAll, intraNode, commSms: this.plan.input.commSms, gpusPerNode: this.plan.topology.gpusPerNode };
    for (const group of op.groups ?? Array.from({ length: this.plan.groups }, (_, g) => g)) {
      const gpus = this.plan.groupGpus(group);
      const traffic = this.plan.traffic(op.moeLayer, op.mb, group);
      const direction = kind === 'combine' ? 'combine' : 'dispatch';
      // Normal kernels hold their SMs for the whole exchange; the low-latency kernels' receive hook
      // holds none while data is in flight, and pay a fixed launch + handshake time instead.
      const timing = lowLatency
        ? { sms: 0, tailNs: lowLatencyFixedNs(this.plan.topology, gpus, intraNode) }
        : { sms: this.plan.input.commSms, overheadNs: this.plan.topology.gpu.launchOverheadNs };
      const parts = this.graph.collective({
        name: op.name,
        kind,
        layer: op.layer,
        microBatch: op.mb,
        stream: op.stream ?? STREAMS.comm,
        ...timing,
        parts: gpus.map((g) => ({ gpu: g, deps: depsOf(op.deps, g) })),
        algorithm: exchangeAlgorithm(choice, gpus, traffic, bytesPerToken * share, backwards, direction),
      });
      gpus.forEach((g, r) => (out[g] = parts[r]!));
    }
    return out;
  }

  /** Ring all-reduce of `bytes(gpu)` among each tensor-parallel group (consecutive GPUs). */
  tpAllReduce(name: string, layer: number, mb: number, bytes: number, deps: readonly Handle[]): Handle {
    return this.groupAllReduce(name, 'all-reduce', layer, mb, bytes, this.plan.tp, STREAMS.tp, deps);
  }

  private groupAllReduce(name: string, kind: CommKind, layer: number, mb: number, bytes: number, size: number, stream: string, deps: readonly Handle[]): Handle {
    const out = this.none();
    if (size < 2 || bytes <= 0) return out;
    for (let first = 0; first < this.plan.gpus; first += size) {
      const gpus = Array.from({ length: size }, (_, i) => first + i);
      this.ringCollective(name, kind, layer, mb, gpus, bytes, stream, deps, out);
    }
    return out;
  }

  private ringCollective(name: string, kind: CommKind, layer: number, mb: number, gpus: number[], bytes: number, stream: string, deps: readonly Handle[], out: Handle): void {
    const parts = this.graph.collective({
      name,
      kind,
      layer,
      microBatch: mb,
      stream,
      sms: this.plan.input.commSms,
      overheadNs: this.plan.topology.gpu.launchOverheadNs,
      parts: gpus.map((g) => ({ gpu: g, deps: depsOf(deps, g) })),
      algorithm: { kind: 'hierarchical-all-reduce', bytesPerRank: bytes },
    });
    gpus.forEach((g, r) => (out[g] = parts[r]!));
  }
}

function depsOf(handles: readonly Handle[], gpu: number): number[] {
  const deps: number[] = [];
  for (const h of handles) {
    const id = h[gpu]!;
    if (id >= 0) deps.push(id);
  }
  return deps;
}

// ===== H14 (issue 14): training collectives: pipeline sends between stages, ZeRO-1 data-parallel
// gradient reduce-scatter / parameter all-gather, context-parallel K/V exchange, stage-local TP
// all-reduce. Built on this.graph.collective like the methods above; they share the links with
// every other flow of the step. =====
export interface PipelineSendOp {
  name: string;
  layer: number;
  mb: number;
  /** srcGpus[i] sends `bytes` to dstGpus[i]. */
  srcGpus: readonly number[];
  dstGpus: readonly number[];
  bytes: number;
  /** One stream per direction between two ranks (sends and receives never queue behind each other). */
  stream: string;
  deps: readonly Handle[];
}

export interface RingOp {
  name: string;
  kind: CommKind;
  layer: number;
  mb: number;
  /** Each group runs the collective among its GPUs. */
  groups: readonly (readonly number[])[];
  /** Reduce-scatter of `bytes` per GPU, or all-gather that ends with `bytes` on every GPU. */
  pattern: 'reduce-scatter' | 'all-gather';
  bytes: number;
  stream: string;
  deps: readonly Handle[];
}

export class TrainingEmitter extends Emitter {
  /** Activations (or their gradients) from one pipeline rank's GPUs to the next rank's. */
  pipelineSend(op: PipelineSendOp): Handle {
    const out = this.none();
    if (op.bytes <= 0) return out;
    // A receive is posted when its sender's data is ready (it waits for the sender's deps), so
    // its span is the transfer, not the wait for the previous rank's compute.
    const parts = [
      ...op.srcGpus.map((g) => ({ gpu: g, deps: depsOf(op.deps, g) })),
      ...op.dstGpus.map((g, i) => ({ gpu: g, deps: depsOf(op.deps, op.srcGpus[i]!) })),
    ];
    const flows: FlowSpec[] = op.srcGpus.map((src, i) => ({ src, dst: op.dstGpus[i]!, bytes: op.bytes }));
    const ids = this.graph.collective({
      name: op.name,
      kind: 'pp-send',
      layer: op.layer,
      microBatch: op.mb,
      stream: op.stream,
      overheadNs: this.plan.topology.gpu.launchOverheadNs,
      parts,
      flows,
    });
    parts.forEach((p, i) => (out[p.gpu] = ids[i]!));
    return out;
  }

  /**
   * Reduce-scatter or all-gather in each group, as NCCL runs them across nodes: two pipelined ring
   * phases, one inside each node over NVLink and one among the GPUs of the same local rank across
   * nodes (so every NIC of a node carries its share); a group inside one node, or not spread evenly
   * over nodes, is one ring. A pipelined ring edge carries its whole phase's data as one transfer
   * and pays the per-step latency steps times: reduce-scatter of B bytes over n GPUs = edges of
   * (n-1)/n B in n-1 steps; all-gather to B = the same.
   */
  ringAmong(op: RingOp): Handle {
    const out = this.none();
    if (op.bytes <= 0) return out;
    for (const group of op.groups) {
      if (group.length < 2) continue;
      const flows = hierarchicalRingFlows(this.plan.topology.gpusPerNode, [...group], op.bytes, op.pattern);
      const ids = this.graph.collective({
        name: op.name,
        kind: op.kind,
        layer: op.layer,
        microBatch: op.mb,
        stream: op.stream,
        sms: this.plan.input.commSms,
        overheadNs: this.plan.topology.gpu.launchOverheadNs,
        parts: group.map((g) => ({ gpu: g, deps: depsOf(op.deps, g) })),
        flows,
      });
      group.forEach((g, r) => (out[g] = ids[r]!));
    }
    return out;
  }

  /** Tensor-parallel all-reduce among the given TP groups only (one pipeline stage's). */
  tpAllReduceAmong(name: string, layer: number, mb: number, bytes: number, groups: readonly (readonly number[])[], deps: readonly Handle[]): Handle {
    const out = this.none();
    if (bytes <= 0) return out;
    for (const g of groups) if (g.length > 1) this.trainingRing(name, layer, mb, [...g], bytes, deps, out);
    return out;
  }

  private trainingRing(name: string, layer: number, mb: number, gpus: number[], bytes: number, deps: readonly Handle[], out: Handle): void {
    const parts = this.graph.collective({
      name,
      kind: 'all-reduce',
      layer,
      microBatch: mb,
      stream: STREAMS.tp,
      sms: this.plan.input.commSms,
      overheadNs: this.plan.topology.gpu.launchOverheadNs,
      parts: gpus.map((g) => ({ gpu: g, deps: depsOf(deps, g) })),
      algorithm: { kind: 'hierarchical-all-reduce', bytesPerRank: bytes },
    });
    gpus.forEach((g, r) => (out[g] = parts[r]!));
  }
}
/** Flows of ringAmong (see there): phases in data order, each edge after the flow that brought its data. */
function hierarchicalRingFlows(gpusPerNode: number, gpus: number[], bytes: number, pattern: 'reduce-scatter' | 'all-gather'): FlowSpec[] {
  const byNode = new Map<number, number[]>();
  for (const g of gpus) {
    const node = Math.floor(g / gpusPerNode);
    if (!byNode.has(node)) byNode.set(node, []);
    byNode.get(node)!.push(g);
  }
  const nodes = [...byNode.values()];
  const perNode = nodes[0]!.length;
  const flows: FlowSpec[] = [];
  const ring = (members: number[], edgeBytes: number, steps: number, waitFor?: Map<number, number>, into?: Map<number, number>) => {
    const n = members.length;
    if (n < 2 || edgeBytes <= 0) return;
    members.forEach((src, i) => {
      const dst = members[(i + 1) % n]!;
      const wait = waitFor?.get(src);
      into?.set(dst, flows.length);
      flows.push({ src, dst, bytes: edgeBytes, latencySteps: steps, ...(wait === undefined ? {} : { after: wait }) });
    });
  };
  if (nodes.length < 2 || perNode < 2 || nodes.some((m) => m.length !== perNode)) {
    ring(gpus, ((gpus.length - 1) / gpus.length) * bytes, gpus.length - 1);
    return flows;
  }
  const N = nodes.length;
  const intra = (waitFor?: Map<number, number>, into?: Map<number, number>) => {
    for (const members of nodes) ring(members, ((perNode - 1) / perNode) * bytes, perNode - 1, waitFor, into);
  };
  const inter = (waitFor?: Map<number, number>, into?: Map<number, number>) => {
    for (let local = 0; local < perNode; local++) ring(nodes.map((m) => m[local]!), ((N - 1) / N) * (bytes / perNode), N - 1, waitFor, into);
  };
  const first = new Map<number, number>();
  if (pattern === 'reduce-scatter') {
    intra(undefined, first);
    inter(first);
  } else {
    inter(undefined, first);
    intra(first);
  }
  return flows;
}
// ===== end H14 block =====
