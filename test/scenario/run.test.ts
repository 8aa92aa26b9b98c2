import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { resolveScenarioText } from '../../sim/scenario/load.ts';
import { runFiles, runScenario, runScenarioAdaptively, type RunOutput } from '../../sim/scenario/run.ts';
import { toyTopology } from '../helpers/toy-topology.ts';
import type { ScheduleMetrics } from '../../sim/core/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'epsim-run-'));
const SMALL = `name: small
model: traced
trace: traces/tiny.trace
topology: h800-2node
parallel: { ep: 16 }
workload: { phase: decode, sequencesPerGpu: 4, contextTokens: 256 }
schedules: [serial, scmoe-sbo]
sweep: { ep: [8, 16] }
`;

describe('epsim run', () => {
  const file = join(dir, 'small.yaml');
  writeFileSync(file, SMALL);

  it('prints the table and writes result.json, timeline.json and a valid Chrome trace', async () => {
    const outDir = join(dir, 'out');
    const { code, out } = await cli('run', file, '--out', outDir);
    expect(code).toBe(0);
    expect(out).toMatch(/schedule\s+step\s+TPOT ms/);
    expect(out).toMatch(/^scmoe-sbo /m);
    const result = JSON.parse(readFileSync(join(outDir, 'result.json'), 'utf8'));
    // The header says which network model and all-to-all ran, as result.json records them.
    const { networkModel, allToAll } = result.scenario.resolved;
    expect(out.split('\n')[0]).toContain(`; network: ${networkModel} model, ${allToAll} all-to-all`);
    expect(networkModel).toBe('fluid');
    expect(result.schedules.map((s: ScheduleMetrics) => s.name)).toEqual(['serial', 'scmoe-sbo']);
    expect(result.trace.kind).toBe('trace');
    const timeline = JSON.parse(readFileSync(join(outDir, 'timeline.json'), 'utf8'));
    const spans = timeline.schedules.map((s: { spans: { gpu: number[] } }) => s.spans.gpu.length);
    const chrome = JSON.parse(readFileSync(join(outDir, 'trace.chrome.json'), 'utf8'));
    const complete = chrome.traceEvents.filter((e: { ph: string }) => e.ph === 'X');
    expect(complete.length).toBe(spans.reduce((a: number, b: number) => a + b, 0));
    for (const e of complete.slice(0, 50)) {
      expect(e).toMatchObject({ ph: 'X', name: expect.any(String), cat: expect.any(String), ts: expect.any(Number), dur: expect.any(Number), pid: expect.any(Number), tid: expect.any(Number) });
      expect(e.dur).toBeGreaterThanOrEqual(0);
    }
    expect(chrome.traceEvents.some((e: { ph: string; name: string }) => e.ph === 'M' && e.name === 'process_name')).toBe(true);
  });

  it('--trace-gpus puts only those GPUs in trace.chrome.json and says so; a GPU outside the cluster is refused before simulating', async () => {
    const outDir = join(dir, 'trace-some');
    const { code, out } = await cli('run', file, '--out', outDir, '--trace-gpus', '0-1,5');
    expect(code).toBe(0);
    const total: number = JSON.parse(readFileSync(join(outDir, 'timeline.json'), 'utf8')).topology.gpus;
    expect(total).toBeGreaterThan(5);
    expect(out).toContain(`trace.chrome.json (GPUs 0-1, 5 of ${total}; --trace-gpus all for every GPU)`);
    const trace = JSON.parse(readFileSync(join(outDir, 'trace.chrome.json'), 'utf8'));
    expect([...new Set(trace.traceEvents.map((e: { pid: number }) => e.pid % 100000))].sort()).toEqual([0, 1, 5]);
    expect(trace.otherData.gpus).toBe(`0-1, 5 of ${total}`);
    // The timeline for the dashboard keeps every GPU.
    const timeline = JSON.parse(readFileSync(join(outDir, 'timeline.json'), 'utf8'));
    expect(new Set(timeline.schedules[0].spans.gpu).size).toBe(total);
    expect(timeline.traceGpus).toEqual([0, 1, 5]);
    const all = await cli('run', file, '--out', join(dir, 'trace-all'), '--trace-gpus', 'all');
    expect(all.out).toMatch(/trace\.chrome\.json[, ]/);
    expect(all.out).not.toContain('--trace-gpus all for every GPU');
    expect(JSON.parse(readFileSync(join(dir, 'trace-all', 'timeline.json'), 'utf8')).traceGpus).toBeUndefined();
    const bad = await cli('run', file, '--out', join(dir, 'trace-bad'), '--trace-gpus', `0,${total}`);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`error: --trace-gpus: GPU ${total} is outside this cluster's 0-${total - 1}\n`);
    expect(bad.out).toBe('');
  });

  it('above 256 GPUs traces the first node and the stragglers by default, every GPU when asked for all, the ones named when named', () => {
    // A 320-GPU cluster (40 toy nodes of 8) with one span on each of GPUs 0, 9 and 300; GPU 300 is the straggler.
    const topology = toyTopology({ nodes: 40 });
    const span = (gpu: number) => ({ op: gpu, gpu, stream: 'compute', kind: 'attention', name: 'L0.attn', startNs: 0, endNs: 1000, flops: 0, bytes: 0 });
    const timeline = { spans: [0, 9, 300].map(span), makespanNs: 1000, bytesSent: new Float64Array(0), bytesReceived: new Float64Array(0), linkBytes: new Float64Array(0), stats: { events: 0, ops: 0, rateSolves: 0, flowsStarted: 0 } };
    const out = {
      result: { stragglers: [{ schedule: 'serial', slowest: [{ gpu: 300 }] }] },
      timeline: { formatVersion: 1 },
      chrome: ['big', topology, [{ name: 'serial', timeline }]],
      wallMs: {},
    } as unknown as RunOutput;
    const traced = (asked?: 'all' | number[]) => {
      const files = runFiles(out, asked);
      const trace = JSON.parse([...(files['trace.chrome.json'] as Iterable<string>)].join(''));
      const gpus = [...new Set(trace.traceEvents.map((e: { pid: number }) => e.pid % 100000))].sort((a, b) => (a as number) - (b as number));
      return { gpus, otherData: trace.otherData.gpus, timeline: JSON.parse(files['timeline.json'] as string).traceGpus };
    };
    expect(traced()).toEqual({ gpus: [0, 300], otherData: '0-7, 300 of 320', timeline: [0, 1, 2, 3, 4, 5, 6, 7, 300] });
    expect(traced('all')).toEqual({ gpus: [0, 9, 300], otherData: undefined, timeline: undefined });
    expect(traced([9])).toEqual({ gpus: [9], otherData: '9 of 320', timeline: [9] });
  });

  it('writes byte-identical result.json for the same seed', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await cli('run', file, '--out', a);
    await cli('run', file, '--out', b);
    expect(readFileSync(join(a, 'result.json'), 'utf8')).toBe(readFileSync(join(b, 'result.json'), 'utf8'));
    expect(readFileSync(join(a, 'timeline.json'), 'utf8')).toBe(readFileSync(join(b, 'timeline.json'), 'utf8'));
  });

  it('writes the same files with the schedules on worker threads (--threads 2)', async () => {
    const one = join(dir, 'threads-1');
    const two = join(dir, 'threads-2');
    expect((await cli('run', file, '--out', one, '--threads', '1')).code).toBe(0);
    const parallel = await cli('run', file, '--out', two, '--threads', '2');
    expect(parallel.code).toBe(0);
    expect(parallel.out).toMatch(/\(2 worker threads\)/);
    for (const name of ['result.json', 'timeline.json', 'trace.chrome.json']) {
      expect(readFileSync(join(two, name), 'utf8')).toBe(readFileSync(join(one, name), 'utf8'));
    }
    expect((await cli('run', file, '--threads', '0')).err).toBe('error: --threads: expected a positive integer, got "0"\n');
  }, 60_000);

  const texts = (out: ReturnType<typeof runScenario>) => Object.entries(runFiles(out)).map(([name, text]) => [name, typeof text === 'string' ? text : [...text].join('')]);

  it('by default moves the schedules left to workers once one takes long enough, with the same files', async () => {
    const text = SMALL.replace('schedules: [serial, scmoe-sbo]', 'schedules: [serial, shared-overlap, scmoe-sbo]');
    const scenario = await resolveScenarioText(text, file);
    const source = { file, text, overrides: {} };
    const switched: [number, number, string][] = [];
    const progress: string[] = [];
    const stages: string[] = [];
    // Any schedule "pays off": the two after the first go to workers.
    const mixed = await runScenarioAdaptively(scenario, source, 2, {
      payOffMs: 0,
      onWorkers: (threads, left, why) => switched.push([threads, left, why]),
      onProgress: (p) => {
        if (p.step) stages.push(`${p.schedule} ${p.step.stage}`);
        if (p.wallMs !== undefined) progress.push(`${p.schedule} ${p.done}/${p.total}`);
      },
    });
    // Every schedule said it was building, then simulating, wherever it ran (workers post it).
    for (const name of ['serial', 'shared-overlap', 'scmoe-sbo']) expect(stages.filter((s) => s.startsWith(`${name} `))).toEqual([`${name} build`, `${name} simulate`]);
    expect(switched).toEqual([[2, 2, 'step']]);
    expect(progress[0]).toBe('serial 1/3');
    expect(progress.slice(1).map((p) => p.split(' ')[0]).sort()).toEqual(['scmoe-sbo', 'shared-overlap']);
    expect(progress.map((p) => p.split(' ')[1])).toEqual(['1/3', '2/3', '3/3']);
    // None does: all in this thread, like runScenario; one left is never worth a worker.
    const here = await runScenarioAdaptively(scenario, source, 2, { payOffMs: Infinity, onWorkers: () => switched.push([0, 0, '']) });
    await runScenarioAdaptively({ ...scenario, schedules: ['serial', 'scmoe-sbo'] }, source, 2, { payOffMs: 0, onWorkers: () => switched.push([1, 1, '']) });
    expect(switched).toEqual([[2, 2, 'step']]);
    // Any graph "builds slowly": the rest start on workers while the first one is simulated here,
    // even a single schedule left (this thread is busy meanwhile).
    const early = await runScenarioAdaptively(scenario, source, 2, { buildPayOffMs: 0, payOffMs: Infinity, onWorkers: (t, l, why) => switched.push([t, l, why]) });
    const earlyPair = await runScenarioAdaptively({ ...scenario, schedules: ['serial', 'scmoe-sbo'] }, source, 2, { buildPayOffMs: 0, onWorkers: (t, l, why) => switched.push([t, l, why]) });
    expect(switched).toEqual([[2, 2, 'step'], [2, 2, 'build'], [1, 1, 'build']]);
    expect(texts(earlyPair)).toEqual(texts(runScenario({ ...scenario, schedules: ['serial', 'scmoe-sbo'] })));
    const alone = runScenario(scenario);
    for (const out of [mixed, here, early]) expect(texts(out)).toEqual(texts(alone));
  }, 60_000);

  it('--json prints result.json and --schedule picks schedules', async () => {
    const { code, out } = await cli('run', file, '--out', join(dir, 'j'), '--json', '--schedule', 'serial');
    expect(code).toBe(0);
    expect(JSON.parse(out).schedules.map((s: ScheduleMetrics) => s.name)).toEqual(['serial']);
  });

  it('refuses an unknown --schedule without a stack trace, with a did-you-mean', async () => {
    const { code, err } = await cli('run', file, '--schedule', 'sbo');
    expect(code).toBe(2);
    expect(err).toBe(`error: --schedule: unknown schedule 'sbo' (did you mean "scmoe-sbo"?); schedules: serial, shared-overlap, tbo, scmoe-sbo, scmoe-chunked, a2a\n`);
  });

  it('reports a --schedule that does not apply against the flag, not the file line it replaced', async () => {
    const { code, err } = await cli('run', file, '--schedule', 'serial,scmoe-chunked');
    expect(code).toBe(2);
    expect(err).toBe("error: --schedule: schedule 'scmoe-chunked' does not apply to the decode phase; schedules for decode: serial, shared-overlap, tbo, scmoe-sbo\n");
  });

  it('--schedule takes names space- or comma-separated, in the order given', async () => {
    const { code, out } = await cli('run', file, '--out', join(dir, 'c'), '--json', '--schedule', 'scmoe-sbo,serial');
    expect(code).toBe(0);
    expect(JSON.parse(out).schedules.map((s: ScheduleMetrics) => s.name)).toEqual(['scmoe-sbo', 'serial']);
  });

  it('says why a scenario file cannot be read', async () => {
    expect((await cli('run', join(dir, 'nope.yaml'))).err).toBe(`error: ${join(dir, 'nope.yaml')}: cannot read scenario file "${join(dir, 'nope.yaml')}" (no such file)\n`);
    const folder = await cli('run', dir);
    expect(folder.code).toBe(2);
    expect(folder.err).toMatch(/cannot read scenario file .*: it is a folder, not a regular file\n$/);
  });

  it('runScenario() reports progress per schedule', async () => {
    const s = await resolveScenarioText(SMALL, 'small.yaml');
    const seen: string[] = [];
    runScenario(s, { onProgress: (p) => p.wallMs !== undefined && seen.push(`${p.schedule} ${p.done}/${p.total}`) });
    expect(seen).toEqual(['serial 1/2', 'scmoe-sbo 2/2']);
  });
});
