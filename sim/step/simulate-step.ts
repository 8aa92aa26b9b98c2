// One step of one schedule: plan the step (tokens, traffic), let the schedule emit its op graph,
// execute it on the cluster and summarise the timeline into metrics.
import { gpuCount } from '../hardware/index.ts';
import { memoryPerGpu, type MemoryPerGpu } from '../models/index.ts';
import { modelFlopsPerToken } from '../models/index.ts';
import { busyTime } from '../metrics/index.ts';
import { perLayerUs, round } from '../metrics/index.ts';
import { executeOptionsFor } from '../network/index.ts';
import { execute } from '../ops/index.ts';
import { TrainingEmitter } from '../schedules/index.ts';
import { SCHEDULES } from '../schedules/index.ts';
import type { StepSummary } from '../schedules/index.ts';
import { layerCosts } from '../schedules/index.ts';
import { planStep, sequenceTokensOf, trainPipeline, type StepPlan } from '../schedules/index.ts';
import type { ScheduleName } from '../core/index.ts';
import type { StepInput } from '../schedules/index.ts';
import type { ScheduleResult } from './schedule-result.ts';
import { expertTokensPerGpu } from './expert-tokens.ts';

/** Default share of flows between network rate re-solves (see sim/network/network.ts). */
export const DEFAULT_RECOMPUTE_FRACTION = 0.1;

/** Why `name` cannot run this input, or undefined when it can. */
export function scheduleRefusal(input: Pick<StepInput, 'model' | 'workload'>, name: ScheduleName): string | undefined {
  const schedule = SCHEDULES[name];
  const phase = input.workload.phase;
  if (!schedule.phases.includes(phase)) {
    const fits = Object.values(SCHEDULES).filter((s) => s.phases.includes(phase)).map((s) => s.name);
    return `schedule '${name}' does not apply to the ${phase} phase; schedules for ${phase}: ${fits.join(', ')}`;
  }
  const fit = schedule.applies(input.model);
  return fit.ok ? undefined : fit.reason;
}

/** Where a step is: building its op graph (the routing sample and traffic included), then simulating it op by op. */
export interface StepProgress {
  stage: 'build' | 'simulate';
  /** Ops finished and in all (0 while building). */
  done: number;
  total: number;
}

export function simulateStep(input: StepInput, name: ScheduleName, options: { onProgress?: (p: StepProgress) => void } = {}): ScheduleResult {
  const refusal = scheduleRefusal(input, name);
  if (refusal) throw new Error(refusal);
  const { onProgress } = options;
  onProgress?.({ stage: 'build', done: 0, total: 0 });
  const schedule = SCHEDULES[name];
  const plan = planStep(input, schedule.microBatches(input.workload));
  const emitter = new TrainingEmitter(plan);
  schedule.build(emitter, layerCosts(plan));
  const total = emitter.graph.size;
  onProgress?.({ stage: 'simulate', done: 0, total });
  const timeline = execute(emitter.graph, {
    ...executeOptionsFor(input.topology, { networkModel: input.networkModel ?? 'fluid', recomputeFraction: input.recomputeFraction ?? DEFAULT_RECOMPUTE_FRACTION }),
    ...(onProgress ? { onProgress: (done: number) => onProgress({ stage: 'simulate', done, total }) } : {}),
  });
  const fit = schedule.applies(input.model);
  // Before the metrics: it reads exactly the traffic the build asked for.
  const expertTokens = expertTokensPerGpu(plan);
  return {
    metrics: {
      name,
      ...(fit.ok && fit.emulation ? { emulation: fit.emulation } : {}),
      ...(schedule.summarize ? schedule.summarize(plan, timeline) : summarize(plan, timeline.makespanNs, timeline.spans)),
    },
    timeline,
    expertTokensPerGpu: expertTokens,
  };
}

export function summarize(plan: StepPlan, makespanNs: number, spans: ScheduleResult['timeline']['spans']): StepSummary {
  const { input } = plan;
  const gpus = gpuCount(input.topology);
  const stepS = makespanNs / 1e9;
  const busy = busyTime(spans, gpus);
  const mean = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
  const w = input.workload;
  const acceptedPerStep = w.phase === 'decode' && w.mtp && input.model.mtp ? acceptedTokensPerStep(w.mtp.draftTokens, w.mtp.acceptance) : 1;
  // Training: every token goes through all stages, and a sequence is spread over cp GPUs.
  const outputTokensPerGpu = w.phase === 'decode' ? w.sequencesPerGpu * acceptedPerStep : w.phase === 'train' ? plan.tokensPerGpu / (plan.stages * plan.cp) : plan.tokensPerGpu;
  const tokensPerSecPerGpu = outputTokensPerGpu / stepS;
  const memory = stepMemory(plan);
  const GiB = (bytes: number) => round(bytes / 2 ** 30, 2);
  const summary: StepSummary = {
    stepTimeUs: round(makespanNs / 1000),
    tokensPerSecPerGpu: round(tokensPerSecPerGpu),
    exposedCommFraction: round(mean(busy.exposedCommNs) / makespanNs, 4),
    computeUtilization: round(mean(busy.computeNs) / makespanNs, 4),
    costUsdPerMillionTokens: round((input.costUsdPerGpuHour / 3600 / tokensPerSecPerGpu) * 1e6, 4),
    memoryGiBPerGpu: GiB(memory.totalBytes),
    memoryBreakdownGiB: {
      weights: GiB(memory.weightsBytes + memory.optimizerBytes),
      kvCache: GiB(memory.kvCacheBytes),
      activations: GiB(memory.activationBytes),
      buffers: GiB(memory.bufferBytes),
    },
    fitsInMemory: memory.totalBytes <= input.topology.gpu.memoryBytes,
    perLayerUs: perLayerUs(spans, gpus),
  };
  if (w.phase === 'decode') {
    const tpotS = stepS / acceptedPerStep;
    summary.tpotMs = round(tpotS * 1000);
    summary.tokensPerSecPerUser = round(1 / tpotS);
    if (w.mtp && w.mtp.draftTokens > 0) summary.acceptedTokensPerStep = round(acceptedPerStep, 4);
  }
  if (w.phase === 'train') {
    const ffnPerToken = meanFfnExpertsPerToken(plan);
    // Model FLOPs (PaLM convention) of the tokens one GPU's share of the step trains, over the BF16 peak.
    const flops = modelFlopsPerToken(input.model, ffnPerToken, sequenceTokensOf(input)) * outputTokensPerGpu;
    summary.mfu = round(flops / stepS / (input.topology.gpu.bf16Tflops.peak * 1e12), 4);
  }
  return summary;
}

/**
 * Memory per GPU: inference holds every layer; in training each pipeline rank holds its chunks'
 * layers and, at its peak, the activations of the micro-batch chunks the schedule keeps in flight
 * on it; the rank that needs the most is reported.
 */
function stepMemory(plan: StepPlan): MemoryPerGpu {
  const { input } = plan;
  const w = input.workload;
  const gpus = plan.gpus;
  const expertsOnGpu = Math.max(...Array.from({ length: plan.moeLayers > 0 ? plan.ep : 0 }, (_, r) => plan.placement(0).expertsOn[r]!.length), 0);
  const base = {
    parallel: input.parallel,
    workload: w,
    precision: input.precision,
    expertsOnGpu,
    gpus,
    commSms: input.commSms,
    ...(plan.moeLayers > 0 ? { ffnExpertsPerToken: meanFfnExpertsPerToken(plan) } : {}),
  };
  if (w.phase !== 'train') return memoryPerGpu(input.model, base);
  const pipe = trainPipeline(plan, layerCosts(plan));
  const lastChunk = pipe.chunkLayers.length - 1;
  let worst: MemoryPerGpu | undefined;
  for (let r = 0; r < plan.stages; r++) {
    const chunks = pipe.chunksOfRank[r]!;
    const layers = chunks.flatMap((k) => pipe.chunkLayers[k]!);
    const widest = chunks.map((k) => pipe.chunkLayers[k]!).reduce((a, b) => (b.length > a.length ? b : a), [] as number[]);
    const copies = Math.max(...chunks.map((k) => pipe.ranksOfChunk[k]!.length));
    const m = memoryPerGpu(input.model, {
      ...base,
      stage: {
        layers,
        embedding: chunks.includes(0),
        lmHead: chunks.includes(lastChunk),
        activationLayers: Array.from({ length: pipe.order.peakInFlight[r]! }, () => widest).flat(),
        replicas: { dense: (plan.stageGpus / plan.tp) * copies, experts: (plan.stageGpus / plan.ep) * copies },
      },
    });
    if (!worst || m.totalBytes > worst.totalBytes) worst = m;
  }
  return worst!;
}

/**
 * Tokens a sequence keeps per MTP step: the verified token, plus draft i when it and every draft
 * before it are accepted (verification stops at the first rejection), each with probability
 * `acceptance`: 1 + a + a^2 + ... + a^k. Acceptance 0 gives 1; acceptance 1 gives 1 + k.
 */
export function acceptedTokensPerStep(draftTokens: number, acceptance: number): number {
  let sum = 1;
  let p = 1;
  for (let i = 0; i < draftTokens; i++) sum += p *= acceptance;
  return sum;
}

/**
 * FFN experts per token averaged over the MoE layers, each layer read from the first micro-batch
 * and EP group that computes it (the traffic the schedule built; in training, group 0 holds only
 * the first stage's layers).
 */
function meanFfnExpertsPerToken(plan: StepPlan): number {
  const first = new Map<number, { mb: number; group: number; value: number }>();
  for (const { moeLayer, mb, group, traffic } of plan.usedTraffic()) {
    const seen = first.get(moeLayer);
    if (!seen || mb < seen.mb || (mb === seen.mb && group < seen.group)) first.set(moeLayer, { mb, group, value: traffic.ffnExpertsPerToken });
  }
  let sum = 0;
  for (let l = 0; l < plan.moeLayers; l++) sum += first.get(l)?.value ?? plan.traffic(l, 0, 0).ffnExpertsPerToken;
  return plan.moeLayers > 0 ? sum / plan.moeLayers : 0;
}
