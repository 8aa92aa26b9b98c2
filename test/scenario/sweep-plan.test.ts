// Sweep planning: any scenario key as an axis, applied by setting its key path and loading the
// result through the normal loader; bad values reported once at their place in the sweep list;
// combinations that cannot run kept as points with the loader's reason; the size limit.
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, UsageError, UserInputError } from '../../sim/core/index.ts';
import { resolveScenarioText } from '../../sim/scenario/load.ts';
import { planSweep, setPath } from '../../sim/scenario/sweep-plan.ts';

const BASE = `name: plan
model: traced
trace: traces/tiny.trace
topology: h800-2node
parallel: { ep: 16 }
workload: { phase: decode, sequencesPerGpu: 4, contextTokens: 256 }
schedules: [serial, scmoe-sbo]
`;

async function issuesOf(text: string, options = {}): Promise<string[]> {
  try {
    await planSweep(text, 'plan.yaml', options);
  } catch (e) {
    if (e instanceof UserInputError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error('expected the plan to be refused');
}

describe('planSweep: axes', () => {
  it('three axes, one of them not numeric, give exactly the hand-listed product, schedules fastest', async () => {
    const text = `${BASE}sweep:
  parallel.ep: [8, 16]
  parallel.placement: [contiguous, load-aware]
  workload.sequencesPerGpu: [4, 16]
`;
    const plan = await planSweep(text, 'plan.yaml');
    expect(plan.axes.map((a) => [a.path, a.values])).toEqual([
      ['parallel.ep', [8, 16]],
      ['parallel.placement', ['contiguous', 'load-aware']],
      ['workload.sequencesPerGpu', [4, 16]],
      ['schedules', ['serial', 'scmoe-sbo']],
    ]);
    const listed = [
      [8, 'contiguous', 4, 'serial'], [8, 'contiguous', 4, 'scmoe-sbo'], [8, 'contiguous', 16, 'serial'], [8, 'contiguous', 16, 'scmoe-sbo'],
      [8, 'load-aware', 4, 'serial'], [8, 'load-aware', 4, 'scmoe-sbo'], [8, 'load-aware', 16, 'serial'], [8, 'load-aware', 16, 'scmoe-sbo'],
      [16, 'contiguous', 4, 'serial'], [16, 'contiguous', 4, 'scmoe-sbo'], [16, 'contiguous', 16, 'serial'], [16, 'contiguous', 16, 'scmoe-sbo'],
      [16, 'load-aware', 4, 'serial'], [16, 'load-aware', 4, 'scmoe-sbo'], [16, 'load-aware', 16, 'serial'], [16, 'load-aware', 16, 'scmoe-sbo'],
    ];
    expect(plan.points.map((p) => [p.values['parallel.ep'], p.values['parallel.placement'], p.values['workload.sequencesPerGpu'], p.values.schedules])).toEqual(listed);
    expect(plan.points.map((p) => p.id)).toEqual(listed.map((_, i) => i));
    expect(plan.points.map((p) => [p.ep, p.batch, p.schedule])).toEqual(listed.map(([ep, , batch, s]) => [ep, batch, s]));
    expect(plan.points.every((p) => p.error === undefined && p.replicaGpus === p.ep)).toBe(true);
    // Each point's text is a whole scenario with exactly its values, which the loader reads back.
    for (const p of [plan.points[5]!, plan.points[10]!]) {
      const s = await resolveScenarioText(p.text!, 'plan.yaml');
      expect([s.spec.parallel.ep, s.spec.parallel.placement, (s.spec.workload as { sequencesPerGpu: number }).sequencesPerGpu, s.schedules]).toEqual([
        p.values['parallel.ep'],
        p.values['parallel.placement'],
        p.values['workload.sequencesPerGpu'],
        [p.schedule],
      ]);
      expect(s.spec.sweep).toBeUndefined();
    }
  });

  it('keeps the shorthands: sweep.ep, sweep.batch (the phase batch key) and sweep.tpotTargetMs', async () => {
    const plan = await planSweep(`${BASE}sweep: { ep: [8, 16], batch: [4, 8], tpotTargetMs: 10 }\n`, 'plan.yaml');
    expect(plan.axes.map((a) => a.path)).toEqual(['parallel.ep', 'workload.sequencesPerGpu', 'schedules']);
    expect(plan.targets).toEqual({ tpotMs: 10 });
    expect(plan.points).toHaveLength(8);
    expect(plan.points[3]).toMatchObject({ ep: 8, batch: 8, schedule: 'scmoe-sbo' });
  });

  it('--ep replaces the EP axis; without any sweep the scenario is one layout times its schedules', async () => {
    const plan = await planSweep(`${BASE}sweep: { parallel.ep: [2, 4] }\n`, 'plan.yaml', { cliEp: [8, 16] });
    expect(plan.axes[0]).toMatchObject({ path: 'parallel.ep', values: [8, 16], origin: { kind: 'cli' } });
    const single = await planSweep(BASE, 'plan.yaml');
    expect(single.points.map((p) => `${p.ep} ${p.schedule}`)).toEqual(['16 serial', '16 scmoe-sbo']);
  });

  it('varies keys the file does not write (nested), objects, and the topology', async () => {
    const plan = await planSweep(
      `${BASE}sweep:
  network.allToAll: [direct, two-hop]
  topology: [h800-1node, h800-2node]
  parallel.ep: [8]
`,
      'plan.yaml',
    );
    expect(plan.points).toHaveLength(8);
    const s = await resolveScenarioText(plan.points[2]!.text!, 'plan.yaml');
    expect(s.spec.network?.allToAll).toBe('direct');
    expect(s.topology.name).toBe('h800-2node');
    expect(s.topology.comm.allToAll).toBe('direct');
  });
});

describe('planSweep: bad values', () => {
  it('reports a bad value once, at its place in the sweep list, with the loader\'s message', async () => {
    const text = `${BASE}sweep:
  parallel.ep: [8, 3, 16]
  workload.sequencesPerGpu: [4, 8]
`;
    // ep 3 fails in both batch sizes and for both schedules: still one message, at line 9, column 20.
    expect(await issuesOf(text)).toEqual(['plan.yaml:9:20: sweep.parallel.ep[1]: must divide the number of GPUs (16 in h800-2node); got 3']);
  });

  it('reports each bad --ep value once, with the file name', async () => {
    expect(await issuesOf(BASE, { cliEp: [3, 5, 16] })).toEqual([
      'plan.yaml:5:13: parallel.ep: --ep 3: must divide the number of GPUs (16 in h800-2node); got 3',
      'plan.yaml:5:13: parallel.ep: --ep 5: must divide the number of GPUs (16 in h800-2node); got 5',
    ]);
  });

  it("checks a value with the scenario's own schema: enums with a did-you-mean, types, unknown keys", async () => {
    expect(await issuesOf(`${BASE}sweep: { parallel.placement: [contiguous, lod-aware] }\n`)).toEqual([
      'plan.yaml:8:43: sweep.parallel.placement[1]: expected one of "contiguous"|"load-aware"; got "lod-aware" (did you mean "load-aware"?)',
    ]);
    expect(await issuesOf(`${BASE}sweep: { commSms: [20, -1] }\n`)).toEqual(['plan.yaml:8:24: sweep.commSms[1]: must be an integer between 0 and 1023; got -1']);
    // Every value fails for the same reason: said once, at the key.
    expect(await issuesOf(`${BASE}sweep: { parallel.epp: [8, 16] }\n`)).toEqual([
      'plan.yaml:8:10: sweep.parallel.epp: unknown field "epp"; expected one of: ep, attention, placement, redundantExperts, cp (did you mean "ep"?)',
    ]);
    expect(await issuesOf(`${BASE}sweep: { schedules: [serial, tbo2] }\n`)).toEqual([
      expect.stringMatching(/^plan\.yaml:8:30: sweep\.schedules\[1\]: expected one of .*; got "tbo2" \(did you mean "tbo"\?\)$/),
    ]);
  });

  it('refuses what cannot be an axis, and lists that are not lists or repeat a value', async () => {
    expect(await issuesOf(`${BASE}sweep: { name: [a, b] }\n`)).toEqual(['plan.yaml:8:10: sweep.name: "name" cannot be swept: it names the results folder; sweep in another scenario file instead']);
    expect(await issuesOf(`${BASE}sweep: { tagrets: { tpotMs: 5 } }\n`)).toEqual([
      'plan.yaml:8:10: sweep.tagrets: an axis takes a non-empty list of values, e.g. [16, 32]; got {"tpotMs":5} (did you mean "targets"?)',
    ]);
    expect(await issuesOf(`${BASE}sweep: { commSms: [8, 16, 8] }\n`)).toEqual(['plan.yaml:8:27: sweep.commSms[2]: 8 is listed twice']);
    expect(await issuesOf(`${BASE}seed: 1\nsweep: { seed.x: [1, 2] }\n`)).toEqual(['plan.yaml:9:10: sweep.seed.x: seed is 1, not a mapping, so it has no key "x"']);
    // Where the file leaves the key out, the schema says what it expects there, per value.
    expect(await issuesOf(`${BASE}sweep: { seed.x: [1, 2] }\n`)).toEqual(['plan.yaml:8:19: sweep.seed.x[0]: expected number; got {"x":1}', 'plan.yaml:8:22: sweep.seed.x[1]: expected number; got {"x":2}']);
    expect(await issuesOf(`${BASE}sweep: { ep: [8], parallel.ep: [16] }\n`)).toEqual(['plan.yaml:8:19: sweep.parallel.ep: sweep.ep already sweeps parallel.ep; keep one of them']);
  });

  it('a bad value of one axis does not hide a bad value of another', async () => {
    const issues = await issuesOf(`${BASE}sweep:\n  parallel.ep: [16, 3]\n  commSms: [20, 200]\n`);
    expect(issues).toEqual([
      'plan.yaml:9:21: sweep.parallel.ep[1]: must divide the number of GPUs (16 in h800-2node); got 3',
      "plan.yaml:10:17: sweep.commSms[1]: must be below the GPU's 132 SMs; got 200",
    ]);
  });

  it('a latency target needs the decode phase', async () => {
    const prefill = BASE.replace('workload: { phase: decode, sequencesPerGpu: 4, contextTokens: 256 }', 'workload: { phase: prefill, tokensPerGpu: 512 }').replace('schedules: [serial, scmoe-sbo]', 'schedules: [serial]');
    expect(await issuesOf(`${prefill}sweep: { targets: { tpotMs: 20 } }\n`)).toEqual([
      "plan.yaml:8:21: sweep.targets.tpotMs: a per-user latency target applies to decode; this scenario's phase is prefill",
    ]);
  });
});

describe('planSweep: combinations and size', () => {
  it('keeps a combination that cannot run as points with the reason, and runs the rest', async () => {
    const plan = await planSweep(`${BASE}sweep:\n  parallel.placement: [contiguous, load-aware]\n  parallel.redundantExperts: [0, 16]\n`, 'plan.yaml');
    const broken = plan.points.filter((p) => p.error);
    expect(broken.map((p) => p.values)).toEqual([
      { 'parallel.placement': 'contiguous', 'parallel.redundantExperts': 16, schedules: 'serial' },
      { 'parallel.placement': 'contiguous', 'parallel.redundantExperts': 16, schedules: 'scmoe-sbo' },
    ]);
    expect(broken[0]!.error).toBe('parallel.redundantExperts: redundant experts need "placement: load-aware"');
    expect(broken[0]!.text).toBeUndefined();
    expect(plan.points.filter((p) => p.text)).toHaveLength(6);
  });

  it('refuses a sweep above the limit, with its size, unless the limit is raised', async () => {
    const text = `${BASE}sweep:\n  commSms: [8, 12, 16, 20, 24, 28]\n  workload.sequencesPerGpu: [1, 2, 4, 8]\n`;
    const refused = await planSweep(text, 'plan.yaml', { maxPoints: 40 }).catch((e) => e);
    expect(refused).toBeInstanceOf(UsageError);
    expect(refused.message).toBe('plan.yaml: the sweep has 48 points (commSms 6 x workload.sequencesPerGpu 4 x schedules 2), above the limit of 40; --max-points 48 raises it');
    expect((await planSweep(text, 'plan.yaml', { maxPoints: 48 })).points).toHaveLength(48);
  });

  it('a bad base scenario is reported as the loader reports it', async () => {
    const e = await planSweep(BASE.replace('ep: 16', 'ep: 5'), 'plan.yaml').catch((x) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect(formatIssue(e.issues[0])).toMatch(/^plan\.yaml:5:13: parallel\.ep: must divide/);
  });
});

describe('setPath', () => {
  it('sets nested keys, creating mappings, and wraps a schedule in a list', () => {
    const data: Record<string, unknown> = { parallel: { ep: 8 } };
    expect(setPath(data, 'parallel.attention.tp', 2)).toBeUndefined();
    expect(setPath(data, 'schedules', 'tbo')).toBeUndefined();
    expect(data).toEqual({ parallel: { ep: 8, attention: { tp: 2 } }, schedules: ['tbo'] });
    expect(setPath({ seed: 1 }, 'seed.x', 1)).toBe('seed is 1, not a mapping, so it has no key "x"');
  });
});
