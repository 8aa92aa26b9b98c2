// a2a: the `a2a` workload's only schedule. One dispatch then one combine alone, shaped like the EP
// libraries' own benchmarks (tokens per GPU, hidden size, top-k, expert count), so the network
// model can be held against measured kernels. Bandwidth is reported with DeepEP's own definitions
// (tests/test_internode.py, test_intranode.py): across nodes, "RDMA" bytes = tokens x distinct
// nodes each token's experts are on, its own node included; inside a node, "NVL" bytes = tokens
// each GPU receives, its own included; both divided by the kernel time.
import type { PerLayerUs, Workload } from '../core/index.ts';
import { round } from '../metrics/index.ts';
import { combineBytesPerToken, dispatchBytesPerToken } from '../models/index.ts';
import type { ModelPreset } from '../models/index.ts';
import { defineSchedule } from './define-schedule.ts';
import type { StepPlan } from './step-plan.ts';

/** A one-layer model with the benchmark's shape (only hidden size and experts matter here). */
export function a2aModel(w: Extract<Workload, { phase: 'a2a' }>): ModelPreset {
  return {
    name: 'a2a-benchmark',
    source: 'scenario workload',
    hidden: w.hidden,
    vocab: 0,
    layers: 1,
    layout: 'scmoe',
    denseLayers: 0,
    attention: { kind: 'mha', heads: 1, kvHeads: 1, headDim: w.hidden },
    denseFfnHidden: 0,
    moe: { ffnExperts: w.experts, zeroExperts: 0, topk: w.topk, expertHidden: 0, sharedExperts: 0, sharedHidden: 0 },
  };
}

export const a2a = defineSchedule({
  name: 'a2a',
  summary: 'one dispatch then one combine alone, as an EP library benchmarks its kernels',
  phases: ['a2a'],
  microBatches: () => 1,
  applies: () => ({ ok: true }),
  build(e) {
    const d = e.dispatch({ name: 'a2a.dispatch', layer: 0, mb: 0, moeLayer: 0, deps: [] });
    e.combine({ name: 'a2a.combine', layer: 0, mb: 0, moeLayer: 0, deps: [d] });
  },
  summarize(plan, timeline) {
    const meanDuration = (kind: string) => {
      const spans = timeline.spans.filter((s) => s.kind === kind);
      return spans.reduce((sum, s) => sum + (s.endNs - s.startNs), 0) / spans.length;
    };
    const dispatchNs = meanDuration('dispatch');
    const combineNs = meanDuration('combine');
    const bottleneckTokens = meanBottleneckTokens(plan);
    const dispatchBytes = bottleneckTokens * dispatchBytesPerToken(plan.model, plan.input.precision.dispatch);
    const combineBytes = bottleneckTokens * combineBytesPerToken(plan.model, plan.input.precision.combine);
    const zero: PerLayerUs = { attention: 0, denseFfn: 0, router: 0, dispatch: round(dispatchNs / 1000), expertGemm: 0, combine: round(combineNs / 1000), sharedExpert: 0 };
    const stepS = timeline.makespanNs / 1e9;
    const tokensPerSecPerGpu = plan.tokensPerGpu / stepS;
    return {
      stepTimeUs: round(timeline.makespanNs / 1000),
      tokensPerSecPerGpu: round(tokensPerSecPerGpu),
      exposedCommFraction: 1,
      computeUtilization: 0,
      costUsdPerMillionTokens: round((plan.input.costUsdPerGpuHour / 3600 / tokensPerSecPerGpu) * 1e6, 4),
      memoryGiBPerGpu: 0,
      fitsInMemory: true,
      perLayerUs: zero,
      dispatchUs: round(dispatchNs / 1000),
      combineUs: round(combineNs / 1000),
      dispatchGBps: round(dispatchBytes / dispatchNs, 2),
      combineGBps: round(combineBytes / combineNs, 2),
    };
  },
});

/** Tokens counted the way DeepEP's benchmarks count bytes (see the header), averaged over GPUs. */
function meanBottleneckTokens(plan: StepPlan): number {
  const { routing } = plan.input;
  const gpn = plan.topology.gpusPerNode;
  const out = new Uint16Array(routing.topk);
  let total = 0;
  for (let group = 0; group < plan.groups; group++) {
    const t = plan.traffic(0, 0, group);
    if (t.nodesInGroup <= 1) {
      for (let i = 0; i < t.tokensToRank.length; i++) total += t.tokensToRank[i]!;
      continue;
    }
    const placement = plan.placement(0);
    const seen = new Set<number>();
    for (const gpu of plan.groupGpus(group)) {
      for (const token of plan.tokens[0]![gpu]!) {
        routing.expertsOf(token, 0, out);
        seen.clear();
        for (const e of out) if (e < routing.ffnExperts) seen.add(Math.floor((group * plan.ep + placement.replicasOf[e]![0]!) / gpn));
        total += seen.size;
      }
    }
  }
  return total / plan.gpus;
}
