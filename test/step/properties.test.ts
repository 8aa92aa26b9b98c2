// Properties of whole steps over random routings and layouts (seeded, test-only generators).
import { describe, expect, it } from 'vitest';
import type { ModelPreset } from '../../sim/models/model-preset.ts';
import { combineBytesPerToken, dispatchBytesPerToken } from '../../sim/models/costs.ts';
import type { RoutingSource } from '../../sim/replay/routing-source.ts';
import { createRng, type Rng } from '../../sim/core/rng.ts';
import { simulateStep } from '../../sim/step/simulate-step.ts';
import type { ScheduleName } from '../../sim/core/types.ts';
import type { StepInput } from '../../sim/schedules/step-input.ts';
import { toyTopology } from '../helpers/toy-topology.ts';

const model: ModelPreset = {
  name: 'prop',
  source: 'test',
  hidden: 512,
  vocab: 512,
  layers: 2,
  layout: 'scmoe',
  denseLayers: 0,
  attention: { kind: 'mla', heads: 4, qLoraRank: 128, kvLoraRank: 128, qkNopeHeadDim: 64, qkRopeHeadDim: 32, vHeadDim: 64 },
  denseFfnHidden: 1024,
  moe: { ffnExperts: 16, zeroExperts: 8, topk: 4, expertHidden: 256, sharedExperts: 0, sharedHidden: 0 },
};

/** A random routing table: 256 tokens x layers x topk distinct experts, skewed towards some experts. */
function randomRouting(rng: Rng, zeroOnly = false): RoutingSource {
  const { ffnExperts: n, zeroExperts: z, topk: k } = model.moe;
  const tokens = 256;
  const table = new Uint16Array(tokens * model.layers * k);
  for (let i = 0; i < tokens * model.layers; i++) {
    const chosen = new Set<number>();
    while (chosen.size < k) {
      const pick = zeroOnly ? n + rng.int(z) : rng.next() < 0.3 ? rng.int(4) : rng.int(n + z);
      chosen.add(pick);
    }
    table.set([...chosen], i * k);
  }
  return {
    kind: 'trace',
    description: 'random test routing',
    ffnExperts: n,
    zeroExperts: z,
    topk: k,
    layers: model.layers,
    sampleTokens: (r, count) => Int32Array.from({ length: count }, () => r.int(tokens)),
    expertsOf: (token, layer, out) => out.set(table.subarray((token * model.layers + layer) * k, (token * model.layers + layer + 1) * k)),
  };
}

function randomInput(seed: number, overrides: Partial<StepInput> = {}): StepInput {
  const rng = createRng(seed);
  const nodes = 1 + rng.int(2);
  const gpusPerNode = [2, 4][rng.int(2)]!;
  const gpus = nodes * gpusPerNode;
  const ep = [gpus, gpus / 2].filter((e) => e >= 1 && model.moe.ffnExperts % e === 0)[rng.int(2)] ?? gpus;
  const base = toyTopology();
  return {
    model,
    topology: { ...base, nodes, gpusPerNode, comm: { sms: 20, allToAll: rng.next() < 0.5 ? 'direct' : 'two-hop' } },
    parallel: { ep, attention: { dp: gpus, tp: 1 }, placement: 'contiguous', redundantExperts: 0 },
    workload: { phase: 'decode', sequencesPerGpu: 2 + rng.int(30), contextTokens: 256 + rng.int(4000) },
    precision: { weights: 'bf16', dispatch: rng.next() < 0.5 ? 'fp8' : 'bf16', combine: 'bf16' },
    commSms: 0,
    routing: randomRouting(rng),
    seed,
    costUsdPerGpuHour: 2,
    recomputeFraction: 0,
    ...overrides,
  };
}

const SCHEDULES: ScheduleName[] = ['serial', 'shared-overlap', 'tbo', 'scmoe-sbo'];

const isComm = (kind: string) => ['dispatch', 'combine', 'all-reduce'].includes(kind);

/** Per GPU, the summed time of its compute ops (and, with `andComm`, its exchanges too). */
function computeSum(result: ReturnType<typeof simulateStep>, gpus: number, andComm = false): number[] {
  const sums = new Array<number>(gpus).fill(0);
  for (const s of result.timeline.spans) if (andComm || !isComm(s.kind)) sums[s.gpu]! += s.endNs - s.startNs;
  return sums;
}

/** Exchange kernels GPU 0 runs. */
function commOps(result: ReturnType<typeof simulateStep>): number {
  return result.timeline.spans.filter((s) => s.gpu === 0 && isComm(s.kind)).length;
}

describe('step properties over 25 random routings and layouts', () => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`seed ${seed}`, () => {
      const input = randomInput(seed);
      const gpus = input.topology.nodes * input.topology.gpusPerNode;
      const results = Object.fromEntries(SCHEDULES.map((s) => [s, simulateStep(input, s)]));
      const serial = results['serial']!;
      const serialCompute = Math.max(...computeSum(serial, gpus));
      // The most one more exchange kernel can add: its overhead and the longest path's latency
      // (two-hop: NVLink then RDMA).
      const t = input.topology;
      const perExtraExchange = t.gpu.launchOverheadNs + t.nvlink.latencyNs + t.nic.latencyNs;
      for (const s of SCHEDULES) {
        // Overlap never costs more than the extra work the schedule itself adds: TBO re-reads
        // weights per micro-batch, shared-overlap splits the down GEMM and the combine in two.
        const extraCompute = Math.max(...computeSum(results[s]!, gpus)) - serialCompute;
        const extraExchanges = commOps(results[s]!) - commOps(serial);
        const allowance = Math.max(0, extraCompute) + Math.max(0, extraExchanges) * perExtraExchange;
        expect(results[s]!.timeline.makespanNs).toBeLessThanOrEqual(serial.timeline.makespanNs + allowance + 1);
      }
      // Same seed, same result.
      expect(JSON.stringify(simulateStep(input, 'scmoe-sbo').metrics)).toBe(JSON.stringify(results['scmoe-sbo']!.metrics));
    });
  }

  it('with free communication every schedule takes exactly its compute time', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const input = randomInput(seed);
      const free: StepInput = {
        ...input,
        topology: {
          ...input.topology,
          nvlink: { bandwidthGBps: { peak: 1e15, achieved: 1e15 }, latencyNs: 0 },
          nic: { bandwidthGBps: { peak: 1e15, achieved: 1e15 }, latencyNs: 0 },
          gpu: { ...input.topology.gpu, launchOverheadNs: 0 },
        },
      };
      const gpus = input.topology.nodes * input.topology.gpusPerNode;
      for (const s of SCHEDULES) {
        const r = simulateStep(free, s);
        // Transfers still round up to 1 ns each; with no latency or overhead they hide entirely,
        // except in serial, where each exchange's ns sits on the compute stream.
        const busiest = Math.max(...computeSum(r, gpus, s === 'serial'));
        expect(r.timeline.makespanNs).toBe(busiest);
        if (s === 'serial') expect(busiest - Math.max(...computeSum(r, gpus))).toBeLessThanOrEqual(2 * 2 * model.layers);
      }
    }
  });

  it('with every token on zero experts there is no dispatch or combine traffic', () => {
    const input = randomInput(3, { routing: randomRouting(createRng(99), true) });
    const r = simulateStep(input, 'scmoe-sbo');
    expect(r.timeline.bytesSent.reduce((a, b) => a + b, 0)).toBe(0);
    expect(r.timeline.spans.filter((s) => s.kind === 'expert-gemm').every((s) => s.flops === 0)).toBe(true);
  });

  it('combines exactly the tokens it dispatched (bytes scale by the per-token sizes)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const input = randomInput(seed);
      const r = simulateStep(input, 'scmoe-sbo');
      const bytesOf = (kind: string) => r.timeline.spans.filter((s) => s.kind === kind).reduce((a, s) => a + s.bytes, 0);
      const dispatchTokens = bytesOf('dispatch') / dispatchBytesPerToken(model, input.precision.dispatch);
      const combineTokens = bytesOf('combine') / combineBytesPerToken(model, input.precision.combine);
      expect(dispatchTokens).toBeCloseTo(combineTokens, 6);
      expect(r.timeline.bytesSent.reduce((a, b) => a + b, 0)).toBe(r.timeline.bytesReceived.reduce((a, b) => a + b, 0));
    }
  });
});
