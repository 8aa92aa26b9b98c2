// Work bounds: every limit refuses at its key with the figure and the limit; the shipped scenarios
// and the 1024-GPU wide-EP decode pass with room; and the step-time ceiling is a true upper bound
// of what the simulator then computes (seeded property test over rates, sizes and schedules).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../sim/core/errors.ts';
import { WORK_LIMITS } from '../../sim/core/limits.ts';
import { loadScenario, resolveScenarioText } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { workFigures } from '../../sim/scenario/work-bounds.ts';
import { scenarioMessages } from '../helpers/scenario-messages.ts';

const dir = mkdtempSync(join(tmpdir(), 'epsim-work-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The lead's wide-EP case: DeepSeek-V3 at EP 256 on 1024 GPUs, 128 sequences per GPU. */
const WIDE_EP = `name: wide-ep-1024
model: deepseek-v3
routing: trace
trace: traces/longcat-shape.trace
traceMapping: fit
topology: h800-1024gpu
parallel:
  ep: 256
  attention: { dp: 1024, tp: 1 }
workload:
  phase: decode
  sequencesPerGpu: 128
  contextTokens: 4096
precision: { weights: fp8, dispatch: fp8, combine: bf16 }
commSms: 24
seed: 1
`;

const messages = (text: string) => scenarioMessages(text, 's.yaml');

describe('work bounds', () => {
  it('pass every shipped scenario and the 1024-GPU wide-EP decode with at least 8x room on each count', async () => {
    const files = readdirSync('scenarios').map((f) => join('scenarios', f));
    const scenarios = [...(await Promise.all(files.map((f) => loadScenario(f)))), await resolveScenarioText(WIDE_EP, 'wide-ep.yaml')];
    for (const s of scenarios) {
      const f = workFigures(s.spec, s.topology, s.model, s.schedules);
      for (const key of ['gpus', 'tokensPerGpu', 'totalTokens', 'collectivePairs', 'gpuLayers', 'routingDecisions'] as const) {
        expect(f[key] * 8, `${s.spec.name} ${key}`).toBeLessThanOrEqual(WORK_LIMITS[key]);
      }
      // The ceiling is a loose upper estimate (a whole training step counts every byte on the
      // slowest link, twice); 100x room under the limit still leaves every shipped step far inside it.
      expect(f.stepCeilingNs * 100, s.spec.name).toBeLessThanOrEqual(WORK_LIMITS.stepNs);
    }
  });

  it.each([
    ['a trillion sequences per GPU', WIDE_EP.replace('sequencesPerGpu: 128', 'sequencesPerGpu: 1000000000000'), ['s.yaml:12:3: workload.sequencesPerGpu: must be an integer between 1 and 131072; got 1000000000000']],
    ['more tokens per GPU than the limit through MTP drafts', WIDE_EP.replace('contextTokens: 4096', 'contextTokens: 4096\n  mtp: { draftTokens: 16, acceptance: 0.5 }').replace('sequencesPerGpu: 128', 'sequencesPerGpu: 8000'), [
      's.yaml:12:3: workload.sequencesPerGpu: 8000 sequences x (1 + 16 draft tokens) = 136,000 tokens per GPU per step; epsim simulates at most 131,072 (README, Limits)',
    ]],
    ['more tokens per step than the limit', WIDE_EP.replace('sequencesPerGpu: 128', 'sequencesPerGpu: 32768'), [
      's.yaml:12:3: workload.sequencesPerGpu: 1,024 GPUs x 32,768 tokens = 33,554,432 tokens per step; epsim simulates at most 16,777,216 (README, Limits)',
    ]],
    ['an absurd prefill on a 0.001 GB/s NIC', `name: slow\nmodel: longcat-flash\nrouting: uniform\ntopology: TOPO\nparallel: { ep: 16 }\nworkload: { phase: prefill, tokensPerGpu: 131072 }\n`, [
      /^s\.yaml:4:1: topology: a step here could last up to \S+ ns of simulated time \(upper estimate; network: \S+ bytes at 0\.001 GB\/s .*\), beyond the 1\.13e15 ns \(13 days\) epsim keeps its integer-ns clock within; use realistic rates or a smaller batch \(README, Limits\)$/,
    ]],
  ] as [string, string, (string | RegExp)[]][])('refuses %s at its key with the figure and the limit', async (_what, text, expected) => {
    const topology = join(dir, 'slow-nic.yaml');
    writeFileSync(topology, (await import('node:fs')).readFileSync('topologies/h800-2node.yaml', 'utf8').replace('achieved: 50', 'achieved: 0.001'));
    const got = await messages(text.replace('TOPO', topology));
    expect(got).toHaveLength(expected.length);
    expected.forEach((e, i) => (typeof e === 'string' ? expect(got[i]).toBe(e) : expect(got[i]).toMatch(e)));
  });

  it('refuses an EP group past the limit given as an override (sweeps and --ep bypass the schema)', async () => {
    let got: string[] = [];
    try {
      await resolveScenarioText(WIDE_EP, 's.yaml', { ep: 2048 });
    } catch (e) {
      got = (e as ConfigError).issues.map(formatIssue);
    }
    expect(got).toContain('s.yaml:8:3: parallel.ep: an EP group of 2,048 GPUs (4,192,256 exchange pairs); epsim simulates at most 1,024 (README, Limits)');
  });

  it('refuses a 61-layer decode on 16,384 GPUs by the size of its op graph, at topology', async () => {
    const topology = join(dir, 'huge.yaml');
    writeFileSync(topology, (await import('node:fs')).readFileSync('topologies/h800-1024gpu.yaml', 'utf8').replace('nodes: 128', 'nodes: 2048'));
    const decode = await messages(WIDE_EP.replace('topology: h800-1024gpu', `topology: ${topology}`).replace('dp: 1024', 'dp: 16384'));
    expect(decode).toEqual(['s.yaml:6:1: topology: 16,384 GPUs x layers x micro-batches = 1,998,848 GPU-layers to simulate; epsim simulates at most 1,048,576 (README, Limits)']);
  });
});

describe('the step-time ceiling', () => {
  // Topology figures drawn across their ranges' realistic-to-absurd part (the engine's event count
  // does not depend on them, so each case stays cheap), scenario sizes small.
  const arbitraryCase = fc.record({
    nvlinkGBps: fc.constantFrom(0.001, 0.5, 160, 100000),
    nicGBps: fc.constantFrom(0.001, 0.05, 50, 100000),
    latencyUs: fc.constantFrom(0, 2.8, 10000),
    launchUs: fc.constantFrom(0, 2.6, 1000),
    tflops: fc.constantFrom(0.001, 1, 660),
    hbmGBps: fc.constantFrom(0.001, 10, 2800),
    sequences: fc.integer({ min: 1, max: 48 }),
    ep: fc.constantFrom(2, 4, 8, 16),
    workload: fc.constantFrom(
      ['decode', 'serial'],
      ['decode', 'tbo'],
      ['decode', 'scmoe-sbo'],
      ['prefill', 'serial'],
      ['prefill', 'shared-overlap'],
      ['train', 'serial'],
      ['train', 'scmoe-chunked'],
      ['a2a', 'a2a'],
    ),
    routing: fc.constantFrom('trace', 'uniform'),
  });
  const workloadYaml = (phase: string, n: number) =>
    ({
      decode: `{ phase: decode, sequencesPerGpu: ${n}, contextTokens: 512 }`,
      prefill: `{ phase: prefill, tokensPerGpu: ${n * 8} }`,
      train: `{ phase: train, tokensPerMicrobatch: ${n * 8}, chunks: 2, pipelineStages: 1 }`,
      a2a: `{ phase: a2a, tokensPerGpu: ${n * 16}, hidden: 256, topk: 4, experts: 32 }`,
    })[phase]!;

  it('bounds the simulated step time from above (seeded)', async () => {
    const base = (await import('node:fs')).readFileSync('topologies/h800-2node.yaml', 'utf8');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(arbitraryCase, async (c) => {
        const topology = join(dir, `t${n++}.yaml`);
        writeFileSync(
          topology,
          base
            .replace(/peak: 200[^\n]*\n(\s+)achieved: 160[^\n]*/, `peak: 100000\n$1achieved: ${c.nvlinkGBps}`)
            .replace(/peak: 50[^\n]*\n(\s+)achieved: 50[^\n]*/, `peak: 100000\n$1achieved: ${c.nicGBps}`)
            .replace(/latencyUs: [\d.]+/g, `latencyUs: ${c.latencyUs}`)
            .replace('launchOverheadUs: 2.6', `launchOverheadUs: ${c.launchUs}`)
            .replace(/achieved: 660/, `achieved: ${c.tflops}`)
            .replace(/achieved: 1280/, `achieved: ${c.tflops}`)
            .replace(/achieved: 2800/, `achieved: ${c.hbmGBps}`),
        );
        // Every figure above must have reached the file (a pattern that missed would test nothing).
        for (const v of [c.nvlinkGBps, c.nicGBps]) expect(readFileSync(topology, 'utf8')).toContain(`achieved: ${v}`);
        const phase = c.workload[0] as string;
        const schedule = c.workload[1] as string;
        const model = phase === 'a2a' ? 'routing: random\n' : `model: traced\nrouting: ${c.routing}\ntrace: traces/tiny.trace\n`;
        const text = `name: p\n${model}topology: ${topology}\nparallel: { ep: ${c.ep} }\nworkload: ${workloadYaml(phase, c.sequences)}\nschedules: [${schedule}]\n`;
        const s = await resolveScenarioText(text, 'p.yaml');
        const ceiling = workFigures(s.spec, s.topology, s.model, s.schedules).stepCeilingNs;
        const stepNs = runScenario(s).result.schedules[0]!.stepTimeUs * 1000;
        expect(stepNs).toBeLessThanOrEqual(ceiling);
      }),
      { seed: 12, numRuns: 32 },
    );
  });
});
