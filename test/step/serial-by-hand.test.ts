// A step small enough to work out by hand: 2 GPUs in one node, one ScMoE layer, 4 tokens with
// known routing, a GPU so fast that every compute op costs its launch overhead (1,000 ns) plus
// the 1 ns that rounding up a positive time adds (the roofline compute model: one launch per op).
import { describe, expect, it } from 'vitest';
import type { ModelPreset } from '../../sim/models/model-preset.ts';
import type { RoutingSource } from '../../sim/replay/routing-source.ts';
import { planStep } from '../../sim/schedules/step-plan.ts';
import { simulateStep } from '../../sim/step/simulate-step.ts';
import type { StepInput } from '../../sim/schedules/step-input.ts';
import { toyTopology } from '../helpers/toy-topology.ts';

// FFN experts 0,1 live on GPU 0 and 2,3 on GPU 1 (contiguous); 4 and 5 are zero experts.
const ROUTING = [
  [0, 2], // token 0 (GPU 0): local expert 0 and expert 2 on GPU 1
  [4, 5], // token 1 (GPU 0): zero experts only: no traffic, no GEMM
  [1, 3], // token 2 (GPU 1): expert 1 on GPU 0 and local expert 3
  [2, 3], // token 3 (GPU 1): both local
];

const knownRouting: RoutingSource = {
  kind: 'trace',
  description: 'hand-written routing',
  ffnExperts: 4,
  zeroExperts: 2,
  topk: 2,
  layers: 1,
  sampleTokens: (_rng, count) => Int32Array.from({ length: count }, (_, i) => i),
  expertsOf: (token, _layer, out) => out.set(ROUTING[token]!),
};

const model: ModelPreset = {
  name: 'hand',
  source: 'test',
  hidden: 128,
  vocab: 16,
  layers: 1,
  layout: 'scmoe',
  denseLayers: 0,
  attention: { kind: 'mha', heads: 1, kvHeads: 1, headDim: 128 },
  denseFfnHidden: 128,
  moe: { ffnExperts: 4, zeroExperts: 2, topk: 2, expertHidden: 64, sharedExperts: 0, sharedHidden: 0 },
};

function input(): StepInput {
  const base = toyTopology();
  return {
    model,
    topology: {
      ...base,
      nodes: 1,
      gpusPerNode: 2,
      gpu: { ...base.gpu, bf16Tflops: { peak: 1e12, achieved: 1e12 }, hbmGBps: { peak: 1e12, achieved: 1e12 }, launchOverheadNs: 1000 },
    },
    parallel: { ep: 2, attention: { dp: 2, tp: 1 }, placement: 'contiguous', redundantExperts: 0 },
    workload: { phase: 'prefill', tokensPerGpu: 2 },
    precision: { weights: 'bf16', dispatch: 'fp8', combine: 'bf16' },
    commSms: 20,
    routing: knownRouting,
    seed: 1,
    costUsdPerGpuHour: 2,
    recomputeFraction: 0,
    computeModel: 'roofline',
  };
}

describe('a hand-worked serial step (2 GPUs, 1 layer, 4 tokens)', () => {
  const plan = planStep(input(), 1);
  const traffic = plan.traffic(0, 0, 0);

  it('sends each token once per destination GPU and none for zero experts', () => {
    // GPU 0 -> GPU 1: token 0; GPU 1 -> GPU 0: token 2. Diagonal: GPU 0 keeps token 0 (expert 0);
    // GPU 1 keeps tokens 2 and 3.
    expect([...traffic.tokensToRank]).toEqual([1, 1, 1, 2]);
    expect(traffic.zeroOnlyTokens).toBe(1);
  });

  it('counts the token-expert pairs each GPU computes', () => {
    // GPU 0: expert 0 <- token 0, expert 1 <- token 2. GPU 1: expert 2 <- tokens 0, 3; expert 3 <- tokens 2, 3.
    expect(traffic.expertTokens.map((a) => [...a])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('takes exactly the sum of its ops, nothing overlapping', () => {
    // Compute: attn0, router, experts, ffn0, attn1, ffn1, lm-head = 7 x 1,001 ns.
    // Dispatch: 1 token of 128 B + 4 B of FP8 scales = 132 B over NVLink (100 B/ns, 1,000 ns):
    //   1,000 + ceil(1.32) = 1,002 ns (the 1,000 ns kernel overhead ends earlier).
    // Combine: 1 token in BF16 = 256 B: 1,000 + ceil(2.56) = 1,003 ns.
    const result = simulateStep(input(), 'serial');
    expect(result.timeline.makespanNs).toBe(7 * 1001 + 1002 + 1003);
    expect(result.metrics.stepTimeUs).toBe(9.012);
    // Every nanosecond of communication is exposed: 2,005 of 9,012 ns on each GPU.
    expect(result.metrics.exposedCommFraction).toBeCloseTo(2005 / 9012, 4);
  });

  it('lets scmoe-sbo hide the exchanges behind the dense path', () => {
    // Stage 2 runs dispatch (1,002) beside ffn0 + attn1.qkv (2,002); stage 4 runs combine (1,003)
    // beside attn1.core, attn1.out, ffn1 (3,003). With communication holding no SMs the compute
    // stream never waits: attn0, router, ffn0, qkv, experts, core, out, ffn1, lm-head = 9 x 1,001.
    const result = simulateStep({ ...input(), commSms: 0 }, 'scmoe-sbo');
    expect(result.timeline.makespanNs).toBe(9 * 1001);
    expect(result.metrics.exposedCommFraction).toBe(0);
  });

  it('slows the overlapped compute while communication kernels hold SMs', () => {
    // 20 of 100 SMs held: ffn0 runs at 0.8 speed during the dispatch (2,002-3,004): 801.6 ns of
    // work done, 199.4 left -> ends at 3,004 + 200 = 3,204. qkv 3,204-4,205, experts -4,206+1,000
    // = 5,206. attn1.core runs at 0.8 during the combine (5,206-6,209): 198.6 left -> 6,408.
    // out -7,409, ffn1 -8,410, lm-head -9,411.
    const result = simulateStep(input(), 'scmoe-sbo');
    expect(result.timeline.makespanNs).toBe(9411);
  });
});
