// MTP as a step runs it: the target verifies 1 + k tokens per sequence, the draft head runs k passes
// one after another (its own attention over its KV cache included), and a sequence keeps
// 1 + a + ... + a^k tokens.
import { describe, expect, it } from 'vitest';
import type { Workload } from '../../sim/core/types.ts';
import type { ModelPreset } from '../../sim/models/model-preset.ts';
import { TrainingEmitter } from '../../sim/schedules/emitter.ts';
import { layerCosts } from '../../sim/schedules/layer-costs.ts';
import { SCHEDULES } from '../../sim/schedules/registry.ts';
import { planStep } from '../../sim/schedules/step-plan.ts';
import { acceptedTokensPerStep, simulateStep } from '../../sim/step/simulate-step.ts';
import { smallScmoe, smallStandard, stepInput } from '../schedules/helpers.ts';

const denseDraft: ModelPreset = { ...smallScmoe, mtp: { ffn: 'dense' } };
const moeDraft: ModelPreset = { ...smallStandard, mtp: { ffn: 'moe' } };
const decode = (mtp?: { draftTokens: number; acceptance: number }, contextTokens = 2048): Workload => ({
  phase: 'decode',
  sequencesPerGpu: 8,
  contextTokens,
  ...(mtp ? { mtp } : {}),
});

describe('accepted tokens per step', () => {
  it('is 1 + a + a^2 + ... + a^k: verification stops at the first rejected draft', () => {
    expect(acceptedTokensPerStep(3, 0)).toBe(1);
    expect(acceptedTokensPerStep(3, 1)).toBe(4);
    expect(acceptedTokensPerStep(1, 0.9)).toBeCloseTo(1.9, 12);
    expect(acceptedTokensPerStep(2, 0.5)).toBeCloseTo(1.75, 12);
  });
});

describe('an MTP decode step', () => {
  const run = (model: ModelPreset, w: Workload) => simulateStep(stepInput(model, w), 'serial').metrics;

  it('with acceptance 0 keeps one token per sequence and is slower than the same step without MTP', () => {
    const without = run(denseDraft, decode());
    const rejected = run(denseDraft, decode({ draftTokens: 1, acceptance: 0 }));
    expect(rejected.acceptedTokensPerStep).toBe(1);
    expect(rejected.tokensPerSecPerGpu).toBeCloseTo((8 * 1e6) / rejected.stepTimeUs, 0);
    expect(Math.abs(rejected.tpotMs! - rejected.stepTimeUs / 1000)).toBeLessThanOrEqual(0.0005 + 1e-12);
    expect(rejected.stepTimeUs).toBeGreaterThan(without.stepTimeUs);
    expect(rejected.tokensPerSecPerUser!).toBeLessThan(without.tokensPerSecPerUser!);
  });

  it('with acceptance 1 keeps 1 + k tokens per sequence', () => {
    const all = run(denseDraft, decode({ draftTokens: 2, acceptance: 1 }));
    expect(all.acceptedTokensPerStep).toBe(3);
    expect(Math.abs(all.tpotMs! - all.stepTimeUs / 3 / 1000)).toBeLessThanOrEqual(0.0005 + 1e-12);
    expect(all.tokensPerSecPerGpu).toBeCloseTo((8 * 3 * 1e6) / all.stepTimeUs, 0);
  });

  it('runs k draft passes one after another, each after the previous one', () => {
    const input = stepInput(denseDraft, decode({ draftTokens: 2, acceptance: 0.8 }));
    const plan = planStep(input, 1);
    const e = new TrainingEmitter(plan);
    SCHEDULES.serial.build(e, layerCosts(plan));
    const ops = e.graph.ops.filter((o) => o.gpu === 0);
    const id = (name: string) => ops.find((o) => o.name === name)!.id;
    const deps = (name: string) => ops.find((o) => o.name === name)!.deps;
    expect(deps('head.mb0.mtp1.attn')).toContain(id('head.mb0.lm-head'));
    expect(deps('head.mb0.mtp2.attn')).toContain(id('head.mb0.mtp1.lm-head'));
    expect(ops.filter((o) => o.kind === 'mtp-draft').map((o) => o.name)).toEqual([
      'head.mb0.mtp1.attn',
      'head.mb0.mtp1.ffn',
      'head.mb0.mtp1.lm-head',
      'head.mb0.mtp2.attn',
      'head.mb0.mtp2.ffn',
      'head.mb0.mtp2.lm-head',
    ]);
  });

  it("includes the draft layer's core attention over its own KV cache (it grows with the context)", () => {
    const costsAt = (context: number) => layerCosts(planStep(stepInput(denseDraft, decode({ draftTokens: 1, acceptance: 0.8 }, context)), 1)).mtpDraft(0, 'attention')!;
    const short = costsAt(1024);
    const long = costsAt(2048);
    // 8 draft queries (one per sequence), 4 heads, latent 64 + 16: 2 T nh C (kr+dr) + 2 T nh C kr more FLOPs
    expect(long.flops - short.flops).toBe(2 * 8 * 4 * 1024 * (64 + 16) + 2 * 8 * 4 * 1024 * 64);
    expect(long.bytes).toBeGreaterThan(short.bytes + 8 * 1024 * 80 * 2 - 1);
  });

  it('an MoE draft layer (DeepSeek-V3) dispatches and combines its one token per sequence', () => {
    const input = stepInput(moeDraft, decode({ draftTokens: 1, acceptance: 0.8 }));
    const plan = planStep(input, 1);
    const e = new TrainingEmitter(plan);
    SCHEDULES['shared-overlap'].build(e, layerCosts(plan));
    const names = new Set(e.graph.ops.filter((o) => o.gpu === 0).map((o) => o.name));
    for (const n of ['head.mb0.mtp1.router', 'head.mb0.mtp1.dispatch', 'head.mb0.mtp1.experts', 'head.mb0.mtp1.combine', 'head.mb0.mtp1.shared']) {
      expect(names.has(n), n).toBe(true);
    }
    const draft = simulateStep(input, 'shared-overlap').metrics;
    expect(draft.acceptedTokensPerStep).toBeCloseTo(1.8, 12);
  });
});
