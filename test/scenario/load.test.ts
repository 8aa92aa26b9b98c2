// Every rule of the scenario loader, one row each, with the exact message and its line:col.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { loadScenario, resolveScenarioText } from '../../sim/scenario/load.ts';
import { scenarioMessages } from '../helpers/scenario-messages.ts';

const dir = mkdtempSync(join(tmpdir(), 'epsim-scenario-'));

const GOOD = `name: small
model: traced
trace: traces/tiny.trace
topology: h800-1node
parallel:
  ep: 8
workload:
  phase: decode
  sequencesPerGpu: 4
  contextTokens: 256
schedules: [serial, scmoe-sbo]
`;

const messages = (text: string) => scenarioMessages(text);

describe('resolveScenarioText()', () => {
  it('accepts a good scenario and fills the defaults', async () => {
    const s = await resolveScenarioText(GOOD, 'good.yaml');
    expect(s.spec.precision).toEqual({ weights: 'bf16', dispatch: 'fp8', combine: 'bf16' });
    expect(s.spec.seed).toBe(1);
    expect(s.input.parallel.attention).toEqual({ dp: 8, tp: 1 });
    expect(s.input.commSms).toBe(s.topology.comm.sms);
    expect(s.schedules).toEqual(['serial', 'scmoe-sbo']);
    expect(s.routing.kind).toBe('trace');
  });

  it('defaults the schedules to every one that applies to the model and phase', async () => {
    const s = await resolveScenarioText(GOOD.replace('schedules: [serial, scmoe-sbo]\n', ''), 'good.yaml');
    expect(s.schedules).toEqual(['serial', 'shared-overlap', 'tbo', 'scmoe-sbo']);
  });

  const cases: [string, string, string[]][] = [
    ['an unknown key, with a hint', GOOD.replace('  ep: 8', '  ep: 8\n  palcement: contiguous'), [
      'bad.yaml:7:3: parallel.palcement: unknown field "palcement"; expected one of: ep, attention, placement, redundantExperts, cp (did you mean "placement"?)',
    ]],
    ['an unknown workload key, hinting only the fields of its phase', GOOD.replace('contextTokens: 256', 'contextTokens: 256\n  tokensPerGpu: 64'), [
      'bad.yaml:11:3: workload.tokensPerGpu: unknown field "tokensPerGpu"; expected one of: phase, sequencesPerGpu, contextTokens, mtp',
    ]],
    ['a wrong type', GOOD.replace('sequencesPerGpu: 4', 'sequencesPerGpu: four'), ['bad.yaml:9:3: workload.sequencesPerGpu: expected number; got "four"']],
    ['a bad enum value', GOOD.replace('schedules: [serial, scmoe-sbo]', 'schedules: [serial, sbo]'), [
      'bad.yaml:11:21: schedules[1]: expected one of "serial"|"shared-overlap"|"tbo"|"scmoe-sbo"|"scmoe-chunked"|"a2a"; got "sbo" (did you mean "scmoe-sbo"?)',
    ]],
    ['an unknown phase', GOOD.replace('phase: decode', 'phase: serve'), [
      "bad.yaml:8:3: workload.phase: expected one of: decode, prefill, train, a2a; got \"serve\"",
    ]],
    ['a misspelt phase, with a hint', GOOD.replace('phase: decode', 'phase: prefil'), [
      'bad.yaml:8:3: workload.phase: expected one of: decode, prefill, train, a2a; got "prefil" (did you mean "prefill"?)',
    ]],
    ['an empty schedule list', GOOD.replace('schedules: [serial, scmoe-sbo]', 'schedules: []'), ['bad.yaml:11:1: schedules: needs at least 1 entry; got []']],
    ['a missing workload field', GOOD.replace('  contextTokens: 256\n', ''), ['bad.yaml:7:1: workload.contextTokens: missing required field (expected number)']],
    ['ep not dividing the GPUs', GOOD.replace('ep: 8', 'ep: 3'), [
      'bad.yaml:6:3: parallel.ep: must divide the number of GPUs (8 in h800-1node); got 3',
      'bad.yaml:6:3: parallel.ep: must divide the 32 FFN experts with contiguous placement (each GPU hosts the same number); got 3. Or fill the slots with redundant experts: placement: load-aware, redundantExperts: 1 (33 slots = 11 per GPU)',
    ]],
    ['dp x tp not matching the GPUs', GOOD.replace('  ep: 8', '  ep: 8\n  attention: { dp: 8, tp: 2 }'), [
      'bad.yaml:7:3: parallel.attention: dp x tp must equal the number of GPUs (8); got 8 x 2 = 16',
    ]],
    ['a schedule the model cannot run', GOOD.replace('model: traced', 'model: deepseek-v3\nrouting: uniform').replace('trace: traces/tiny.trace\n', ''), [
      "bad.yaml:11:21: schedules[1]: model 'deepseek-v3' has no ScMoE shortcut (its MoE input is not taken after a first attention block), so scmoe-sbo has nothing to overlap with; use shared-overlap or tbo",
    ]],
    ['a schedule for another phase', GOOD.replace('[serial, scmoe-sbo]', '[scmoe-chunked]'), [
      "bad.yaml:11:13: schedules[0]: schedule 'scmoe-chunked' does not apply to the decode phase; schedules for decode: serial, shared-overlap, tbo, scmoe-sbo",
    ]],
    ['a missing trace file', GOOD.replace('traces/tiny.trace', 'traces/nope.trace'), []],
    ['an unknown topology', GOOD.replace('h800-1node', 'h800-1nod'), [
      'bad.yaml:4:1: topology: unknown topology preset "h800-1nod" (did you mean "h800-1node"?); available presets: a800, b200, gb200-nvl72, h100-16node, h20, h200, h800, h800-1024gpu, h800-16node, h800-1node, h800-2node, h800-32node',
    ]],
    ['a YAML syntax error', GOOD.replace('  ep: 8', '  ep: [8'), []],
    // What only a run used to refuse (without file or line): too many redundant experts to place.
    ['more redundant experts than load-aware placement can fill', GOOD.replace('  ep: 8', '  ep: 8\n  placement: load-aware\n  redundantExperts: 4096'), [
      'bad.yaml:8:3: parallel.redundantExperts: 4096 redundant slots cannot be filled: 32 experts over 8 ranks allow at most 224 (one replica per rank)',
    ]],
    ['a TP degree the model cannot split its heads by (run found it as an internal error)', GOOD.replace('  ep: 8', '  ep: 8\n  attention: { dp: 1, tp: 8 }'), [
      "bad.yaml:7:23: parallel.attention.tp: tp=8 must divide attention.heads of 'traced:tiny' (4) (a simulation of this scenario cannot cost its layers)",
    ]],
    ['a schedule listed twice', GOOD.replace('[serial, scmoe-sbo]', '[serial, serial]'), [
      'bad.yaml:11:21: schedules[1]: "serial" again (it is schedules[0]); list each schedule once, got it twice',
    ]],
    ['an a2a top-k above its experts (validate crashed on it)', 'name: x\nrouting: uniform\ntopology: h800-1node\nparallel: { ep: 2, attention: { dp: 8 } }\nworkload: { phase: a2a, tokensPerGpu: 16, hidden: 64, topk: 8, experts: 4 }\n', [
      'bad.yaml:5:55: workload.topk: at most the 4 experts (top-k picks distinct experts); got 8',
    ]],
    ['a cost that would be written as null', GOOD.replace('schedules: [serial, scmoe-sbo]', 'schedules: [serial, scmoe-sbo]\ncostUsdPerGpuHour: 1e308'), [
      'bad.yaml:12:1: costUsdPerGpuHour: must be between 0.001 and 10000 USD; got 1e+308',
    ]],
    ['10,000 schedules', GOOD.replace('[serial, scmoe-sbo]', `[${Array(10000).fill('serial').join(', ')}]`), []],
  ];
  for (const [what, text, expected] of cases) {
    it(`reports ${what}`, async () => {
      const got = await messages(text);
      expect(got.length).toBeGreaterThan(0);
      if (expected.length > 0) expect(got).toEqual(expected);
      else expect(got.every((m) => /^bad\.yaml:\d+:\d+: /.test(m))).toBe(true);
    });
  }

  it('names both places it looked for a missing trace', async () => {
    const [m] = await messages(GOOD.replace('traces/tiny.trace', 'traces/nope.trace'));
    expect(m).toMatch(/^bad\.yaml:3:1: trace: no trace file "traces\/nope\.trace"; looked in .*traces\/nope\.trace/);
  });

  it('refuses a model/trace shape mismatch under exact mapping and says how to proceed', async () => {
    const text = GOOD.replace('model: traced', 'model: longcat-flash').replace('ep: 8', 'ep: 8').replace('sequencesPerGpu: 4', 'sequencesPerGpu: 1');
    const [m] = await messages(text);
    expect(m).toMatch(/^bad\.yaml:\d+:\d+: traceMapping: .*differ in .*Set `traceMapping: fit`/);
  });
});

describe('workload rules of issue 14 (sequences, pipelines, MTP, compute model)', () => {
  const UNIFORM = (model: string, workload: string, extra = '') => `name: w
model: ${model}
routing: uniform
topology: h800-16node
parallel:
  ep: 32
${extra}workload:
${workload}`;

  it('refuses MTP on a model whose checkpoint has no draft head', async () => {
    const got = await messages(UNIFORM('qwen3-235b-a22b', '  phase: decode\n  sequencesPerGpu: 8\n  contextTokens: 1024\n  mtp: { draftTokens: 1, acceptance: 0.8 }\n'));
    expect(got).toEqual([`bad.yaml:11:3: workload.mtp: model 'qwen3-235b-a22b' has no MTP draft head (its config has no next-token-prediction layer); remove "mtp"`]);
  });

  it('refuses a prefill sequence length that does not divide the GPU batch', async () => {
    const got = await messages(UNIFORM('deepseek-v3', '  phase: prefill\n  tokensPerGpu: 4096\n  sequenceTokens: 3000\n'));
    expect(got).toEqual(['bad.yaml:10:3: workload.sequenceTokens: must divide tokensPerGpu (4096): a GPU prefills whole sequences; got 3000']);
  });

  it('needs dp x cp x tp x stages = GPUs in training, EP inside a stage, and an even DualPipe', async () => {
    const train = (over: string) => `  phase: train\n  tokensPerMicrobatch: 4096\n  gradientAccumulation: 6\n${over}`;
    expect(await messages(UNIFORM('deepseek-v3', train('  pipelineStages: 8\n'), '  attention: { dp: 128 }\n'))).toEqual([
      'bad.yaml:6:3: parallel.ep: must divide the 16 GPUs of a pipeline stage (128 GPUs / 8 stages); got 32',
      'bad.yaml:7:3: parallel.attention: dp x cp x tp x pipelineStages must equal the number of GPUs (128); got 128 x 1 x 1 x 8 = 1024',
    ]);
    expect(await messages(UNIFORM('deepseek-v3', train('  pipelineStages: 2\n  pipelineSchedule: dualpipe\n')))).toEqual([]);
    const odd = UNIFORM('deepseek-v3', train('  pipelineStages: 2\n  pipelineSchedule: dualpipe\n').replace('gradientAccumulation: 6', 'gradientAccumulation: 5'));
    expect(await messages(odd)).toEqual([
      'bad.yaml:12:3: workload.pipelineSchedule: dualpipe feeds half the micro-batches from each end: pipelineStages and gradientAccumulation must be even; got 2 and 5',
    ]);
  });

  it('resolves compute.model (default kernel-tables) and parallel.cp into the step input', async () => {
    const s = await resolveScenarioText(UNIFORM('deepseek-v3', '  phase: train\n  tokensPerMicrobatch: 4096\n', '  cp: 2\n') + 'compute: { model: roofline }\n', 'good.yaml');
    expect(s.input.computeModel).toBe('roofline');
    expect(s.input.parallel).toMatchObject({ cp: 2, attention: { dp: 64, tp: 1 } });
    expect((await resolveScenarioText(GOOD, 'good.yaml')).input.computeModel).toBe('kernel-tables');
  });
});

describe('epsim run / validate on a bad scenario', () => {
  it('validate refuses what run would, with the same located message (load-aware, 4096 redundant experts)', async () => {
    const file = join(dir, 'redundant.yaml');
    writeFileSync(file, GOOD.replace('  ep: 8', '  ep: 8\n  placement: load-aware\n  redundantExperts: 4096'));
    for (const command of ['validate', 'run']) {
      let err = '';
      expect(await main([command, file], { out: () => {}, err: (t) => (err += t) })).toBe(2);
      expect(err).toBe(`error: ${file}:8:3: parallel.redundantExperts: 4096 redundant slots cannot be filled: 32 experts over 8 ranks allow at most 224 (one replica per rank)\n`);
    }
  });

  it('run --schedule "," is an error, not a run of nothing', async () => {
    const file = join(dir, 'good-for-schedule.yaml');
    writeFileSync(file, GOOD);
    let err = '';
    expect(await main(['run', file, '--schedule', ','], { out: () => {}, err: (t) => (err += t) })).toBe(2);
    expect(err).toMatch(/^error: --schedule: no schedule named in ","; schedules: serial, /);
  });

  it('exits 2 with file:line:col and no stack trace', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, GOOD.replace('ep: 8', 'ep: 3'));
    for (const command of ['run', 'validate']) {
      let err = '';
      const code = await main([command, file], { out: () => {}, err: (t) => (err += t) });
      expect(code).toBe(2);
      expect(err).toContain(`error: ${file}:6:3: parallel.ep: must divide`);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });

  it('loadScenario() reads a file and resolves the trace relative to the project root', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(file, GOOD);
    const s = await loadScenario(file);
    expect(s.trace?.trace.model.ffnExperts).toBe(32);
  });
});
