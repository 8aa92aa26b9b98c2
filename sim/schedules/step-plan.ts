// Everything a schedule needs to know about one step before it emits ops: the layout of GPUs into
// EP and TP groups, the tokens each GPU holds (drawn from the routing source), how they split into
// micro-batches, and each MoE layer's traffic per EP group (computed on first use).
import { gpuCount, type Topology } from '../hardware/index.ts';
import { moeLayerCount } from '../models/index.ts';
import type { ModelPreset } from '../models/index.ts';
import { buildLayerTraffic, createTrafficScratch } from '../replay/index.ts';
import { contiguousPlacement, expertLoadFromSource, loadAwarePlacement } from '../replay/index.ts';
import { sampleStepTokens } from '../replay/index.ts';
import type { RoutingSource } from '../replay/index.ts';
import type { ExpertPlacement, LayerTraffic } from '../replay/index.ts';
import { createRng } from '../core/index.ts';
import type { StepInput } from './step-input.ts';

export interface StepPlan {
  input: StepInput;
  model: ModelPreset;
  topology: Topology;
  gpus: number;
  ep: number;
  /** EP groups in the cluster; group g holds GPUs g*ep .. g*ep+ep-1. */
  groups: number;
  tp: number;
  /** Model layers, and which of them have an MoE block (index among MoE layers, or -1). */
  layers: number;
  moeIndexOf: Int32Array;
  moeLayers: number;
  microBatches: number;
  /** Tokens entering the MoE per GPU per step (decode: sequences x (1 + draft tokens)). */
  tokensPerGpu: number;
  /** Tokens of micro-batch mb on each GPU. */
  tokensIn(mb: number): number;
  /** The routing source's token ids each GPU holds, per micro-batch: tokens[mb][gpu]. */
  tokens: Int32Array[][];
  placement(moeLayer: number): ExpertPlacement;
  traffic(moeLayer: number, mb: number, group: number): LayerTraffic;
  groupGpus(group: number): number[];
}

/** Tokens of routing history a load-aware placement is planned from (at least; more for big steps). */
export const PLACEMENT_HISTORY_TOKENS = 8192;

export function planStep(input: StepInput, microBatches: number): StepPlan {
  const { model, topology, parallel, routing } = input;
  const gpus = gpuCount(topology);
  const ep = parallel.ep;
  const groups = gpus / ep;
  const tokensPerGpu = tokensPerGpuOf(input);
  const layers = layersSimulated(input);
  const moeIndexOf = new Int32Array(layers).fill(-1);
  let moeLayers = 0;
  for (let l = 0; l < layers; l++) if (model.layout === 'scmoe' || l >= model.denseLayers) moeIndexOf[l] = moeLayers++;
  if (layers === model.layers && moeLayers !== moeLayerCount(model)) throw new Error(`internal: MoE layer count mismatch for ${model.name}`);

  const rng = createRng(input.seed);
  const contiguous = input.workload.phase === 'prefill' || input.workload.phase === 'train';
  // One draw per EP group, split over its ranks (uniform routing balances over the whole draw).
  const all = Array.from({ length: groups }, () => sampleStepTokens(routing, rng, ep, tokensPerGpu, contiguous)).flat();
  // Micro-batches split whole sequences (a decode sequence brings 1 + draft tokens).
  const unit = queriesPerSequence(input);
  const units = tokensPerGpu / unit;
  const bounds = (mb: number) => [Math.floor((mb * units) / microBatches) * unit, Math.floor(((mb + 1) * units) / microBatches) * unit] as const;
  const tokens = Array.from({ length: microBatches }, (_, mb) => all.map((t) => t.subarray(...bounds(mb))));

  // Load-aware placement is planned from history, as EPLB plans from recent batches: a separate
  // sample of the routing source with its own seeded rng, never the step's own tokens (which a
  // real placement cannot know in advance).
  let history: Int32Array | undefined;
  const historyTokens = () =>
    (history ??= routing.sampleTokens(createRng(`${input.seed}:placement-history`), Math.max(PLACEMENT_HISTORY_TOKENS, gpus * tokensPerGpu), contiguous));
  const placements = new Map<number, ExpertPlacement>();
  const placement = (moeLayer: number): ExpertPlacement => {
    let p = placements.get(moeLayer);
    if (!p) {
      p = parallel.placement === 'contiguous'
        ? contiguousPlacement(routing.ffnExperts, ep)
        : loadAwarePlacement(expertLoadFromSource(routing, moeLayer, historyTokens()), ep, parallel.redundantExperts);
      placements.set(moeLayer, p);
    }
    return p;
  };
  const groupGpus = (group: number) => Array.from({ length: ep }, (_, r) => group * ep + r);
  const cache = new Map<string, LayerTraffic>();
  const scratch = createTrafficScratch();
  const traffic = (moeLayer: number, mb: number, group: number): LayerTraffic => {
    const key = `${moeLayer}/${mb}/${group}`;
    let t = cache.get(key);
    if (!t) {
      t = buildLayerTraffic({
        source: routing,
        layer: moeLayer,
        tokensByRank: groupGpus(group).map((g) => tokens[mb]![g]!),
        placement: placement(moeLayer),
        gpusPerNode: topology.gpusPerNode,
        firstGpu: group * ep,
        scratch,
      });
      cache.set(key, t);
    }
    return t;
  };
  return {
    input,
    model,
    topology,
    gpus,
    ep,
    groups,
    tp: parallel.attention.tp,
    layers,
    moeIndexOf,
    moeLayers,
    microBatches,
    tokensPerGpu,
    tokensIn: (mb) => bounds(mb)[1] - bounds(mb)[0],
    tokens,
    placement,
    traffic,
    groupGpus,
  };
}

/** All layers, or with pipeline-parallel training the first stage's share of them. */
export function layersSimulated(input: Pick<StepInput, 'model' | 'workload'>): number {
  const w = input.workload;
  const stages = w.phase === 'train' ? (w.pipelineStages ?? 1) : 1;
  return Math.ceil(input.model.layers / stages);
}

/** Decode with MTP verifies 1 + draft tokens per sequence; every other phase has one per unit. */
export function queriesPerSequence(input: Pick<StepInput, 'workload'>): number {
  const w = input.workload;
  return w.phase === 'decode' ? 1 + (w.mtp?.draftTokens ?? 0) : 1;
}

export function tokensPerGpuOf(input: Pick<StepInput, 'workload'>): number {
  const w = input.workload;
  switch (w.phase) {
    case 'decode':
      return w.sequencesPerGpu * (1 + (w.mtp?.draftTokens ?? 0));
    case 'prefill':
      return w.tokensPerGpu;
    case 'train':
      return w.tokensPerMicrobatch;
    case 'a2a':
      return w.tokensPerGpu;
  }
}
