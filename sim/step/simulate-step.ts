// One step of one schedule: plan the step (tokens, traffic), let the schedule emit its op graph,
// execute it on the cluster and summarise the timeline into metrics.
import { gpuCount } from '../hardware/index.ts';
import { memoryPerGpu } from '../models/index.ts';
import { modelFlopsPerToken } from '../models/index.ts';
import { busyTime } from '../metrics/index.ts';
import { perLayerUs, round } from '../metrics/index.ts';
import { executeOptionsFor } from '../network/index.ts';
import { execute } from '../ops/index.ts';
import { Emitter } from '../schedules/index.ts';
import { SCHEDULES } from '../schedules/index.ts';
import type { StepSummary } from '../schedules/index.ts';
import { layerCosts } from '../schedules/index.ts';
import { planStep, type StepPlan } from '../schedules/index.ts';
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

export function simulateStep(input: StepInput, name: ScheduleName): ScheduleResult {
  const refusal = scheduleRefusal(input, name);
  if (refusal) throw new Error(refusal);
  const schedule = SCHEDULES[name];
  const plan = planStep(input, schedule.microBatches(input.workload));
  const emitter = new Emitter(plan);
  schedule.build(emitter, layerCosts(plan));
  const timeline = execute(
    emitter.graph,
    executeOptionsFor(input.topology, { networkModel: input.networkModel ?? 'fluid', recomputeFraction: input.recomputeFraction ?? DEFAULT_RECOMPUTE_FRACTION }),
  );
  const fit = schedule.applies(input.model);
  return {
    metrics: {
      name,
      ...(fit.ok && fit.emulation ? { emulation: fit.emulation } : {}),
      ...(schedule.summarize ? schedule.summarize(plan, timeline) : summarize(plan, timeline.makespanNs, timeline.spans)),
    },
    timeline,
    expertTokensPerGpu: expertTokensPerGpu(plan),
  };
}

export function summarize(plan: StepPlan, makespanNs: number, spans: ScheduleResult['timeline']['spans']): StepSummary {
  const { input } = plan;
  const gpus = gpuCount(input.topology);
  const stepS = makespanNs / 1e9;
  const busy = busyTime(spans, gpus);
  const mean = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
  const w = input.workload;
  const acceptedPerStep = w.phase === 'decode' && w.mtp ? 1 + w.mtp.draftTokens * w.mtp.acceptance : 1;
  const outputTokensPerGpu = w.phase === 'decode' ? w.sequencesPerGpu * acceptedPerStep : plan.tokensPerGpu;
  const tokensPerSecPerGpu = outputTokensPerGpu / stepS;
  const expertsOnGpu = Math.max(...Array.from({ length: plan.moeLayers > 0 ? plan.ep : 0 }, (_, r) => plan.placement(0).expertsOn[r]!.length), 0);
  const memory = memoryPerGpu(input.model, {
    parallel: input.parallel,
    workload: w,
    precision: input.precision,
    expertsOnGpu,
    gpus,
    ...(w.phase === 'train' ? { pipelineStages: w.pipelineStages ?? 1 } : {}),
    ...(plan.moeLayers > 0 ? { ffnExpertsPerToken: meanFfnExpertsPerToken(plan) } : {}),
  });
  const summary: StepSummary = {
    stepTimeUs: round(makespanNs / 1000),
    tokensPerSecPerGpu: round(tokensPerSecPerGpu),
    exposedCommFraction: round(mean(busy.exposedCommNs) / makespanNs, 4),
    computeUtilization: round(mean(busy.computeNs) / makespanNs, 4),
    costUsdPerMillionTokens: round((input.costUsdPerGpuHour / 3600 / tokensPerSecPerGpu) * 1e6, 4),
    memoryGiBPerGpu: round(memory.totalBytes / 2 ** 30, 2),
    fitsInMemory: memory.totalBytes <= input.topology.gpu.memoryBytes,
    perLayerUs: perLayerUs(spans, gpus),
  };
  if (w.phase === 'decode') {
    const tpotS = stepS / acceptedPerStep;
    summary.tpotMs = round(tpotS * 1000);
    summary.tokensPerSecPerUser = round(1 / tpotS);
  }
  if (w.phase === 'train') {
    const ffnPerToken = meanFfnExpertsPerToken(plan);
    // Model FLOPs of the layers this GPU runs (one pipeline stage's share of the model).
    const stageShare = plan.layers / input.model.layers;
    const flops = modelFlopsPerToken(input.model, ffnPerToken, plan.tokensPerGpu) * plan.tokensPerGpu * stageShare;
    summary.mfu = round(flops / stepS / (input.topology.gpu.bf16Tflops.peak * 1e12), 4);
  }
  return summary;
}

function meanFfnExpertsPerToken(plan: StepPlan): number {
  let sum = 0;
  for (let l = 0; l < plan.moeLayers; l++) sum += plan.traffic(l, 0, 0).ffnExpertsPerToken;
  return plan.moeLayers > 0 ? sum / plan.moeLayers : 0;
}
