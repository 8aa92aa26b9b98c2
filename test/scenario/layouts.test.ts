// EP groups that do not divide the expert count, filled with redundant experts; impossible
// layouts at the file's line:col. The traced tiny model has 32 FFN experts.
import { describe, expect, it } from 'vitest';
import { resolveScenarioText } from '../../sim/scenario/load.ts';
import { expertSlotsProblem } from '../../sim/replay/placement.ts';
import { planStep } from '../../sim/schedules/step-plan.ts';
import { Emitter } from '../../sim/schedules/emitter.ts';
import { expandCollective, FlowList } from '../../sim/network/algorithms.ts';
import { scenarioMessages } from '../helpers/scenario-messages.ts';
import { tinyDecodeScenario } from '../helpers/tiny-scenario.ts';

const scenario = (nodes: number, parallel: string) => tinyDecodeScenario(`topology: { preset: h800, nodes: ${nodes} }`, parallel);
const messages = scenarioMessages;

describe('EP layouts with redundant experts', () => {
  it('runs EP 24 over 32 experts when 16 redundant experts fill 48 slots (2 per GPU)', async () => {
    const s = await resolveScenarioText(scenario(3, '  ep: 24\n  placement: load-aware\n  redundantExperts: 16'), 'a.yaml');
    expect(s.input.parallel.ep).toBe(24);
  });

  it('says how many redundant experts would fill the slots', async () => {
    expect(await messages(scenario(3, '  ep: 24\n  placement: load-aware\n  redundantExperts: 10'))).toEqual([
      'bad.yaml:8:3: parallel.redundantExperts: 32 experts + 10 redundant = 42 slots do not fill the 24 GPUs of the EP group evenly (1.75 per GPU); use redundantExperts: 16 (48 slots = 2 per GPU)',
    ]);
    expect(await messages(scenario(3, '  ep: 24'))).toEqual([
      'bad.yaml:6:3: parallel.ep: must divide the 32 FFN experts with contiguous placement (each GPU hosts the same number); got 24. Or fill the slots with redundant experts: placement: load-aware, redundantExperts: 16 (48 slots = 2 per GPU)',
    ]);
  });

  it('runs TP over whole nodes, its all-reduce across the NICs (NCCL two-level)', async () => {
    const text = scenario(2, '  ep: 16\n  attention: { tp: 16 }').replace('model: traced\ntrace: traces/tiny.trace', 'model: deepseek-v3\nrouting: uniform');
    const s = await resolveScenarioText(text, 'a.yaml');
    const plan = planStep(s.input, 1);
    const e = new Emitter(plan);
    e.tpAllReduce('ar', 0, 0, 1e6, []);
    const [c] = e.graph.collectives;
    expect(c!.gpus).toEqual(Array.from({ length: 16 }, (_, i) => i));
    const sink = new FlowList();
    expandCollective(c!.algorithm, s.topology, c!.gpus, sink);
    // The middle phase runs among GPUs of the same local rank in the two nodes: RDMA.
    expect(sink.flows.some((f) => Math.floor(f.src / 8) !== Math.floor(f.dst / 8))).toBe(true);
    expect(await messages(scenario(3, '  ep: 24\n  placement: load-aware\n  redundantExperts: 16\n  attention: { tp: 12 }'))).toEqual([
      expect.stringMatching(/parallel\.attention\.tp: must divide the 8 GPUs of a node, or be whole nodes \(a multiple of 8 that divides the 24 GPUs\); got 12$/),
    ]);
  });

  it('refuses fewer slots than GPUs, and TP that is neither part of a node nor whole nodes', async () => {
    expect(await messages(scenario(6, '  ep: 48\n  placement: load-aware'))).toEqual([
      'bad.yaml:5:1: parallel.redundantExperts: 32 expert slots (32 experts + 0 redundant) are fewer than the 48 GPUs of the EP group: every GPU needs at least one; use redundantExperts: 16 or more',
    ]);
    // 16 whole nodes' worth does not divide a 24-GPU cluster.
    expect(await messages(scenario(3, '  ep: 24\n  placement: load-aware\n  redundantExperts: 16\n  attention: { tp: 16 }'))).toEqual([
      'bad.yaml:9:16: parallel.attention.tp: must divide the 8 GPUs of a node, or be whole nodes (a multiple of 8 that divides the 24 GPUs); got 16',
    ]);
  });

  it('expertSlotsProblem: DeepSeek EP144 (256 + 32 = 2 x 144) fits; 256 + 31 does not', () => {
    expect(expertSlotsProblem(256, 144, 32, 'load-aware')).toBeUndefined();
    expect(expertSlotsProblem(256, 144, 31, 'load-aware')?.message).toContain('use redundantExperts: 32');
    expect(expertSlotsProblem(256, 64, 0, 'contiguous')).toBeUndefined();
  });
});
