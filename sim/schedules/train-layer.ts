// The ops of one layer of one training micro-batch on one pipeline rank's GPUs, in the model's own
// layout (LongCat-Flash ScMoE: two attentions, two dense FFNs and an MoE on the shortcut;
// DeepSeek-V3 and other standard models: one attention, then a dense FFN or an MoE block with its
// shared experts). Forward and backward are generators that yield where they hand work to a
// communication stream, so DualPipe can interleave a forward and a backward chunk.
//
// Backward runs in reverse. Each compute op's backward is its input gradient B, which the op
// before it waits for, and its weight gradient W (models/training.ts backwardParts). With a fused
// schedule (1f1b) the two are one op; with a zero-bubble schedule W is deferred to the rank's W pass.
// The exchanges run reversed: the combine's gradient goes to the experts, the dispatch's back.
//
// `overlap` puts the exchanges on the communication stream (serial keeps them on the compute
// stream). ScMoE with overlap splits the MoE into `chunks` token chunks and runs the dense path
// (FFN 0, attention 1, FFN 1) between them (scmoe-chunked); a standard MoE layer with overlap runs
// its shared experts while the dispatch is in flight (shared-overlap).
//
// Context parallelism: before core attention the cp GPUs of a sequence all-gather their keys and
// values; in backward their gradients are reduce-scattered. Tensor parallelism: attention and dense
// FFN outputs (and in backward their input gradients) are all-reduced in the TP group.
// Recomputation: 'full' re-runs the layer's forward (exchanges included) before its backward;
// 'selective' re-runs each attention block's up-projections (MLA) or core attention (MHA).
import { backwardCost, backwardParts, contextParallelKvBytesPerToken, sumCosts } from '../models/index.ts';
import type { OpCost } from '../models/index.ts';
import type { ComputeKind, RecomputeMode } from '../core/index.ts';
import { STREAMS } from '../core/index.ts';
import { opName } from './blocks.ts';
import type { Handle, TrainingEmitter } from './emitter.ts';
import type { LayerCosts } from './layer-costs.ts';

export interface TrainLayerContext {
  e: TrainingEmitter;
  costs: LayerCosts;
  /** GPUs of the pipeline rank that runs these ops. */
  gpus: readonly number[];
  /** EP groups of that rank. */
  groups: readonly number[];
  tpGroups: readonly (readonly number[])[];
  cpGroups: readonly (readonly number[])[];
  overlap: boolean;
  chunks: number;
  /** Zero-bubble schedules: weight gradients deferred to the W pass. */
  split: boolean;
  recompute: RecomputeMode;
}

type CostFn = (gpu: number) => OpCost;

/** A weight-gradient op waiting for its rank's W pass. */
export interface DeferredWeightGrad {
  name: string;
  kind: ComputeKind;
  layer: number;
  mb: number;
  cost: CostFn;
  after: Handle;
}

interface LayerOps {
  c: TrainLayerContext;
  layer: number;
  mb: number;
  onRank: (gpu: number) => boolean;
  commStream: string;
}

function layerOps(c: TrainLayerContext, layer: number, mb: number): LayerOps {
  const first = c.gpus[0]!;
  const last = c.gpus[c.gpus.length - 1]!;
  return { c, layer, mb, onRank: (g) => g >= first && g <= last, commStream: c.overlap ? STREAMS.comm : STREAMS.compute };
}

function compute(o: LayerOps, label: string, kind: ComputeKind, cost: CostFn, deps: readonly Handle[]): Handle {
  return o.c.e.compute({ name: opName(o.layer, o.mb, label), kind, layer: o.layer, mb: o.mb, cost: (g) => (o.onRank(g) ? cost(g) : null), deps });
}

function exchange(o: LayerOps, what: 'dispatch' | 'combine', label: string, moeLayer: number, share: number, reversed: boolean, deps: readonly Handle[]): Handle {
  const op = { name: opName(o.layer, o.mb, label), layer: o.layer, mb: o.mb, moeLayer, stream: o.commStream, deps, share, reversed, groups: o.c.groups };
  return what === 'dispatch' ? o.c.e.dispatch(op) : o.c.e.combine(op);
}

function tpAllReduce(o: LayerOps, label: string, deps: Handle[]): Handle[] {
  const bytes = o.c.costs.tpAllReduceBytes(o.mb);
  if (bytes === 0) return deps;
  return [o.c.e.tpAllReduceAmong(opName(o.layer, o.mb, label), o.layer, o.mb, bytes, o.c.tpGroups, deps)];
}

/** K/V all-gather (forward) or their gradients' reduce-scatter (backward) among the cp GPUs of each sequence. */
function cpExchange(o: LayerOps, label: string, pattern: 'all-gather' | 'reduce-scatter', deps: Handle[]): Handle[] {
  const plan = o.c.e.plan;
  if (plan.cp < 2) return deps;
  const shard = plan.tokensIn(o.mb) * contextParallelKvBytesPerToken(plan.model, plan.tp);
  return [
    o.c.e.ringAmong({
      name: opName(o.layer, o.mb, label),
      kind: 'cp-all-gather',
      layer: o.layer,
      mb: o.mb,
      groups: o.c.cpGroups,
      pattern,
      bytes: plan.cp * shard,
      stream: STREAMS.cp,
      deps,
    }),
  ];
}

// ---- forward ----

/** An attention block's forward: one op, or with context parallelism QKV, the K/V exchange, then core + output. */
function attentionForward(o: LayerOps, label: string, deps: readonly Handle[]): Handle[] {
  const costs = o.c.costs;
  if (o.c.e.plan.cp < 2) return tpAllReduce(o, `${label}.tp-all-reduce`, [compute(o, label, 'attention', () => costs.attention(o.mb, 'all'), deps)]);
  const qkv = compute(o, `${label}.qkv`, 'attention', () => costs.attention(o.mb, 'qkv'), deps);
  const kv = cpExchange(o, `${label}.cp-kv`, 'all-gather', [qkv]);
  const rest = compute(o, `${label}.core`, 'attention', () => coreAndOut(costs, o.mb), [qkv, ...kv]);
  return tpAllReduce(o, `${label}.tp-all-reduce`, [rest]);
}

const coreAndOutMemo = new WeakMap<LayerCosts, Map<number, OpCost>>();
function coreAndOut(costs: LayerCosts, mb: number): OpCost {
  let m = coreAndOutMemo.get(costs);
  if (!m) coreAndOutMemo.set(costs, (m = new Map()));
  let c = m.get(mb);
  if (!c) m.set(mb, (c = sumCosts([costs.attention(mb, 'core'), costs.attention(mb, 'out')])));
  return c;
}

function ffnForward(o: LayerOps, label: string, deps: readonly Handle[]): Handle[] {
  return tpAllReduce(o, `${label}.tp-all-reduce`, [compute(o, label, 'dense-ffn', () => o.c.costs.denseFfn(o.mb), deps)]);
}

/**
 * One layer's forward. `tag` marks a recomputation (ops named `...re`). Returns the handles the next
 * layer waits for.
 */
export function* forwardLayer(c: TrainLayerContext, layer: number, mb: number, entry: readonly Handle[], tag = ''): Generator<void, Handle[]> {
  const o = layerOps(c, layer, mb);
  const plan = c.e.plan;
  const moeLayer = plan.moeIndexOf[layer]!;
  const costs = c.costs;
  const t = (label: string) => label + tag;
  if (plan.model.layout !== 'scmoe') {
    const attn = attentionForward(o, t('attn'), entry);
    if (moeLayer < 0) return ffnForward(o, t('ffn'), attn);
    const r = compute(o, t('moe.router'), 'router', () => costs.router(mb), attn);
    const d = exchange(o, 'dispatch', t('moe.dispatch'), moeLayer, 1, false, [r]);
    yield;
    const shared = costs.sharedExpert(mb);
    const s = shared ? compute(o, t('moe.shared'), 'shared-expert', () => shared, attn) : null;
    const x = compute(o, t('moe.experts'), 'expert-gemm', (g) => costs.experts(moeLayer, mb, g, 'all'), [d]);
    const cb = exchange(o, 'combine', t('moe.combine'), moeLayer, 1, false, [x]);
    yield;
    return s ? [cb, s] : [cb];
  }
  // ScMoE: the MoE reads the stream after attention 0; the dense path continues from there.
  const chunks = c.overlap ? Math.max(1, c.chunks) : 1;
  const share = 1 / chunks;
  const attn0 = attentionForward(o, t('attn0'), entry);
  const r = compute(o, t('moe.router'), 'router', () => costs.router(mb), attn0);
  const label = (what: string, k: number) => t(chunks > 1 ? `moe.${what}.chunk${k}` : `moe.${what}`);
  const dispatches = Array.from({ length: chunks }, (_, k) => exchange(o, 'dispatch', label('dispatch', k), moeLayer, share, false, [r]));
  yield;
  const combines: Handle[] = [];
  const expertChunk = (k: number) => {
    const x = compute(o, label('experts', k), 'expert-gemm', (g) => costs.experts(moeLayer, mb, g, 'all', share), [dispatches[k]!]);
    combines.push(exchange(o, 'combine', label('combine', k), moeLayer, share, false, [x]));
  };
  if (!c.overlap) {
    expertChunk(0);
    yield;
    const ffn0 = ffnForward(o, t('ffn0'), [...attn0, ...combines]);
    const attn1 = attentionForward(o, t('attn1'), ffn0);
    return [...ffnForward(o, t('ffn1'), attn1), ...combines];
  }
  // The dense ops go between the expert chunks, so each chunk's dispatch has compute to hide behind.
  let dense: Handle[] = attn0;
  const denseSteps = [
    (d: Handle[]) => ffnForward(o, t('ffn0'), d),
    (d: Handle[]) => attentionForward(o, t('attn1'), d),
    (d: Handle[]) => ffnForward(o, t('ffn1'), d),
  ];
  for (let i = 0; i < Math.max(denseSteps.length, chunks); i++) {
    if (i < denseSteps.length) dense = denseSteps[i]!(dense);
    if (i < chunks) expertChunk(i);
  }
  yield;
  return [...dense, ...combines];
}

// ---- backward ----

const partsMemo = new WeakMap<OpCost, ReturnType<typeof backwardParts>>();
function partsOf(cost: OpCost) {
  let p = partsMemo.get(cost);
  if (!p) partsMemo.set(cost, (p = backwardParts(cost)));
  return p;
}

/**
 * The fused backward of a forward cost, made once per forward object: a shared forward cost
 * then gives every GPU the same backward object, which the emitter times once (not per GPU).
 */
const backwardMemo = new WeakMap<OpCost, OpCost>();
export function fusedBackwardOf(cost: OpCost): OpCost {
  let b = backwardMemo.get(cost);
  if (!b) backwardMemo.set(cost, (b = backwardCost(cost)));
  return b;
}

/** The backward of one compute op: B now, W now (fused) or deferred (zero-bubble). */
function backwardOp(o: LayerOps, label: string, kind: ComputeKind, forward: CostFn, deps: readonly Handle[], deferred: DeferredWeightGrad[]): Handle {
  if (!o.c.split) return compute(o, `${label}.bwd`, kind, (g) => fusedBackwardOf(forward(g)), deps);
  const b = compute(o, `${label}.bwd`, kind, (g) => partsOf(forward(g)).input, deps);
  deferred.push({ name: opName(o.layer, o.mb, `${label}.wgrad`), kind, layer: o.layer, mb: o.mb, cost: (g) => partsOf(forward(g)).weight, after: b });
  return b;
}

function attentionBackward(o: LayerOps, label: string, deps: readonly Handle[], deferred: DeferredWeightGrad[]): Handle[] {
  const costs = o.c.costs;
  let entry = [...deps];
  if (o.c.recompute === 'selective') entry = [compute(o, `${label}.recompute`, 'attention', () => costs.attentionRecompute(o.mb), entry)];
  if (o.c.e.plan.cp < 2) {
    const b = backwardOp(o, label, 'attention', () => costs.attention(o.mb, 'all'), entry, deferred);
    return tpAllReduce(o, `${label}.bwd.tp-all-reduce`, [b]);
  }
  const rest = backwardOp(o, `${label}.core`, 'attention', () => coreAndOut(costs, o.mb), entry, deferred);
  const dkv = cpExchange(o, `${label}.cp-dkv`, 'reduce-scatter', [rest]);
  const qkv = backwardOp(o, `${label}.qkv`, 'attention', () => costs.attention(o.mb, 'qkv'), [rest, ...dkv], deferred);
  return tpAllReduce(o, `${label}.bwd.tp-all-reduce`, [qkv]);
}

function ffnBackward(o: LayerOps, label: string, deps: readonly Handle[], deferred: DeferredWeightGrad[]): Handle[] {
  const b = backwardOp(o, label, 'dense-ffn', () => o.c.costs.denseFfn(o.mb), deps, deferred);
  return tpAllReduce(o, `${label}.bwd.tp-all-reduce`, [b]);
}

/**
 * One layer's backward from the gradient of its output (`entry`). Weight gradients of a
 * zero-bubble schedule are appended to `deferred`. Returns the gradient of its input.
 */
export function* backwardLayer(c: TrainLayerContext, layer: number, mb: number, entry: readonly Handle[], deferred: DeferredWeightGrad[]): Generator<void, Handle[]> {
  let start = [...entry];
  if (c.recompute === 'full') start = yield* forwardLayer(c, layer, mb, start, '.re');
  const o = layerOps(c, layer, mb);
  const plan = c.e.plan;
  const moeLayer = plan.moeIndexOf[layer]!;
  const costs = c.costs;
  if (plan.model.layout !== 'scmoe') {
    if (moeLayer < 0) return attentionBackward(o, 'attn', ffnBackward(o, 'ffn', start, deferred), deferred);
    const cb = exchange(o, 'combine', 'moe.combine.bwd', moeLayer, 1, true, start);
    yield;
    const shared = costs.sharedExpert(mb);
    const s = shared ? backwardOp(o, 'moe.shared', 'shared-expert', () => shared, start, deferred) : null;
    const x = backwardOp(o, 'moe.experts', 'expert-gemm', (g) => costs.experts(moeLayer, mb, g, 'all'), [cb], deferred);
    const d = exchange(o, 'dispatch', 'moe.dispatch.bwd', moeLayer, 1, true, [x]);
    yield;
    const r = backwardOp(o, 'moe.router', 'router', () => costs.router(mb), [d], deferred);
    return attentionBackward(o, 'attn', s ? [r, s] : [r], deferred);
  }
  const chunks = c.overlap ? Math.max(1, c.chunks) : 1;
  const share = 1 / chunks;
  const label = (what: string, k: number) => (chunks > 1 ? `moe.${what}.chunk${k}.bwd` : `moe.${what}.bwd`);
  const expertLabel = (k: number) => (chunks > 1 ? `moe.experts.chunk${k}` : 'moe.experts');
  const combineGrads = Array.from({ length: chunks }, (_, k) => exchange(o, 'combine', label('combine', k), moeLayer, share, true, start));
  yield;
  const dispatchGrads: Handle[] = [];
  const expertChunk = (k: number) => {
    const x = backwardOp(o, expertLabel(k), 'expert-gemm', (g) => costs.experts(moeLayer, mb, g, 'all', share), [combineGrads[k]!], deferred);
    dispatchGrads.push(exchange(o, 'dispatch', label('dispatch', k), moeLayer, share, true, [x]));
  };
  const denseSteps = [
    (d: Handle[]) => ffnBackward(o, 'ffn1', d, deferred),
    (d: Handle[]) => attentionBackward(o, 'attn1', d, deferred),
    (d: Handle[]) => ffnBackward(o, 'ffn0', d, deferred),
  ];
  let dense: Handle[] = start;
  if (c.overlap) {
    for (let i = 0; i < Math.max(denseSteps.length, chunks); i++) {
      if (i < denseSteps.length) dense = denseSteps[i]!(dense);
      if (i < chunks) expertChunk(i);
    }
  } else {
    expertChunk(0);
    for (const step of denseSteps) dense = step(dense === start ? dispatchGrads : dense);
  }
  yield;
  const r = backwardOp(o, 'moe.router', 'router', () => costs.router(mb), dispatchGrads, deferred);
  return attentionBackward(o, 'attn0', [...dense, r], deferred);
}

/** A W pass: the deferred weight gradients, in the order their B ran. Returns the last op per layer. */
export function emitWeightGrads(c: TrainLayerContext, deferred: readonly DeferredWeightGrad[]): Map<number, Handle> {
  const lastByLayer = new Map<number, Handle>();
  const first = c.gpus[0]!;
  const last = c.gpus[c.gpus.length - 1]!;
  for (const d of deferred) {
    const h = c.e.compute({ name: d.name, kind: d.kind, layer: d.layer, mb: d.mb, cost: (g) => (g >= first && g <= last ? d.cost(g) : null), deps: [d.after] });
    lastByLayer.set(d.layer, h);
  }
  return lastByLayer;
}
