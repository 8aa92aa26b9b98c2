import { describe, expect, it } from 'vitest';
import { SCHEDULES } from '../../sim/schedules/registry.ts';
import { Emitter } from '../../sim/schedules/emitter.ts';
import { layerCosts } from '../../sim/schedules/layer-costs.ts';
import { PLACEMENT_HISTORY_TOKENS, planStep } from '../../sim/schedules/step-plan.ts';
import { contiguousPlacement, expertLoadFromSource, rankLoadOf } from '../../sim/replay/placement.ts';
import { traceRoutingSource } from '../../sim/replay/trace-source.ts';
import { createRng } from '../../sim/core/rng.ts';
import { randomTrace } from '../replay/fixtures.ts';
import type { OpGraph } from '../../sim/ops/op-graph.ts';
import { scheduleRefusal } from '../../sim/step/simulate-step.ts';
import type { ScheduleName } from '../../sim/core/types.ts';
import type { StepInput } from '../../sim/schedules/step-input.ts';
import { decode, smallScmoe, smallStandard, stepInput } from './helpers.ts';

function build(name: ScheduleName, input: StepInput): OpGraph {
  const schedule = SCHEDULES[name];
  const plan = planStep(input, schedule.microBatches(input.workload));
  const e = new Emitter(plan);
  schedule.build(e, layerCosts(plan));
  return e.graph;
}

/** Ops of GPU 0 by name, with their stream and the names of their dependencies (transitively). */
function gpu0(graph: OpGraph) {
  const ops = graph.ops.filter((o) => o.gpu === 0);
  const byId = new Map(graph.ops.map((o) => [o.id, o]));
  const ancestors = (id: number, seen = new Set<number>()): Set<number> => {
    for (const d of byId.get(id)!.deps) if (!seen.has(d)) ancestors(d, seen.add(d));
    return seen;
  };
  const find = (name: string) => {
    const op = ops.find((o) => o.name === name);
    if (!op) throw new Error(`no op ${name} on gpu 0; have ${ops.map((o) => o.name).join(', ')}`);
    return op;
  };
  const dependsOn = (a: string, b: string) => ancestors(find(a).id).has(find(b).id);
  const streamOrder = (stream: string) => ops.filter((o) => o.stream === stream).map((o) => o.name);
  return { find, dependsOn, streamOrder };
}

describe('scmoe-sbo builds the 4-stage single-batch overlap', () => {
  const g = gpu0(build('scmoe-sbo', stepInput(smallScmoe, decode)));
  it('stage 2: dispatch runs beside dense FFN 0 and attention 1 QKV (no dependency either way, other streams)', () => {
    for (const dense of ['L0.mb0.ffn0', 'L0.mb0.attn1.qkv']) {
      expect(g.dependsOn(dense, 'L0.mb0.moe.dispatch')).toBe(false);
      expect(g.dependsOn('L0.mb0.moe.dispatch', dense)).toBe(false);
      expect(g.find(dense).stream).not.toBe(g.find('L0.mb0.moe.dispatch').stream);
    }
  });
  it('stage 3: the expert GEMM waits for the dispatch', () => {
    expect(g.dependsOn('L0.mb0.moe.experts', 'L0.mb0.moe.dispatch')).toBe(true);
  });
  it('stage 4: combine runs beside attention 1 core/out and dense FFN 1', () => {
    for (const dense of ['L0.mb0.attn1.core', 'L0.mb0.attn1.out', 'L0.mb0.ffn1']) {
      expect(g.dependsOn(dense, 'L0.mb0.moe.combine')).toBe(false);
      expect(g.dependsOn('L0.mb0.moe.combine', dense)).toBe(false);
    }
  });
  it('the next layer waits for both the combine and the dense path', () => {
    expect(g.dependsOn('L1.mb0.attn0', 'L0.mb0.moe.combine')).toBe(true);
    expect(g.dependsOn('L1.mb0.attn0', 'L0.mb0.ffn1')).toBe(true);
  });
  it('the compute stream runs the stages in order', () => {
    expect(g.streamOrder('compute').slice(0, 8)).toEqual([
      'L0.mb0.attn0',
      'L0.mb0.moe.router',
      'L0.mb0.ffn0',
      'L0.mb0.attn1.qkv',
      'L0.mb0.moe.experts',
      'L0.mb0.attn1.core',
      'L0.mb0.attn1.out',
      'L0.mb0.ffn1',
    ]);
  });
});

describe('tbo alternates two micro-batches', () => {
  const g = gpu0(build('tbo', stepInput(smallScmoe, decode)));
  it('compute stages alternate A, B; comm runs A dispatch, B dispatch, A combine, B combine', () => {
    expect(g.streamOrder('compute').slice(0, 6)).toEqual([
      'L0.mb0.attn0',
      'L0.mb0.moe.router',
      'L0.mb1.attn0',
      'L0.mb1.moe.router',
      'L0.mb0.moe.experts',
      'L0.mb1.moe.experts',
    ]);
    expect(g.streamOrder('comm').slice(0, 4)).toEqual(['L0.mb0.moe.dispatch', 'L0.mb1.moe.dispatch', 'L0.mb0.moe.combine', 'L0.mb1.moe.combine']);
  });
  it('micro-batches are independent of each other', () => {
    expect(g.dependsOn('L0.mb1.moe.experts', 'L0.mb0.moe.dispatch')).toBe(false);
  });
});

describe('serial has no overlap', () => {
  it('puts every op of every GPU on its compute stream', () => {
    const graph = build('serial', stepInput(smallScmoe, decode));
    expect(new Set(graph.ops.map((o) => o.stream))).toEqual(new Set(['compute']));
  });
});

describe('shared-overlap', () => {
  const g = gpu0(build('shared-overlap', stepInput(smallStandard, decode)));
  it('runs the shared expert beside the dispatch and sends the combine in halves behind the down GEMM halves', () => {
    expect(g.dependsOn('L1.mb0.moe.shared', 'L1.mb0.moe.dispatch')).toBe(false);
    expect(g.dependsOn('L1.mb0.moe.combine.half0', 'L1.mb0.moe.experts.half0.down')).toBe(true);
    expect(g.dependsOn('L1.mb0.moe.combine.half0', 'L1.mb0.moe.experts.half1.down')).toBe(false);
  });
  it('gives the dense first layer no MoE ops', () => {
    expect(() => g.find('L0.mb0.moe.dispatch')).toThrow(/no op/);
  });
});

describe('scheduleRefusal()', () => {
  it('refuses scmoe-sbo on a model without the ScMoE shortcut, naming the model', () => {
    expect(scheduleRefusal(stepInput(smallStandard, decode), 'scmoe-sbo')).toMatch(/'small-standard' has no ScMoE shortcut/);
  });
  it('refuses a training schedule in decode and lists the decode schedules', () => {
    expect(scheduleRefusal(stepInput(smallScmoe, decode), 'scmoe-chunked')).toBe(
      "schedule 'scmoe-chunked' does not apply to the decode phase; schedules for decode: serial, shared-overlap, tbo, scmoe-sbo",
    );
  });
  it('accepts shared-overlap on an ScMoE model as an emulation', () => {
    expect(scheduleRefusal(stepInput(smallScmoe, decode), 'shared-overlap')).toBeUndefined();
    expect(SCHEDULES['shared-overlap'].applies(smallScmoe)).toMatchObject({ ok: true, emulation: expect.stringContaining('dense FFN 0') });
  });
});

describe('micro-batches split whole sequences', () => {
  it('gives TBO 2 and 3 of 5 decode sequences with one MTP draft token each (4 and 6 tokens)', () => {
    const input = stepInput(smallScmoe, { phase: 'decode', sequencesPerGpu: 5, contextTokens: 512, mtp: { draftTokens: 1, acceptance: 0.8 } });
    const plan = planStep(input, 2);
    expect([plan.tokensIn(0), plan.tokensIn(1)]).toEqual([4, 6]);
    expect(() => build('tbo', input)).not.toThrow();
  });
});

describe('load-aware placement', () => {
  const trace = randomTrace({ layers: 2, ffnExperts: 32, zeroExperts: 16, topk: 6, tokens: 4000, seed: 5, skew: 1.5 });
  const routing = traceRoutingSource(trace, { mapping: 'exact' });
  const loadAware = (sequencesPerGpu: number, seed = 1) =>
    planStep(
      stepInput(smallScmoe, { phase: 'decode', sequencesPerGpu, contextTokens: 512 }, {
        routing,
        seed,
        parallel: { ep: 16, attention: { dp: 16, tp: 1 }, placement: 'load-aware', redundantExperts: 0 },
      }),
      1,
    );

  it('is planned from a history sample, not from the step it serves (EPLB cannot see the future)', () => {
    // Different steps (2 vs 8 sequences per GPU, both under the history size) get the same placement.
    const small = loadAware(2);
    const large = loadAware(8);
    expect(small.tokens[0]![0]).not.toEqual(large.tokens[0]![0]);
    expect(small.placement(0)).toEqual(large.placement(0));
    expect(small.placement(0).kind).toBe('load-aware');
  });

  it('balances the history it was planned from better than contiguous blocks do', () => {
    const plan = loadAware(8);
    const history = routing.sampleTokens(createRng('1:placement-history'), PLACEMENT_HISTORY_TOKENS, false);
    const load = expertLoadFromSource(routing, 0, history);
    const maxOverMean = (p: ReturnType<typeof plan.placement>) => {
      const perRank = rankLoadOf(p, load);
      return Math.max(...perRank) / (perRank.reduce((a, b) => a + b, 0) / perRank.length);
    };
    expect(maxOverMean(plan.placement(0))).toBeLessThan(maxOverMean(contiguousPlacement(32, 16)));
  });
});
