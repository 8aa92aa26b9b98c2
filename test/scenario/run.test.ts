import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import type { SweepPoint } from '../../sim/output/formats.ts';
import { resolveScenarioText } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { recommend, sweepTasks, toSweepCsv } from '../../sim/scenario/sweep.ts';
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

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

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

  it('--json prints result.json and --schedule picks schedules', async () => {
    const { code, out } = await cli('run', file, '--out', join(dir, 'j'), '--json', '--schedule', 'serial');
    expect(code).toBe(0);
    expect(JSON.parse(out).schedules.map((s: ScheduleMetrics) => s.name)).toEqual(['serial']);
  });

  it('refuses an unknown --schedule without a stack trace', async () => {
    const { code, err } = await cli('run', file, '--schedule', 'sbo');
    expect(code).toBe(2);
    expect(err).toBe("error: unknown schedule 'sbo'; schedules: serial, shared-overlap, tbo, scmoe-sbo, scmoe-chunked, a2a\n");
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

describe('epsim sweep', () => {
  it('runs EP sizes x schedules in worker threads and writes sweep.csv and sweep.json', async () => {
    const file = join(dir, 'sweep.yaml');
    writeFileSync(file, SMALL);
    const outDir = join(dir, 'sweep-out');
    const { code, out, err } = await cli('sweep', file, '--out', outDir);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/recommended \(lowest TPOT that fits\): EP (8|16) with (serial|scmoe-sbo)/);
    const sweep = JSON.parse(readFileSync(join(outDir, 'sweep.json'), 'utf8'));
    expect(sweep.points.map((p: SweepPoint) => `${p.ep}/${p.schedule}`)).toEqual(['8/serial', '8/scmoe-sbo', '16/serial', '16/scmoe-sbo']);
    expect(readFileSync(join(outDir, 'sweep.csv'), 'utf8').split('\n')[0]).toMatch(/^ep,batch,schedule,error,stepTimeUs,tpotMs/);
  }, 60_000);

  it('footnotes an emulated schedule once, as epsim run does', async () => {
    const file = join(dir, 'sweep-emulated.yaml');
    writeFileSync(file, SMALL.replace('schedules: [serial, scmoe-sbo]', 'schedules: [shared-overlap]'));
    const { code, out } = await cli('sweep', file, '--out', join(dir, 'sweep-emulated'));
    expect(code).toBe(0);
    expect(out.match(/^ *\d+ +shared-overlap\* /gm)).toHaveLength(2);
    expect(out.match(/^\* shared-overlap is emulated: .*dense FFN 0/gm)).toHaveLength(1);
  }, 60_000);

  it('lists a point that cannot run with its reason', async () => {
    const file = join(dir, 'sweep-bad.yaml');
    writeFileSync(file, SMALL);
    const { code, out } = await cli('sweep', file, '--ep', '3,16', '--out', join(dir, 'sweep-bad'));
    expect(code).toBe(0);
    expect(out).toMatch(/3 .*error: .*parallel\.ep: must divide the number of GPUs \(16 in h800-2node\); got 3/);
  }, 60_000);
});

describe('recommend()', () => {
  const m = (tpotMs: number, tokensPerSecPerGpu: number, fitsInMemory = true, stepTimeUs = tpotMs * 1000) =>
    ({ tpotMs, tokensPerSecPerGpu, fitsInMemory, stepTimeUs }) as ScheduleMetrics;
  const points: SweepPoint[] = [
    { ep: 16, schedule: 'serial', metrics: m(8, 900, false) }, // fastest, but does not fit
    { ep: 32, schedule: 'tbo', metrics: m(12, 1500) },
    { ep: 32, schedule: 'scmoe-sbo', metrics: m(9, 1100) },
    { ep: 64, schedule: 'scmoe-sbo', metrics: m(10.5, 1300) },
    { ep: 64, schedule: 'serial', error: 'refused' },
  ];
  it('picks the lowest TPOT that fits, and the best throughput under the TPOT target', () => {
    const r = recommend(points, 'decode', 11);
    expect(r.lowestTpot).toMatchObject({ ep: 32, schedule: 'scmoe-sbo', tpotMs: 9 });
    expect(r.bestThroughputUnderTarget).toMatchObject({ ep: 64, schedule: 'scmoe-sbo', tokensPerSecPerGpu: 1300 });
  });
  it('breaks a tie in (rounded) TPOT by the step time', () => {
    const tied: SweepPoint[] = [
      { ep: 8, schedule: 'serial', metrics: m(0.047, 900, true, 47.41) },
      { ep: 8, schedule: 'scmoe-sbo', metrics: m(0.047, 910, true, 46.9) },
    ];
    expect(recommend(tied, 'decode').lowestTpot).toMatchObject({ schedule: 'scmoe-sbo' });
  });
  it('says so when nothing meets the target or fits', () => {
    expect(recommend(points, 'decode', 5).note).toBe('no fitting point reaches TPOT <= 5 ms');
    expect(recommend([points[0]!], 'decode').note).toBe('no point fits in GPU memory');
  });
  it('picks the shortest step for prefill and training', () => {
    expect(recommend(points, 'prefill').fastest).toMatchObject({ ep: 32, schedule: 'scmoe-sbo' });
  });
  it('names the batch size of the recommended point when the sweep varies it, and only then', () => {
    const batched: SweepPoint[] = [
      { ep: 32, batch: 8, schedule: 'scmoe-sbo', metrics: m(9, 1100) },
      { ep: 32, batch: 16, schedule: 'scmoe-sbo', metrics: m(10, 1900) },
      { ep: 32, batch: 32, schedule: 'scmoe-sbo', metrics: m(14, 2600) },
    ];
    const r = recommend(batched, 'decode', 12);
    expect(r.lowestTpot).toEqual({ ep: 32, batch: 8, schedule: 'scmoe-sbo', tpotMs: 9, reason: 'lowest TPOT among the points that fit in memory' });
    expect(r.bestThroughputUnderTarget).toMatchObject({ ep: 32, batch: 16, tokensPerSecPerGpu: 1900 });
    expect(recommend(points, 'decode').lowestTpot).not.toHaveProperty('batch');
  });
  it('splits a sweep into one task per schedule, largest EP size first', () => {
    const jobs = [8, 32, 16].map((ep) => ({ file: 'x.yaml', ep, schedules: ['serial', 'tbo'] }));
    expect(sweepTasks(jobs).map((t) => `${t.ep} ${t.schedules.join()}`)).toEqual(['32 serial', '32 tbo', '16 serial', '16 tbo', '8 serial', '8 tbo']);
  });
  it('writes one CSV row per point, errors included', () => {
    const csv = toSweepCsv(points).trim().split('\n');
    expect(csv).toHaveLength(6);
    expect(csv[5]).toBe('64,,serial,refused,,,,,,,,,,,,,,');
  });
});
