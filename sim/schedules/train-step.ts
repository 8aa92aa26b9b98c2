// One optimizer step of training: every micro-batch (gradientAccumulation of them) through a
// pipeline of `pipelineStages` ranks, each rank on its own GPUs, in the order the pipeline
// schedule gives (pipeline-order.ts), then the data-parallel gradient sync and the optimizer.
//
//   - A rank runs its passes in that order on its compute stream; a forward chunk's activations go
//     to the next rank's GPUs (GPU i of one rank to GPU i of the next) and a backward chunk's input
//     gradients back, as pipeline sends on a stream per direction and pair of ranks.
//   - The last virtual stage ends the forward with the LM head and starts the backward from it.
//   - ZeRO-1 data parallelism (the layout memory.ts assumes): each layer's parameters are
//     all-gathered in BF16 among the GPUs that hold the same shard (its data-parallel ranks, and
//     its context-parallel ranks, and DualPipe's second copy) before the layer's first forward,
//     which in steady state is the gather that follows the previous step's optimizer (Megatron's
//     overlapped parameter gather); its BF16 gradients are reduce-scattered among them as soon as
//     the layer's last weight gradient of the step is done; the optimizer step (Adam on the FP32
//     shard) runs when a rank's reduce-scatters are done. Routed experts sync among their replicas
//     in the stage's EP groups.
//   - Everything shares the links with the EP exchanges and the pipeline sends of the step.
// Op count: micro-batches x layers x (ops per layer), plus a few per layer for the DP sync.
import { expertParams } from '../models/index.ts';
import { attentionParamsPerBlock, denseFfnParamsPerBlock, routerParamsPerLayer, sharedExpertParamsPerLayer } from '../models/index.ts';
import type { ModelPreset, OpCost } from '../models/index.ts';
import { backwardParts } from '../models/index.ts';
import type { RecomputeMode } from '../core/index.ts';
import { DEFAULT_COMPUTE_MODEL, opTimeNs } from '../hardware/index.ts';
import { STREAMS } from '../core/index.ts';
import { interleave } from './blocks.ts';
import { TrainingEmitter, type Emitter, type Handle } from './emitter.ts';
import type { LayerCosts } from './layer-costs.ts';
import { pipelineOrder, pipelineShape, type PassRef, type PassTimes, type PipelineOrder, type PipelineSchedule } from './pipeline-order.ts';
import type { StepPlan } from './step-plan.ts';
import { backwardLayer, emitWeightGrads, forwardLayer, fusedBackwardOf, type DeferredWeightGrad, type TrainLayerContext } from './train-layer.ts';

export interface TrainOptions {
  chunks: number;
  overlap: boolean;
}

/** Bytes per parameter of the optimizer step on a ZeRO-1 shard: read FP32 grad, master, m, v (16); write master, m, v (12) and the BF16 weight (2). */
export const OPTIMIZER_BYTES_PER_PARAM = 30;
/** BF16 gradients and parameters on the wire. */
const SYNC_BYTES_PER_PARAM = 2;

/** The pipeline a training step runs: the order and which layers each chunk holds. */
export interface TrainPipeline {
  schedule: PipelineSchedule;
  order: PipelineOrder;
  /** Layers of each chunk (the model cut into order.shape.chunks contiguous, balanced chunks). */
  chunkLayers: number[][];
  /** Chunks each rank holds (DualPipe and V-ZB: two). */
  chunksOfRank: number[][];
  /** Ranks holding each chunk (DualPipe: two copies). */
  ranksOfChunk: number[][];
}

export function trainPipeline(plan: StepPlan, costs: LayerCosts): TrainPipeline {
  const w = plan.input.workload;
  const schedule: PipelineSchedule = w.phase === 'train' ? (w.pipelineSchedule ?? '1f1b') : '1f1b';
  const shape = pipelineShape(schedule, plan.stages, plan.microBatches);
  const { chunks } = shape;
  const chunkLayers = Array.from({ length: chunks }, (_, k) => {
    const lo = Math.floor((k * plan.layers) / chunks);
    const hi = Math.floor(((k + 1) * plan.layers) / chunks);
    return Array.from({ length: hi - lo }, (_, i) => lo + i);
  });
  const chunksOfRank = Array.from({ length: plan.stages }, () => new Set<number>());
  const ranksOfChunk = Array.from({ length: chunks }, () => new Set<number>());
  for (let mb = 0; mb < plan.microBatches; mb++) {
    for (let s = 0; s < shape.stagesPerPath; s++) {
      const r = shape.rankOf(s, mb);
      const k = shape.chunkOf(s, mb);
      chunksOfRank[r]!.add(k);
      ranksOfChunk[k]!.add(r);
    }
  }
  const ranks = ranksOfChunk.map((set) => [...set].sort((a, b) => a - b));
  const times = passTimes(plan, costs, chunkLayers, ranks.map((r) => r[0]!));
  const order = pipelineOrder(schedule, plan.stages, plan.microBatches, times);
  return { schedule, order, chunkLayers, chunksOfRank: chunksOfRank.map((set) => [...set].sort((a, b) => a - b)), ranksOfChunk: ranks };
}

/**
 * Each chunk's pass times for the pipeline order: its layers' compute ops (micro-batch 0, on the
 * first GPU of a rank holding it) timed by the scenario's compute model; recomputation adds to B,
 * the last chunk has the LM head. Exchanges are left out (their time depends on the overlap).
 */
function passTimes(plan: StepPlan, costs: LayerCosts, chunkLayers: number[][], rankOfChunk: number[]): PassTimes {
  const gpu = plan.topology.gpu;
  const model = plan.input.computeModel ?? DEFAULT_COMPUTE_MODEL;
  const w = plan.input.workload;
  const recompute: RecomputeMode = w.phase === 'train' ? (w.recompute ?? 'none') : 'none';
  const time = (c: OpCost) => opTimeNs(c, gpu, model);
  const F: number[] = [];
  const B: number[] = [];
  const W: number[] = [];
  chunkLayers.forEach((layers, k) => {
    const g = rankOfChunk[k]! * plan.stageGpus;
    const ops: OpCost[] = [];
    let attentions = 0;
    for (const layer of layers) {
      const moeLayer = plan.moeIndexOf[layer]!;
      if (plan.model.layout === 'scmoe') {
        ops.push(costs.attention(0, 'all'), costs.attention(0, 'all'), costs.denseFfn(0), costs.denseFfn(0));
        attentions += 2;
      } else {
        ops.push(costs.attention(0, 'all'));
        attentions += 1;
        if (moeLayer < 0) ops.push(costs.denseFfn(0));
      }
      if (moeLayer >= 0) {
        ops.push(costs.router(0), costs.experts(moeLayer, 0, g, 'all'));
        const shared = costs.sharedExpert(0);
        if (shared) ops.push(shared);
      }
    }
    if (k === chunkLayers.length - 1) ops.push(costs.lmHead(0));
    let f = 0;
    let b = 0;
    let wg = 0;
    for (const c of ops) {
      const parts = backwardParts(c);
      f += time(c);
      b += time(parts.input);
      wg += time(parts.weight);
    }
    if (recompute === 'full') b += f;
    if (recompute === 'selective') b += attentions * time(costs.attentionRecompute(0));
    F.push(f);
    B.push(b);
    W.push(wg);
  });
  return { F, B, W };
}

export function trainStep(e: Emitter, costs: LayerCosts, options: TrainOptions): void {
  if (!(e instanceof TrainingEmitter)) throw new Error('internal: training needs a TrainingEmitter');
  const te: TrainingEmitter = e;
  const plan = e.plan;
  const w = plan.input.workload;
  if (w.phase !== 'train') throw new Error('internal: trainStep outside the train phase');
  const pipe = trainPipeline(plan, costs);
  const { order, chunkLayers } = pipe;
  const shape = order.shape;
  const S = shape.stagesPerPath;
  const split = shape.splitBackward;
  const recompute: RecomputeMode = w.recompute ?? 'none';
  const rankGpus = (r: number) => Array.from({ length: plan.stageGpus }, (_, i) => r * plan.stageGpus + i);
  const contexts = Array.from({ length: plan.stages }, (_, r): TrainLayerContext => {
    const gpus = rankGpus(r);
    const tp = plan.tp;
    const cpTp = plan.cp * tp;
    return {
      e,
      costs,
      gpus,
      groups: plan.stageGroups(r),
      tpGroups: chunk(gpus, tp),
      // GPUs of one sequence: cp x tp consecutive GPUs, one per TP rank in each ring.
      cpGroups: chunk(gpus, cpTp).flatMap((block) => Array.from({ length: tp }, (_, t) => block.filter((_, i) => i % tp === t))),
      overlap: options.overlap,
      chunks: options.chunks,
      split,
      recompute,
    };
  });

  // Parameter all-gather of every layer on every rank that holds it (see the header).
  const gathered = new Map<string, Handle>();
  pipe.ranksOfChunk.forEach((ranks, k) => {
    for (const layer of chunkLayers[k]!) {
      const h = paramSync(e, plan, layer, ranks, 'param-all-gather', []);
      for (const r of ranks) gathered.set(`${r}/${layer}`, h);
    }
  });

  const key = (s: number, mb: number) => `${s}/${mb}`;
  const forwardOut = new Map<string, Handle[]>();
  const backwardOut = new Map<string, Handle[]>();
  const received = new Map<string, Handle>();
  const deferred = new Map<string, DeferredWeightGrad[]>();
  const lastGrad = new Map<string, Handle>(); // rank/layer -> latest weight-gradient op
  const chunkBackwardsLeft = chunkLayers.map(() => plan.microBatches);
  const syncs: Handle[][] = Array.from({ length: plan.stages }, () => []);
  const actBytes = (mb: number) => plan.tokensIn(mb) * plan.model.hidden * 2;

  const send = (from: number, to: number, s: number, mb: number, dir: 'fwd' | 'bwd', deps: Handle[]) => {
    const h = te.pipelineSend({
      name: `pp.${dir}.s${s}.mb${mb}`,
      layer: -1,
      mb,
      srcGpus: rankGpus(from),
      dstGpus: rankGpus(to),
      bytes: actBytes(mb),
      stream: `${STREAMS.pp}:${from}>${to}`,
      deps,
    });
    received.set(`${dir}/${key(s, mb)}`, h);
  };

  function* forwardPass(p: PassRef): Generator<void, void> {
    const r = shape.rankOf(p.stage, p.mb);
    const c = contexts[r]!;
    let entry: Handle[] = [];
    if (p.stage > 0) entry = shape.rankOf(p.stage - 1, p.mb) === r ? forwardOut.get(key(p.stage - 1, p.mb))! : [received.get(`fwd/${key(p.stage, p.mb)}`)!];
    for (const layer of chunkLayers[shape.chunkOf(p.stage, p.mb)]!) {
      entry = yield* forwardLayer(c, layer, p.mb, [...entry, gathered.get(`${r}/${layer}`)!]);
    }
    if (p.stage === S - 1) entry = [headOp(c, p.mb, 'forward', entry, [])];
    forwardOut.set(key(p.stage, p.mb), entry);
    if (p.stage < S - 1) {
      const next = shape.rankOf(p.stage + 1, p.mb);
      if (next !== r) send(r, next, p.stage + 1, p.mb, 'fwd', entry);
    }
  }

  function* backwardPass(p: PassRef): Generator<void, void> {
    const r = shape.rankOf(p.stage, p.mb);
    const c = contexts[r]!;
    const list: DeferredWeightGrad[] = [];
    let entry: Handle[];
    if (p.stage === S - 1) entry = [headOp(c, p.mb, 'backward', forwardOut.get(key(p.stage, p.mb))!, list)];
    else entry = shape.rankOf(p.stage + 1, p.mb) === r ? backwardOut.get(key(p.stage + 1, p.mb))! : [received.get(`bwd/${key(p.stage, p.mb)}`)!];
    const layers = chunkLayers[shape.chunkOf(p.stage, p.mb)]!;
    for (let i = layers.length - 1; i >= 0; i--) {
      entry = yield* backwardLayer(c, layers[i]!, p.mb, entry, list);
      if (!split) lastGrad.set(`${r}/${layers[i]}`, entry[0]!);
    }
    backwardOut.set(key(p.stage, p.mb), entry);
    if (split) deferred.set(key(p.stage, p.mb), list);
    else backwardDone(shape.chunkOf(p.stage, p.mb));
    if (p.stage > 0) {
      const prev = shape.rankOf(p.stage - 1, p.mb);
      if (prev !== r) send(r, prev, p.stage - 1, p.mb, 'bwd', entry);
    }
  }

  function weightPass(p: PassRef): void {
    const r = shape.rankOf(p.stage, p.mb);
    const last = emitWeightGrads(contexts[r]!, deferred.get(key(p.stage, p.mb)) ?? []);
    for (const [layer, h] of last) lastGrad.set(`${r}/${layer}`, h);
    deferred.delete(key(p.stage, p.mb));
    backwardDone(shape.chunkOf(p.stage, p.mb));
  }

  /** After a chunk's last backward of the step, its gradients are reduce-scattered. */
  function backwardDone(k: number): void {
    if (--chunkBackwardsLeft[k]! > 0) return;
    const ranks = pipe.ranksOfChunk[k]!;
    for (const layer of chunkLayers[k]!) {
      const deps = ranks.map((r) => lastGrad.get(`${r}/${layer}`)).filter((h): h is Handle => !!h);
      const h = paramSync(te, plan, layer, ranks, 'grad-reduce-scatter', deps);
      for (const r of ranks) syncs[r]!.push(h);
    }
  }

  for (const task of order.tasks) {
    const programs = task.passes.map((p) => {
      if (p.pass === 'F') return forwardPass(p);
      if (p.pass === 'W') return (function* () { weightPass(p); })();
      return backwardPass(p);
    });
    interleave(programs);
  }

  // The optimizer step on each GPU's ZeRO-1 shard, once its reduce-scatters are in.
  for (let r = 0; r < plan.stages; r++) {
    const params = shardParamsOfRank(plan, pipe, r);
    const first = r * plan.stageGpus;
    const bytes = params * OPTIMIZER_BYTES_PER_PARAM;
    const cost: OpCost = { flops: 0, bytes, dtype: 'bf16', kernels: [{ kind: 'plain', dtype: 'bf16', flops: 0, bytes }] };
    te.compute({ name: `optimizer.rank${r}`, kind: 'optimizer', cost: (g) => (g >= first && g < first + plan.stageGpus ? cost : null), deps: syncs[r]! });
  }
}

/** The LM head (and loss) on the last virtual stage: forward, or its backward (W deferred when split). */
function headOp(c: TrainLayerContext, mb: number, pass: 'forward' | 'backward', deps: readonly Handle[], deferred: DeferredWeightGrad[]): Handle {
  const plan = c.e.plan;
  const layer = plan.layers;
  const first = c.gpus[0]!;
  const last = c.gpus[c.gpus.length - 1]!;
  const on = (g: number) => g >= first && g <= last;
  const fwd = c.costs.lmHead(mb);
  if (pass === 'forward') return c.e.compute({ name: `head.mb${mb}.lm-head`, kind: 'lm-head', layer, mb, cost: (g) => (on(g) ? fwd : null), deps });
  if (!c.split) return c.e.compute({ name: `head.mb${mb}.lm-head.bwd`, kind: 'lm-head', layer, mb, cost: (g) => (on(g) ? fusedBackwardOf(fwd) : null), deps });
  const parts = backwardParts(fwd);
  const b = c.e.compute({ name: `head.mb${mb}.lm-head.bwd`, kind: 'lm-head', layer, mb, cost: (g) => (on(g) ? parts.input : null), deps });
  deferred.push({ name: `head.mb${mb}.lm-head.wgrad`, kind: 'lm-head', layer, mb, cost: () => parts.weight, after: b });
  return b;
}

/**
 * ZeRO-1 sync of one layer among the GPUs that hold the same shard of it: its replicated (dense)
 * parameters among every GPU of the holding ranks with the same TP rank; its routed experts among
 * the same EP rank of every EP group of those ranks. A pipelined ring each.
 */
function paramSync(e: TrainingEmitter, plan: StepPlan, layer: number, ranks: readonly number[], kind: 'param-all-gather' | 'grad-reduce-scatter', deps: readonly Handle[]): Handle {
  const gpusOf = (r: number) => Array.from({ length: plan.stageGpus }, (_, i) => r * plan.stageGpus + i);
  const all = ranks.flatMap(gpusOf);
  const denseBytes = (denseParamsOfLayer(plan.model, layer) / plan.tp) * SYNC_BYTES_PER_PARAM;
  const denseRings = Array.from({ length: plan.tp }, (_, t) => all.filter((g) => (g % plan.stageGpus) % plan.tp === t));
  const ring = (name: string, groups: number[][], bytes: number) =>
    e.ringAmong({
      name,
      kind,
      layer,
      mb: -1,
      groups,
      pattern: kind === 'param-all-gather' ? 'all-gather' : 'reduce-scatter',
      bytes,
      stream: STREAMS.dp,
      deps,
    });
  const dense = ring(`L${layer}.${kind}.dense`, denseRings, denseBytes);
  if (plan.moeIndexOf[layer]! < 0) return dense;
  const expertBytes = (plan.model.moe.ffnExperts / plan.ep) * expertParams(plan.model) * SYNC_BYTES_PER_PARAM;
  const expertRings = Array.from({ length: plan.ep }, (_, rank) => all.filter((g) => (g % plan.stageGpus) % plan.ep === rank));
  const experts = ring(`L${layer}.${kind}.experts`, expertRings, expertBytes);
  // One handle per GPU: the later of the two on each GPU is not known here, so the expert sync
  // (which follows the dense one on the same stream) stands for both where it exists.
  return Int32Array.from(dense, (id, g) => (experts[g]! >= 0 ? experts[g]! : id));
}

/** Parameters of a layer that every data-parallel rank holds whole or as its TP shard (all but the routed experts). */
export function denseParamsOfLayer(model: ModelPreset, layer: number): number {
  if (model.layout === 'scmoe') return 2 * attentionParamsPerBlock(model) + 2 * denseFfnParamsPerBlock(model) + routerParamsPerLayer(model);
  if (layer < model.denseLayers) return attentionParamsPerBlock(model) + denseFfnParamsPerBlock(model);
  return attentionParamsPerBlock(model) + sharedExpertParamsPerLayer(model) + routerParamsPerLayer(model);
}

/** Parameters in one GPU's optimizer shard on rank r (dense ones / their replicas, experts / theirs). */
function shardParamsOfRank(plan: StepPlan, pipe: TrainPipeline, r: number): number {
  let params = 0;
  for (const k of pipe.chunksOfRank[r]!) {
    const copies = pipe.ranksOfChunk[k]!.length;
    const denseReplicas = (plan.stageGpus / plan.tp) * copies;
    const expertReplicas = (plan.stageGpus / plan.ep) * copies;
    for (const layer of pipe.chunkLayers[k]!) {
      params += denseParamsOfLayer(plan.model, layer) / plan.tp / denseReplicas;
      if (plan.moeIndexOf[layer]! >= 0) params += ((plan.model.moe.ffnExperts / plan.ep) * expertParams(plan.model)) / expertReplicas;
    }
  }
  return params;
}

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
