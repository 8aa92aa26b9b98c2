// Everything a schedule needs to know about one step before it emits ops: the layout of GPUs into
// EP and TP groups (and, in training, pipeline stages), the tokens each GPU holds (drawn from the
// routing source), how they split into micro-batches and sequences, and each MoE layer's traffic per
// EP group (computed on first use).
// Inference splits the step's tokens into the schedule's micro-batches, whole sequences each (a
// prefill with fewer sequences than micro-batches chunks them: a later chunk attends to the earlier
// ones as cached tokens). Training runs `gradientAccumulation` micro-batches of tokensPerMicrobatch
// tokens each through every pipeline stage; stage s holds GPUs s*G/P .. (s+1)*G/P - 1 and its own
// EP groups.
import { gpuCount, type Topology } from '../hardware/index.ts';
import { moeLayerCount } from '../models/index.ts';
import type { ModelPreset, SequenceGroup } from '../models/index.ts';
import { buildLayerTraffic, createTrafficScratch } from '../replay/index.ts';
import { contiguousPlacement, expertLoadFromSource, loadAwarePlacement } from '../replay/index.ts';
import { sampleStepTokens } from '../replay/index.ts';
import type { ExpertPlacement, LayerTraffic } from '../replay/index.ts';
import { createRng } from '../core/index.ts';
import type { StepInput } from './step-input.ts';

export interface UsedTraffic {
  moeLayer: number;
  mb: number;
  group: number;
  traffic: LayerTraffic;
}

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
  /** Pipeline stages (training; 1 otherwise), each on `stageGpus` consecutive GPUs. */
  stages: number;
  stageGpus: number;
  /** Context-parallel degree (training; 1 otherwise). */
  cp: number;
  /** EP groups of pipeline stage s. */
  stageGroups(stage: number): number[];
  /** Prefill and training: the sequences micro-batch mb's tokens on one GPU belong to. */
  sequencesIn(mb: number): SequenceGroup[];
  moeIndexOf: Int32Array;
  moeLayers: number;
  microBatches: number;
  /** Tokens entering the MoE per GPU per step (decode: sequences x (1 + draft tokens); train: all micro-batches). */
  tokensPerGpu: number;
  /** Tokens of micro-batch mb on each GPU. */
  tokensIn(mb: number): number;
  /** The routing source's token ids each GPU holds, per micro-batch: tokens[mb][gpu]. */
  tokens: Int32Array[][];
  placement(moeLayer: number): ExpertPlacement;
  traffic(moeLayer: number, mb: number, group: number): LayerTraffic;
  /**
   * The traffic this plan has been asked for so far, in first-use order: once a schedule is built,
   * every (MoE layer, micro-batch, EP group) it computes (in training only the groups of the
   * pipeline stages that hold the layer).
   */
  usedTraffic(): readonly UsedTraffic[];
  groupGpus(group: number): number[];
}

/**
 * Layer traffic per step input, shared by every schedule simulated from it: the tokens, the
 * placement and so the traffic depend only on the input and the micro-batch count (part of the
 * key), not on the schedule. Held weakly: it goes when the input does.
 */
const trafficCaches = new WeakMap<StepInput, Map<string, LayerTraffic>>();
function trafficCacheOf(input: StepInput): Map<string, LayerTraffic> {
  let cache = trafficCaches.get(input);
  if (!cache) trafficCaches.set(input, (cache = new Map()));
  return cache;
}

/** Tokens of routing history a load-aware placement is planned from (at least; more for big steps). */
export const PLACEMENT_HISTORY_TOKENS = 8192;

export function planStep(input: StepInput, microBatches: number): StepPlan {
  const { model, topology, parallel, routing } = input;
  const gpus = gpuCount(topology);
  const ep = parallel.ep;
  const groups = gpus / ep;
  const w = input.workload;
  const train = w.phase === 'train';
  const stages = train ? (w.pipelineStages ?? 1) : 1;
  const stageGpus = gpus / stages;
  const cp = train ? (parallel.cp ?? 1) : 1;
  const tokensPerGpu = tokensPerGpuOf(input) * (train ? microBatches : 1);
  const layers = model.layers;
  const moeIndexOf = new Int32Array(layers).fill(-1);
  let moeLayers = 0;
  for (let l = 0; l < layers; l++) if (model.layout === 'scmoe' || l >= model.denseLayers) moeIndexOf[l] = moeLayers++;
  if (moeLayers !== moeLayerCount(model)) throw new Error(`internal: MoE layer count mismatch for ${model.name}`);

  const rng = createRng(input.seed);
  const contiguous = w.phase === 'prefill' || train;
  // One draw per EP group, split over its ranks (uniform routing balances over the whole draw).
  const all = Array.from({ length: groups }, () => sampleStepTokens(routing, rng, ep, tokensPerGpu, contiguous)).flat();
  // Micro-batches split whole sequences (a decode sequence brings 1 + draft tokens; a prefill
  // sequence its sequenceTokens, unless there are fewer sequences than micro-batches).
  const seqTokens = sequenceTokensOf(input);
  const unitTokens = w.phase === 'decode' ? queriesPerSequence(input) : w.phase === 'prefill' && tokensPerGpu / seqTokens >= microBatches ? seqTokens : 1;
  const units = tokensPerGpu / unitTokens;
  const bounds = (mb: number): readonly [number, number] =>
    train
      ? [mb * w.tokensPerMicrobatch, (mb + 1) * w.tokensPerMicrobatch]
      : [Math.floor((mb * units) / microBatches) * unitTokens, Math.floor(((mb + 1) * units) / microBatches) * unitTokens];
  const tokens = Array.from({ length: microBatches }, (_, mb) => all.map((t) => t.subarray(...bounds(mb))));
  const cached = w.phase === 'prefill' ? (w.cachedTokens ?? 0) : 0;
  const sequencesIn = (mb: number): SequenceGroup[] => {
    if (train) return trainSequences(w.tokensPerMicrobatch, seqTokens, cp);
    const [lo, hi] = bounds(mb);
    return sequencePieces(lo, hi, seqTokens, cached);
  };

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
  const cache = trafficCacheOf(input);
  const scratch = createTrafficScratch();
  const used = new Map<string, UsedTraffic>();
  const traffic = (moeLayer: number, mb: number, group: number): LayerTraffic => {
    const key = `${microBatches}/${moeLayer}/${mb}/${group}`;
    const seen = used.get(key);
    if (seen) return seen.traffic;
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
    used.set(key, { moeLayer, mb, group, traffic: t });
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
    stages,
    stageGpus,
    cp,
    stageGroups: (stage) => Array.from({ length: stageGpus / ep }, (_, i) => (stage * stageGpus) / ep + i),
    sequencesIn,
    moeIndexOf,
    moeLayers,
    microBatches,
    tokensPerGpu,
    tokensIn: (mb) => bounds(mb)[1] - bounds(mb)[0],
    tokens,
    placement,
    traffic,
    usedTraffic: () => [...used.values()],
    groupGpus,
  };
}

/**
 * Tokens of each sequence: prefill's sequenceTokens (default: the GPU's whole batch); training's
 * sequenceTokens (default tokensPerMicrobatch x cp); 1 + draft tokens for a decode sequence.
 */
export function sequenceTokensOf(input: Pick<StepInput, 'workload' | 'parallel'>): number {
  const w = input.workload;
  if (w.phase === 'prefill') return w.sequenceTokens ?? w.tokensPerGpu;
  if (w.phase === 'train') return w.sequenceTokens ?? w.tokensPerMicrobatch * (input.parallel.cp ?? 1);
  return queriesPerSequence(input);
}

/**
 * The sequence pieces of tokens [lo, hi) of a GPU's batch, laid out as whole sequences of n new
 * tokens each after `cached` cached tokens: a piece that starts inside a sequence has the tokens
 * before it in the cache too (a chunk of a chunked prefill). Equal pieces are merged.
 */
export function sequencePieces(lo: number, hi: number, n: number, cached: number): SequenceGroup[] {
  const out: SequenceGroup[] = [];
  const add = (tokens: number, prefix: number) => {
    const last = out[out.length - 1];
    if (last && last.tokens === tokens && last.cached === prefix) last.count++;
    else out.push({ tokens, cached: prefix, count: 1 });
  };
  let t = lo;
  while (t < hi) {
    const start = Math.floor(t / n) * n;
    const end = Math.min(start + n, hi);
    add(end - t, cached + (t - start));
    t = end;
  }
  return out;
}

/**
 * A training micro-batch's sequences on one GPU. With context parallelism each sequence of n tokens
 * is split over cp GPUs in 2 cp chunks, GPU i holding chunks i and 2cp-1-i (the load-balanced split
 * of Megatron-LM's context parallelism), so every GPU attends the same pairs: n (n+1) / (2 cp), as
 * n/cp new tokens after (n - n/cp)/2 tokens of prefix would.
 */
export function trainSequences(tokensPerMicrobatch: number, sequenceTokens: number, cp: number): SequenceGroup[] {
  const local = sequenceTokens / cp;
  return [{ tokens: local, cached: (sequenceTokens - local) / 2, count: tokensPerMicrobatch / local }];
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
      return w.tokensPerMicrobatch; // per micro-batch; planStep multiplies by the micro-batches
    case 'a2a':
      return w.tokensPerGpu;
  }
}
