// EP groups that do not divide the expert count, filled with redundant experts; impossible
// layouts at the file's line:col. The traced tiny model has 32 FFN experts.
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../sim/core/errors.ts';
import { resolveScenarioText } from '../../sim/scenario/load.ts';
import { expertSlotsProblem } from '../../sim/replay/placement.ts';

const scenario = (nodes: number, parallel: string) => `name: small
model: traced
trace: traces/tiny.trace
topology: { preset: h800, nodes: ${nodes} }
parallel:
${parallel}
workload:
  phase: decode
  sequencesPerGpu: 4
  contextTokens: 256
schedules: [serial]
`;

async function messages(text: string): Promise<string[]> {
  try {
    await resolveScenarioText(text, 'bad.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}

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

  it('refuses fewer slots than GPUs, and TP wider than a node', async () => {
    expect(await messages(scenario(6, '  ep: 48\n  placement: load-aware'))).toEqual([
      'bad.yaml:5:1: parallel.redundantExperts: 32 expert slots (32 experts + 0 redundant) are fewer than the 48 GPUs of the EP group: every GPU needs at least one; use redundantExperts: 16 or more',
    ]);
    expect(await messages(scenario(2, '  ep: 16\n  attention: { tp: 16 }'))).toEqual([
      expect.stringMatching(/^bad\.yaml:7:\d+: parallel\.attention\.tp: must divide the 8 GPUs of a node/),
    ]);
  });

  it('expertSlotsProblem: DeepSeek EP144 (256 + 32 = 2 x 144) fits; 256 + 31 does not', () => {
    expect(expertSlotsProblem(256, 144, 32, 'load-aware')).toBeUndefined();
    expect(expertSlotsProblem(256, 144, 31, 'load-aware')?.message).toContain('use redundantExperts: 32');
    expect(expertSlotsProblem(256, 64, 0, 'contiguous')).toBeUndefined();
  });
});
