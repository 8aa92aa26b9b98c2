// Emits ops for every GPU at once. A Handle holds one op id per GPU (-1 where a GPU has none), so a
// schedule reads like the program of a single GPU while the graph gets all of them. Collectives
// span an EP group (dispatch, combine) or a TP group (all-reduce).
import type { OpCost } from '../models/index.ts';
import { combineBytesPerToken, dispatchBytesPerToken } from '../models/index.ts';
import { computeTimeNs } from '../hardware/index.ts';
import type { CollectiveAlgorithm } from '../network/index.ts';
import { OpGraph } from '../ops/index.ts';
import type { LayerTraffic } from '../replay/index.ts';
import type { CommKind, ComputeKind } from '../core/index.ts';
import { STREAMS } from '../core/index.ts';
import type { StepPlan } from './step-plan.ts';

export type Handle = Int32Array;

/**
 * Two-hop exchanges forward in pieces of about this size (at most 8 pieces per transfer) so the
 * NVLink hop overlaps the RDMA hop, as DeepEP's chunked sends do; decode-sized transfers stay whole.
 */
const TWO_HOP_CHUNK_BYTES = 256 * 1024;
const TWO_HOP_MAX_CHUNKS = 8;

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
    for (let g = 0; g < this.plan.gpus; g++) {
      const cost = op.cost(g);
      if (!cost) continue;
      const key = `${cost.flops}/${cost.bytes}/${cost.dtype}`;
      let workNs = this.timeCache.get(key);
      if (workNs === undefined) this.timeCache.set(key, (workNs = computeTimeNs(cost, gpu)));
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
    for (let group = 0; group < this.plan.groups; group++) {
      const gpus = this.plan.groupGpus(group);
      const traffic = this.plan.traffic(op.moeLayer, op.mb, group);
      const parts = this.graph.collective({
        name: op.name,
        kind,
        layer: op.layer,
        microBatch: op.mb,
        stream: op.stream ?? STREAMS.comm,
        sms: this.plan.input.commSms,
        overheadNs: this.plan.topology.gpu.launchOverheadNs,
        parts: gpus.map((g) => ({ gpu: g, deps: depsOf(op.deps, g) })),
        algorithm: this.exchangeAlgorithm(gpus, traffic, bytesPerToken * share, backwards),
      });
      gpus.forEach((g, r) => (out[g] = parts[r]!));
    }
    return out;
  }

  /**
   * How one exchange moves its bytes. Forward (dispatch direction) bytes[s][d] = tokens s sends d
   * x bytes per token; the return direction reads the transpose. Two-hop aggregation crosses each
   * node once per token; a group inside one node is always direct.
   */
  private exchangeAlgorithm(gpus: number[], t: LayerTraffic, bytesPerToken: number, toSender: boolean): CollectiveAlgorithm {
    const matrix = { n: t.ep, counts: t.tokensToRank, scale: bytesPerToken, transposed: toSender };
    if (this.plan.input.topology.comm.allToAll === 'direct' || t.nodesInGroup <= 1) return { kind: 'direct-all-to-all', matrix };
    const firstNode = Math.floor(gpus[0]! / this.plan.topology.gpusPerNode);
    return {
      kind: 'two-hop-all-to-all',
      matrix,
      rdma: { nodes: t.nodesInGroup, firstNode, counts: t.tokensToNode, scale: bytesPerToken },
      gather: toSender,
      pieceBytes: TWO_HOP_CHUNK_BYTES,
      maxPieces: TWO_HOP_MAX_CHUNKS,
    };
  }

  /** Ring all-reduce of `bytes(gpu)` among each tensor-parallel group (consecutive GPUs). */
  tpAllReduce(name: string, layer: number, mb: number, bytes: number, deps: readonly Handle[]): Handle {
    return this.groupAllReduce(name, 'all-reduce', layer, mb, bytes, this.plan.tp, STREAMS.tp, deps);
  }

  /** Ring all-reduce among GPUs that hold the same shard (data-parallel gradient sync). */
  dataParallelAllReduce(name: string, layer: number, bytes: number, groupSize: number, stride: number, deps: readonly Handle[]): Handle {
    const out = this.none();
    if (groupSize < 2 || bytes <= 0) return out;
    for (let first = 0; first < stride; first++) {
      const gpus = Array.from({ length: groupSize }, (_, i) => first + i * stride);
      this.ringCollective(name, 'grad-all-reduce', layer, 0, gpus, bytes, STREAMS.dp, deps, out);
    }
    return out;
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
