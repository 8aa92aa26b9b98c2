// Training: the pipeline orders against their closed forms, and the graph a training step builds
// (the model's own layer layout, the pipeline sends, the DP sync, recomputation, CP).
import { describe, expect, it } from 'vitest';
import { executeOptionsFor } from '../../sim/network/cluster.ts';
import { execute } from '../../sim/ops/execute.ts';
import { OpGraph } from '../../sim/ops/op-graph.ts';
import { deepseekV3 } from '../../sim/models/presets.ts';
import { TrainingEmitter } from '../../sim/schedules/emitter.ts';
import { layerCosts } from '../../sim/schedules/layer-costs.ts';
import { pipelineOrder, type PipelineSchedule } from '../../sim/schedules/pipeline-order.ts';
import { SCHEDULES } from '../../sim/schedules/registry.ts';
import { planStep } from '../../sim/schedules/step-plan.ts';
import type { StepInput } from '../../sim/schedules/step-input.ts';
import { uniformRoutingSource } from '../../sim/replay/uniform-source.ts';
import { simulateStep } from '../../sim/step/simulate-step.ts';
import type { ScheduleName, Workload } from '../../sim/core/types.ts';
import { toyTopology } from '../helpers/toy-topology.ts';
import { smallScmoe, smallStandard, stepInput } from './helpers.ts';

/**
 * A pipeline of `ranks` GPUs with nothing but compute: each pass one op of the given time on its
 * rank's GPU, run in the schedule's order, each waiting for the pass it needs.
 */
function handPipeline(schedule: PipelineSchedule, ranks: number, microBatches: number, ns: { F: number; B: number; W: number }): number {
  const order = pipelineOrder(schedule, ranks, microBatches);
  const S = order.shape.stagesPerPath;
  const g = new OpGraph();
  const ids = new Map<string, number>();
  for (const task of order.tasks) {
    for (const p of task.passes) {
      const deps: number[] = [];
      const need = (key: string) => deps.push(ids.get(key)!);
      if (p.pass === 'F' && p.stage > 0) need(`F/${p.stage - 1}/${p.mb}`);
      if (p.pass === 'B' || p.pass === 'BW') {
        need(`F/${p.stage}/${p.mb}`);
        if (p.stage < S - 1) need(`B/${p.stage + 1}/${p.mb}`);
      }
      if (p.pass === 'W') need(`B/${p.stage}/${p.mb}`);
      const workNs = p.pass === 'BW' ? ns.B + ns.W : ns[p.pass];
      const id = g.compute({ name: `${p.pass}${p.mb}.${p.stage}`, kind: 'attention', gpu: task.rank, stream: 'compute', workNs, deps });
      ids.set(`${p.pass === 'BW' ? 'B' : p.pass}/${p.stage}/${p.mb}`, id);
    }
  }
  return execute(g, executeOptionsFor(toyTopology(), { recomputeFraction: 0 })).makespanNs;
}

describe('pipeline orders', () => {
  it('1F1B, 2 stages x 4 micro-batches, equal stage times: bubble = (stages - 1) x (forward + backward)', () => {
    const F = 1000;
    const B = 1200;
    const W = 800;
    const makespan = handPipeline('1f1b', 2, 4, { F, B, W });
    const busy = 4 * (F + B + W);
    expect(makespan).toBe(busy + (2 - 1) * (F + B + W));
  });

  it('1F1B is the textbook order: rank r runs P - r - 1 warm-up forwards, then one forward one backward', () => {
    const order = pipelineOrder('1f1b', 4, 8);
    const of = (r: number) => order.tasks.filter((t) => t.rank === r).map((t) => `${t.passes[0]!.pass}${t.passes[0]!.mb}`);
    expect(of(0)).toEqual(['F0', 'F1', 'F2', 'F3', 'BW0', 'F4', 'BW1', 'F5', 'BW2', 'F6', 'BW3', 'F7', 'BW4', 'BW5', 'BW6', 'BW7']);
    expect(of(3)).toEqual(['F0', 'BW0', 'F1', 'BW1', 'F2', 'BW2', 'F3', 'BW3', 'F4', 'BW4', 'F5', 'BW5', 'F6', 'BW6', 'F7', 'BW7']);
    expect(order.peakInFlight).toEqual([4, 3, 2, 1]);
    expect(order.unitMakespan).toBe((8 + 4 - 1) * 3);
  });

  it('zero-bubble (split backward, W deferred) is shorter than 1F1B with the same passes', () => {
    const ns = { F: 1000, B: 1000, W: 1000 };
    for (const [P, M] of [[2, 4], [4, 8], [4, 16]] as const) {
      const f1b = handPipeline('1f1b', P, M, ns);
      const zb = handPipeline('zb-h1', P, M, ns);
      expect(zb).toBeLessThan(f1b);
      // ... and never more than 1F1B's peak of in-flight micro-batches on any rank
      expect(Math.max(...pipelineOrder('zb-h1', P, M).peakInFlight)).toBeLessThanOrEqual(P);
    }
  });

  it('V-ZB holds two chunks per rank in a V and keeps at most 2P + 1 half-size chunks in flight; DualPipe P + 1', () => {
    const v = pipelineOrder('v-zb', 4, 8);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((s) => v.shape.rankOf(s, 0))).toEqual([0, 1, 2, 3, 3, 2, 1, 0]);
    expect(Math.max(...v.peakInFlight)).toBeLessThanOrEqual(9);
    expect(handPipeline('v-zb', 4, 8, { F: 500, B: 500, W: 500 })).toBeLessThan(handPipeline('1f1b', 4, 8, { F: 1000, B: 1000, W: 1000 }));
    const d = pipelineOrder('dualpipe', 4, 8);
    expect([d.shape.rankOf(0, 0), d.shape.rankOf(0, 7)]).toEqual([0, 3]);
    expect(Math.max(...d.peakInFlight)).toBeLessThanOrEqual(5);
    expect(d.tasks.some((t) => t.passes.length === 2 && t.passes[0]!.pass === 'F' && t.passes[1]!.pass === 'B')).toBe(true);
  });

  it('every schedule runs every pass exactly once', () => {
    for (const s of ['1f1b', 'zb-h1', 'v-zb', 'dualpipe'] as const) {
      const o = pipelineOrder(s, 4, 8);
      const passes = o.tasks.flatMap((t) => t.passes.map((p) => `${p.pass}/${p.stage}/${p.mb}`));
      expect(new Set(passes).size).toBe(passes.length);
      expect(passes.length).toBe(o.shape.stagesPerPath * 8 * (o.shape.splitBackward ? 3 : 2));
    }
  });
});

// ---- training graphs ----

const train = (over: Partial<Extract<Workload, { phase: 'train' }>> = {}): Workload => ({ phase: 'train', tokensPerMicrobatch: 64, chunks: 2, gradientAccumulation: 1, pipelineStages: 1, ...over });

function build(name: ScheduleName, input: StepInput) {
  const schedule = SCHEDULES[name];
  const plan = planStep(input, schedule.microBatches(input.workload));
  const e = new TrainingEmitter(plan);
  schedule.build(e, layerCosts(plan));
  return e.graph;
}

/** Ops of one GPU by name, with their stream and the names of their dependencies (transitively). */
function onGpu(graph: OpGraph, gpu: number) {
  const all = graph.ops;
  const ops = all.filter((o) => o.gpu === gpu);
  const byId = new Map(all.map((o) => [o.id, o]));
  const ancestors = (id: number, seen = new Set<number>()): Set<number> => {
    for (const d of byId.get(id)!.deps) if (!seen.has(d)) ancestors(d, seen.add(d));
    return seen;
  };
  const find = (name: string) => {
    const op = ops.find((o) => o.name === name);
    if (!op) throw new Error(`no op ${name} on gpu ${gpu}`);
    return op;
  };
  const has = (name: string) => ops.some((o) => o.name === name);
  const dependsOn = (a: string, b: string) => ancestors(find(a).id).has(find(b).id);
  const names = () => ops.map((o) => o.name);
  return { find, has, dependsOn, names, ops };
}

describe('training graph structure', () => {
  describe('serial', () => {
    const g = onGpu(build('serial', stepInput(smallScmoe, train())), 0);
    it('keeps the ScMoE layout: two attentions, two dense FFNs, one MoE, all on the compute stream', () => {
      for (const n of ['L0.mb0.attn0', 'L0.mb0.attn1', 'L0.mb0.ffn0', 'L0.mb0.ffn1', 'L0.mb0.moe.router', 'L0.mb0.moe.dispatch', 'L0.mb0.moe.experts', 'L0.mb0.moe.combine']) {
        expect(g.find(n).stream).toBe('compute');
      }
    });
    it('runs the expert GEMM after its dispatch and the combine after the GEMM; the dense path after the MoE', () => {
      expect(g.dependsOn('L0.mb0.moe.experts', 'L0.mb0.moe.dispatch')).toBe(true);
      expect(g.dependsOn('L0.mb0.moe.combine', 'L0.mb0.moe.experts')).toBe(true);
      expect(g.dependsOn('L0.mb0.ffn0', 'L0.mb0.moe.combine')).toBe(true);
    });
    it('backward: combine gradient, expert backward, dispatch gradient, router, attention 0', () => {
      expect(g.dependsOn('L1.mb0.moe.experts.bwd', 'L1.mb0.moe.combine.bwd')).toBe(true);
      expect(g.dependsOn('L1.mb0.moe.dispatch.bwd', 'L1.mb0.moe.experts.bwd')).toBe(true);
      expect(g.dependsOn('L1.mb0.attn0.bwd', 'L1.mb0.moe.router.bwd')).toBe(true);
      expect(g.dependsOn('L0.mb0.moe.combine.bwd', 'L1.mb0.attn0.bwd')).toBe(true);
    });
  });

  describe('scmoe-chunked', () => {
    const g = onGpu(build('scmoe-chunked', stepInput(smallScmoe, train({ chunks: 2 }))), 0);
    it('each expert chunk waits for its own dispatch chunk, not the other', () => {
      expect(g.dependsOn('L0.mb0.moe.experts.chunk0', 'L0.mb0.moe.dispatch.chunk0')).toBe(true);
      expect(g.dependsOn('L0.mb0.moe.experts.chunk1', 'L0.mb0.moe.dispatch.chunk1')).toBe(true);
      expect(g.dependsOn('L0.mb0.moe.experts.chunk0', 'L0.mb0.moe.dispatch.chunk1')).toBe(false);
      expect(g.find('L0.mb0.moe.dispatch.chunk0').stream).toBe('comm');
    });
    it('the dense path runs beside the exchanges (the ScMoE shortcut): no dependency on any dispatch', () => {
      for (const dense of ['L0.mb0.ffn0', 'L0.mb0.attn1', 'L0.mb0.ffn1']) {
        expect(g.dependsOn(dense, 'L0.mb0.moe.dispatch.chunk0')).toBe(false);
        expect(g.dependsOn(dense, 'L0.mb0.moe.combine.chunk1')).toBe(false);
      }
      expect(g.dependsOn('L1.mb0.attn0', 'L0.mb0.moe.combine.chunk1')).toBe(true);
    });
    it('backward chunks: each expert backward waits for its combine gradient chunk', () => {
      expect(g.dependsOn('L1.mb0.moe.experts.chunk1.bwd', 'L1.mb0.moe.combine.chunk1.bwd')).toBe(true);
      expect(g.dependsOn('L1.mb0.moe.experts.chunk1.bwd', 'L1.mb0.moe.combine.chunk0.bwd')).toBe(false);
    });
  });

  describe('DeepSeek-V3 keeps its own layout', () => {
    const input: StepInput = {
      ...stepInput(deepseekV3, train({ tokensPerMicrobatch: 32 })),
      routing: uniformRoutingSource({ layers: 58, ffnExperts: 256, zeroExperts: 0, topk: 8 }),
    };
    const g = onGpu(build('serial', input), 0);
    const names = new Set(g.names());
    it('one attention, one dense FFN per dense layer; one attention, a shared expert and one MoE block per MoE layer; no attn1', () => {
      for (let l = 0; l < 61; l++) {
        expect(names.has(`L${l}.mb0.attn`), `layer ${l}`).toBe(true);
        expect(names.has(`L${l}.mb0.attn0`) || names.has(`L${l}.mb0.attn1`)).toBe(false);
        expect(names.has(`L${l}.mb0.ffn0`) || names.has(`L${l}.mb0.ffn1`)).toBe(false);
        const moe = l >= 3;
        expect(names.has(`L${l}.mb0.ffn`)).toBe(!moe);
        expect(names.has(`L${l}.mb0.moe.shared`)).toBe(moe);
        expect(names.has(`L${l}.mb0.moe.experts`)).toBe(moe);
        expect(names.has(`L${l}.mb0.moe.router`)).toBe(moe);
      }
      expect(g.ops.filter((o) => o.name === 'L10.mb0.attn').length).toBe(1);
    });
  });

  describe('a pipeline of 2 stages on their own GPUs', () => {
    // toy topology: 16 GPUs, 2 stages of 8, EP 8 inside each stage.
    const input = stepInput(smallStandard, train({ pipelineStages: 2, gradientAccumulation: 4, pipelineSchedule: 'zb-h1' }), {
      parallel: { ep: 8, attention: { dp: 8, tp: 1 }, placement: 'contiguous', redundantExperts: 0 },
    });
    const graph = build('shared-overlap', input);
    const s0 = onGpu(graph, 0);
    const s1 = onGpu(graph, 8);
    it('puts each stage\'s layers on its own GPUs', () => {
      expect(s0.has('L0.mb0.attn')).toBe(true);
      expect(s0.has('L2.mb0.attn')).toBe(false);
      expect(s1.has('L2.mb0.attn')).toBe(true);
      expect(s1.has('L0.mb0.attn')).toBe(false);
      expect(s1.has('head.mb3.lm-head')).toBe(true);
    });
    it("counts expert tokens only on the stage that holds the MoE layers: 2 layers x 4 micro-batches x 64 tokens x 8 GPUs x top-4", () => {
      // Both MoE layers (L1, L2) are in stage 1 (GPUs 8-15); stage 0's EP group computes none of them.
      const tokens = simulateStep(input, 'shared-overlap').expertTokensPerGpu!;
      expect(tokens.slice(0, 8)).toEqual(new Array(8).fill(0));
      expect(tokens.slice(8).reduce((a, b) => a + b, 0)).toBe(2 * 4 * 64 * 8 * 4);
    });
    it('hands activations forward and gradients back as pipeline sends', () => {
      expect(s1.dependsOn('L1.mb0.attn', 'pp.fwd.s1.mb0')).toBe(true);
      expect(s1.find('pp.fwd.s1.mb0').kind).toBe('pp-send');
      expect(s0.dependsOn('L0.mb2.ffn.bwd', 'pp.bwd.s0.mb2')).toBe(true);
    });
    it('splits backward: weight gradients wait for their input gradient and are deferred', () => {
      expect(s1.dependsOn('L2.mb1.moe.experts.wgrad', 'L2.mb1.moe.experts.bwd')).toBe(true);
      const order = s1.ops.filter((o) => o.stream === 'compute').map((o) => o.name);
      expect(order).toContain('L2.mb1.attn.bwd');
      expect(order.indexOf('L2.mb1.moe.experts.wgrad')).toBeGreaterThan(order.indexOf('L2.mb1.attn.bwd'));
    });
    it('gathers each layer before its first forward and reduce-scatters it after its last weight gradient', () => {
      expect(s1.dependsOn('L2.mb0.attn', 'L2.param-all-gather.dense')).toBe(true);
      expect(s1.dependsOn('L2.grad-reduce-scatter.dense', 'L2.mb3.attn.wgrad')).toBe(true);
      expect(s1.dependsOn('optimizer.rank1', 'L2.grad-reduce-scatter.dense')).toBe(true);
      expect(s1.find('L2.grad-reduce-scatter.dense').stream).toBe('dp-comm');
    });
    it('runs with MFU and a memory breakdown', () => {
      const m = simulateStep(input, 'shared-overlap').metrics;
      expect(m.mfu).toBeGreaterThan(0);
      expect(m.mfu).toBeLessThan(1);
      expect(m.memoryBreakdownGiB!.kvCache).toBe(0);
    });
  });

  describe('zero-bubble schedules on a balanced pipeline (4 equal ScMoE layers on 2 stages)', () => {
    const at = (pipelineSchedule: 'zb-h1' | '1f1b' | 'v-zb') =>
      simulateStep(
        stepInput({ ...smallScmoe, layers: 4 }, train({ tokensPerMicrobatch: 2048, pipelineStages: 2, gradientAccumulation: 8, pipelineSchedule }), {
          parallel: { ep: 8, attention: { dp: 8, tp: 1 }, placement: 'contiguous', redundantExperts: 0 },
        }),
        'serial',
      ).metrics.stepTimeUs;
    it('ZB-H1 and V-ZB, with the backward split, take less time than 1F1B', () => {
      const f1b = at('1f1b');
      expect(at('zb-h1')).toBeLessThan(f1b);
      expect(at('v-zb')).toBeLessThan(f1b);
    });
  });

  describe('recomputation and context parallelism', () => {
    const base = stepInput(smallStandard, train({ pipelineStages: 1, gradientAccumulation: 1 }));
    it('full recomputation re-runs each layer forward before its backward, which takes longer', () => {
      const input = { ...base, workload: { ...(base.workload as Extract<Workload, { phase: 'train' }>), recompute: 'full' as const } };
      const g = onGpu(build('serial', input), 0);
      expect(g.dependsOn('L1.mb0.moe.combine.bwd', 'L1.mb0.moe.experts.re')).toBe(true);
      expect(g.dependsOn('L1.mb0.moe.experts.re', 'L2.mb0.attn.bwd')).toBe(true);
      expect(simulateStep(input, 'serial').metrics.stepTimeUs).toBeGreaterThan(simulateStep(base, 'serial').metrics.stepTimeUs);
    });
    it('selective recomputation re-runs the attention up-projections before attention backward', () => {
      const input = { ...base, workload: { ...(base.workload as Extract<Workload, { phase: 'train' }>), recompute: 'selective' as const } };
      const g = onGpu(build('serial', input), 0);
      expect(g.dependsOn('L1.mb0.attn.bwd', 'L1.mb0.attn.recompute')).toBe(true);
    });
    it('context parallelism exchanges keys and values before core attention, gradients after its backward', () => {
      const input = { ...base, parallel: { ...base.parallel, attention: { dp: 8, tp: 1 }, cp: 2 } };
      const g = onGpu(build('serial', input), 0);
      expect(g.dependsOn('L1.mb0.attn.core', 'L1.mb0.attn.cp-kv')).toBe(true);
      expect(g.find('L1.mb0.attn.cp-kv')).toMatchObject({ kind: 'cp-all-gather', stream: 'cp-comm' });
      expect(g.dependsOn('L1.mb0.attn.qkv.bwd', 'L1.mb0.attn.cp-dkv')).toBe(true);
    });
  });
});

describe('pipeline orders with uneven pass times', () => {
  it('every schedule finishes for seeded random times, never above its in-flight limit', async () => {
    const { createRng } = await import('../../sim/core/rng.ts');
    const rng = createRng(7);
    for (const s of ['1f1b', 'zb-h1', 'v-zb', 'dualpipe'] as const) {
      for (const P of [2, 4, 8]) {
        for (const M of [P, 2 * P, 4 * P]) {
          const chunks = s === 'v-zb' ? 2 * P : P;
          const times = { F: [] as number[], B: [] as number[], W: [] as number[] };
          for (let k = 0; k < chunks; k++) {
            times.F.push(0.2 + rng.next() * 3);
            times.B.push(0.2 + rng.next() * 3);
            times.W.push(0.05 + rng.next() * 2);
          }
          const o = pipelineOrder(s, P, M, times);
          const limit = s === '1f1b' ? P : s === 'zb-h1' ? P : s === 'v-zb' ? 2 * P + 1 : P + 1;
          expect(Math.max(...o.peakInFlight), `${s} P=${P} M=${M}`).toBeLessThanOrEqual(limit);
          expect(o.tasks.flatMap((t) => t.passes).length).toBe(o.shape.stagesPerPath * M * (o.shape.splitBackward ? 3 : 2));
        }
      }
    }
  });
});
