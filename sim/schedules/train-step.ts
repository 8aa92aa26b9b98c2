// One training micro-batch: forward through every layer, then backward in reverse, then the
// data-parallel gradient all-reduce of each layer (issued as soon as its backward is done, on its
// own stream, its bytes divided by the micro-batches per optimizer step because it happens once
// per step). Backward exchanges run in the opposite direction: the combine's gradient goes to the
// experts, the dispatch's gradient back to the tokens.
//
// With `overlap`, exchanges go to the communication stream and the MoE is split into `chunks`
// token chunks (scmoe-chunked): each chunk's expert GEMM starts when its dispatch lands, and the
// dense path (dense FFN 0, attention 1, dense FFN 1), which the ScMoE shortcut makes independent
// of the MoE, runs between the chunks. Without it (serial) everything is in model order on one stream.
import { backwardCost } from '../models/index.ts';
import type { OpCost } from '../models/index.ts';
import {
  attentionParamsPerBlock,
  denseFfnParamsPerBlock,
  expertParams,
  routerParamsPerLayer,
  sharedExpertParamsPerLayer,
} from '../models/index.ts';
import type { ModelPreset } from '../models/index.ts';
import { opName, type BlockContext } from './blocks.ts';
import type { Emitter, Handle } from './emitter.ts';
import type { LayerCosts } from './layer-costs.ts';
import type { ComputeKind } from '../core/index.ts';
import { STREAMS } from '../core/index.ts';

export interface TrainOptions {
  chunks: number;
  overlap: boolean;
}

type Forward = (mb: number) => OpCost;

export function trainStep(e: Emitter, costs: LayerCosts, options: TrainOptions): void {
  const plan = e.plan;
  const chunks = Math.max(1, options.chunks);
  const share = 1 / chunks;
  const commStream = options.overlap ? STREAMS.comm : STREAMS.compute;
  const chunkList = Array.from({ length: chunks }, (_, i) => i);

  const op = (c: BlockContext, label: string, kind: ComputeKind, cost: Forward | ((gpu: number) => OpCost), deps: readonly Handle[], perGpu = false) =>
    e.compute({
      name: opName(c.layer, 0, label),
      kind,
      layer: c.layer,
      mb: 0,
      cost: perGpu ? (cost as (gpu: number) => OpCost) : () => (cost as Forward)(0),
      deps,
    });
  const back = (f: Forward): Forward => (mb) => backwardCost(f(mb));

  // ---- forward ----
  let entry: Handle[] = [];
  for (let layer = 0; layer < plan.layers; layer++) {
    const c: BlockContext = { e, costs, layer, mb: 0, commStream };
    const moeLayer = plan.moeIndexOf[layer]!;
    const attn0 = op(c, 'attn0', 'attention', (mb) => costs.attention(mb, 'all'), entry);
    if (moeLayer < 0) {
      entry = [op(c, 'ffn', 'dense-ffn', costs.denseFfn, [attn0])];
      continue;
    }
    const r = op(c, 'moe.router', 'router', costs.router, [attn0]);
    const dispatches = chunkList.map((k) =>
      e.dispatch({ name: opName(layer, 0, `moe.dispatch.chunk${k}`), layer, mb: 0, moeLayer, stream: commStream, deps: [r], share }),
    );
    const combines: Handle[] = [];
    const expertChunk = (k: number, deps: Handle[]) => {
      const x = op(c, `moe.experts.chunk${k}`, 'expert-gemm', (g) => costs.experts(moeLayer, 0, g, 'all', share), [dispatches[k]!, ...deps], true);
      combines.push(e.combine({ name: opName(layer, 0, `moe.combine.chunk${k}`), layer, mb: 0, moeLayer, stream: commStream, deps: [x], share }));
      return x;
    };
    if (!options.overlap) {
      chunkList.forEach((k) => expertChunk(k, []));
      const ffn0 = op(c, 'ffn0', 'dense-ffn', costs.denseFfn, [attn0, ...combines]);
      const attn1 = op(c, 'attn1', 'attention', (mb) => costs.attention(mb, 'all'), [ffn0]);
      entry = [op(c, 'ffn1', 'dense-ffn', costs.denseFfn, [attn1])];
      continue;
    }
    // Dense ops go between expert chunks so each chunk's dispatch has compute to hide behind.
    const dense: ((deps: Handle[]) => Handle)[] = [
      (d) => op(c, 'ffn0', 'dense-ffn', costs.denseFfn, d.length ? d : [attn0]),
      (d) => op(c, 'attn1', 'attention', (mb) => costs.attention(mb, 'all'), d),
      (d) => op(c, 'ffn1', 'dense-ffn', costs.denseFfn, d),
    ];
    let last: Handle[] = [];
    for (let i = 0; i < Math.max(dense.length, chunks); i++) {
      if (i < dense.length) last = [dense[i]!(last)];
      if (i < chunks) expertChunk(i, []);
    }
    entry = [...last, ...combines];
  }

  // ---- backward ----
  for (let layer = plan.layers - 1; layer >= 0; layer--) {
    const c: BlockContext = { e, costs, layer, mb: 0, commStream };
    const moeLayer = plan.moeIndexOf[layer]!;
    let grads: Handle[];
    if (moeLayer < 0) {
      const ffn = op(c, 'ffn.bwd', 'dense-ffn', back(costs.denseFfn), entry);
      grads = [op(c, 'attn0.bwd', 'attention', back((mb) => costs.attention(mb, 'all')), [ffn])];
    } else {
      const combineGrads = chunkList.map((k) =>
        e.combine({ name: opName(layer, 0, `moe.combine.chunk${k}.bwd`), layer, mb: 0, moeLayer, stream: commStream, deps: entry, share, reversed: true }),
      );
      const dispatchGrads: Handle[] = [];
      const expertChunk = (k: number) => {
        const x = op(c, `moe.experts.chunk${k}.bwd`, 'expert-gemm', (g) => backwardCost(costs.experts(moeLayer, 0, g, 'all', share)), [combineGrads[k]!], true);
        dispatchGrads.push(e.dispatch({ name: opName(layer, 0, `moe.dispatch.chunk${k}.bwd`), layer, mb: 0, moeLayer, stream: commStream, deps: [x], share, reversed: true }));
      };
      const dense: ((deps: Handle[]) => Handle)[] = [
        (d) => op(c, 'ffn1.bwd', 'dense-ffn', back(costs.denseFfn), d.length ? d : entry),
        (d) => op(c, 'attn1.bwd', 'attention', back((mb) => costs.attention(mb, 'all')), d),
        (d) => op(c, 'ffn0.bwd', 'dense-ffn', back(costs.denseFfn), d),
      ];
      let last: Handle[] = [];
      if (options.overlap) {
        for (let i = 0; i < Math.max(dense.length, chunks); i++) {
          if (i < dense.length) last = [dense[i]!(last)];
          if (i < chunks) expertChunk(i);
        }
      } else {
        chunkList.forEach(expertChunk);
        for (const d of dense) last = [d(last.length ? last : dispatchGrads)];
      }
      const r = op(c, 'moe.router.bwd', 'router', back(costs.router), dispatchGrads);
      grads = [op(c, 'attn0.bwd', 'attention', back((mb) => costs.attention(mb, 'all')), [...last, r])];
    }
    gradientAllReduce(e, layer, moeLayer >= 0, grads);
    entry = grads;
  }
}

/** Data-parallel sync of the layer's gradients, amortised over the micro-batches of a step. */
function gradientAllReduce(e: Emitter, layer: number, hasMoe: boolean, deps: Handle[]): void {
  const plan = e.plan;
  const w = plan.input.workload;
  if (w.phase !== 'train') return;
  const perStep = 1 / (w.gradientAccumulation ?? 1);
  const gradBytes = 2; // BF16 gradients
  // Dense weights are replicated over all GPUs / tp data-parallel ranks (TP shards them).
  const denseBytes = (denseParamsPerLayer(plan.model, layer) / plan.tp) * gradBytes * perStep;
  e.dataParallelAllReduce(opName(layer, 0, 'grad-sync.dense'), layer, denseBytes, plan.gpus / plan.tp, plan.tp, deps);
  if (!hasMoe || plan.groups < 2) return;
  // Each expert is replicated once per EP group: its replicas sync across groups.
  const expertsPerRank = plan.model.moe.ffnExperts / plan.ep;
  const expertBytes = expertsPerRank * expertParams(plan.model) * gradBytes * perStep;
  e.dataParallelAllReduce(opName(layer, 0, 'grad-sync.experts'), layer, expertBytes, plan.groups, plan.ep, deps);
}

/** Parameters of a layer that every data-parallel rank holds (all but the routed experts). */
function denseParamsPerLayer(model: ModelPreset, layer: number): number {
  if (model.layout === 'scmoe') return 2 * attentionParamsPerBlock(model) + 2 * denseFfnParamsPerBlock(model) + routerParamsPerLayer(model);
  if (layer < model.denseLayers) return attentionParamsPerBlock(model) + denseFfnParamsPerBlock(model);
  return attentionParamsPerBlock(model) + sharedExpertParamsPerLayer(model) + routerParamsPerLayer(model);
}
