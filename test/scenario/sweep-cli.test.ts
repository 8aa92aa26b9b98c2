// `epsim sweep` end to end on a small scenario (16 GPUs, the tiny model's trace): the files, the
// report, bad values, the size limit; and version 1's recommendation, which sweep.json keeps.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import type { ScheduleMetrics } from '../../sim/core/types.ts';
import type { SweepFile, SweepPoint } from '../../sim/output/formats.ts';
import { planSweep } from '../../sim/scenario/sweep-plan.ts';
import { pointTasks, recommend, toSweepCsv } from '../../sim/scenario/sweep.ts';

const dir = mkdtempSync(join(tmpdir(), 'epsim-sweep-'));
const SMALL = `name: small
model: traced
trace: traces/tiny.trace
topology: h800-2node
parallel: { ep: 16 }
workload: { phase: decode, sequencesPerGpu: 4, contextTokens: 256 }
schedules: [serial, scmoe-sbo]
sweep:
  parallel.ep: [8, 16]
  workload.sequencesPerGpu: [4, 16]
  targets: { tpotMs: 0.12, totalTokensPerSec: 10000000 }
`;

describe('epsim sweep', () => {
  const file = join(dir, 'small.yaml');
  writeFileSync(file, SMALL);

  it('runs the product on worker threads, prints the frontier and the answer, writes sweep.json v2 and sweep.csv', async () => {
    const outDir = join(dir, 'out');
    const { code, out, err } = await cli('sweep', file, '--out', outDir);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^small: 8 points \(parallel\.ep 2 x workload\.sequencesPerGpu 2 x schedules 2\), on \d+ worker threads?$/m);
    const sweep = JSON.parse(readFileSync(join(outDir, 'sweep.json'), 'utf8')) as SweepFile;
    expect(sweep).toMatchObject({ formatVersion: 2, scenario: 'small', phase: 'decode', model: 'traced:tiny', topology: 'h800-2node' });
    expect(sweep.axes).toEqual([
      { path: 'parallel.ep', values: [8, 16] },
      { path: 'workload.sequencesPerGpu', values: [4, 16] },
      { path: 'schedules', values: ['serial', 'scmoe-sbo'] },
    ]);
    expect(sweep.points.map((p) => `${p.id} ${p.ep}/${p.batch}/${p.schedule}`)).toEqual(['0 8/4/serial', '1 8/4/scmoe-sbo', '2 8/16/serial', '3 8/16/scmoe-sbo', '4 16/4/serial', '5 16/4/scmoe-sbo', '6 16/16/serial', '7 16/16/scmoe-sbo']);
    expect(sweep.points.every((p) => p.metrics?.fitsInMemory)).toBe(true);
    expect(sweep.frontier.x).toBe('tokensPerSecPerUser');
    expect(sweep.frontier.ids.length).toBeGreaterThan(0);
    // The answer is the frontier point with the most tokens/s per GPU under the TPOT target.
    const under = sweep.points.filter((p) => p.metrics!.tpotMs! <= 0.12);
    const best = Math.max(...under.map((p) => p.metrics!.tokensPerSecPerGpu));
    const answer = sweep.points[sweep.answer!.id]!;
    expect(answer.metrics!.tokensPerSecPerGpu).toBe(best);
    expect(sweep.frontier.ids).toContain(answer.id);
    expect(sweep.answer).toMatchObject({ replicaGpus: answer.ep, replicas: Math.ceil(1e7 / (best * answer.ep)), gpusNeeded: Math.ceil(1e7 / (best * answer.ep)) * answer.ep });
    expect(out).toMatch(/^frontier: tokens\/s per GPU against tokens\/s per user, \d+ of the 8 points that fit in memory$/m);
    expect(out).toContain(`answer (most tokens/s per GPU with TPOT <= 0.12 ms among the 8 points that fit in memory):\n  point ${answer.id}: EP ${answer.ep}, sequencesPerGpu ${answer.batch}, ${answer.schedule}:`);
    expect(out).toMatch(/10,000,000 tokens\/s needs [\d,]+ GPUs: \d+ replicas of this layout \(one EP group of (8|16) GPUs, [\d,]+ tokens\/s each\), rounded up to whole replicas/);
    const csv = readFileSync(join(outDir, 'sweep.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('id,parallel.ep,workload.sequencesPerGpu,schedule,ep,error,frontier,stepTimeUs,tpotMs,tokensPerSecPerUser,tokensPerSecPerGpu,exposedCommFraction,computeUtilization,memoryGiBPerGpu,fitsInMemory,costUsdPerMillionTokens,mfu,dispatchUs,combineUs,dispatchGBps,combineGBps');
    expect(csv).toHaveLength(10);
  }, 90_000);

  it("prints DeepEP's published normal-kernel figure beside each a2a point at an EP it publishes", async () => {
    const { code, out } = await cli('sweep', 'scenarios/a2a-deepep-ep64.yaml', '--ep', '4,8,16', '--out', join(dir, 'a2a'));
    expect(code).toBe(0);
    const lines = out.slice(out.indexOf('bandwidth as DeepEP counts it:')).split('\n');
    const line = (ep: number) => lines.find((l) => l.startsWith(`  EP ${ep}, a2a: dispatch `))!;
    expect(line(8)).toMatch(/ GB\/s; DeepEP 153 \/ 158 GB\/s \(NVLink\)$/);
    expect(line(16)).toMatch(/ GB\/s; DeepEP 43 \/ 43 GB\/s \(RDMA\)$/);
    expect(line(4)).toMatch(/combine [\d.]+ µs at [\d.]+ GB\/s$/); // DeepEP publishes no EP 4 figure
    expect(lines.some((l) => l.startsWith('  DeepEP: dispatch / combine bottleneck bandwidth, DeepEP normal kernels on H800'))).toBe(true);
    // A kernel benchmark has no serving answer: no frontier, no "most tokens/s per GPU".
    expect(out).not.toMatch(/frontier|answer/);
  }, 60_000);

  it('the files do not depend on the number of threads', async () => {
    const one = join(dir, 'one');
    const two = join(dir, 'two');
    expect((await cli('sweep', file, '--threads', '1', '--out', one)).code).toBe(0);
    expect((await cli('sweep', file, '--threads', '2', '--out', two)).code).toBe(0);
    for (const name of ['sweep.json', 'sweep.csv']) expect(readFileSync(join(one, name), 'utf8')).toBe(readFileSync(join(two, name), 'utf8'));
  }, 120_000);

  it('--ep 3,5,16: each bad value once, with the file name, and nothing written', async () => {
    const { code, err, out } = await cli('sweep', file, '--ep', '3,5,16', '--out', join(dir, 'bad'));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toEqual([
      `error: ${file}:5:13: parallel.ep: --ep 3: must divide the number of GPUs (16 in h800-2node); got 3`,
      `error: ${file}:5:13: parallel.ep: --ep 5: must divide the number of GPUs (16 in h800-2node); got 5`,
    ]);
  });

  it('a combination that cannot run is one narrow row and one footnote', async () => {
    const mixed = join(dir, 'mixed.yaml');
    writeFileSync(mixed, SMALL.replace(/sweep:[^]*$/, 'sweep:\n  parallel.placement: [contiguous, load-aware]\n  parallel.redundantExperts: [0, 16]\n'));
    const { code, out } = await cli('sweep', mixed, '--out', join(dir, 'mixed'));
    expect(code).toBe(0);
    expect(out.match(/cannot run \[1\]/g)).toHaveLength(2);
    expect(out).toContain('[1] 2 points cannot run: parallel.redundantExperts: redundant experts need "placement: load-aware"');
    const widest = Math.max(...out.split('\n').map((l) => l.length));
    expect(widest).toBeLessThan(160);
  }, 90_000);

  it('reads its scenario through the one input reader: /dev/zero is refused by name, not read forever', async () => {
    const { code, err } = await cli('sweep', '/dev/zero');
    expect(code).toBe(2);
    expect(err).toBe('error: /dev/zero: cannot read scenario file "/dev/zero": it is a character device, not a regular file\n');
  });

  it('refuses a sweep above the point limit before running anything', async () => {
    const { code, err } = await cli('sweep', file, '--max-points', '4', '--out', join(dir, 'big'));
    expect(code).toBe(2);
    expect(err).toBe(`error: ${file}: the sweep has 8 points (parallel.ep 2 x workload.sequencesPerGpu 2 x schedules 2), above the limit of 4; --max-points 8 raises it\n`);
  });

  it('a queue URL that is not Redis, or where nothing listens, is a usage error, not a hang', async () => {
    const wrong = await cli('sweep', file, '--queue', 'http://127.0.0.1:6379');
    expect([wrong.code, wrong.err]).toEqual([2, 'error: --queue: expected a redis:// or rediss:// URL, got "http://127.0.0.1:6379"\n']);
    // Port 1 on the loopback: refused at once.
    const closed = await cli('sweep', file, '--queue', 'redis://127.0.0.1:1', '--out', join(dir, 'queue-closed'));
    expect(closed.code).toBe(2);
    expect(closed.err).toMatch(/^error: --queue: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(.*ECONNREFUSED.*\)\n$/);
    const worker = await cli('worker', '--queue', 'redis://127.0.0.1:1');
    expect(worker.code).toBe(2);
    expect(worker.err).toMatch(/cannot reach Redis/);
  });

  it('runs the costliest points first (most GPUs x EP size), ties by id', async () => {
    const plan = await planSweep(SMALL, file);
    expect(pointTasks(plan).map((t) => t.id)).toEqual([4, 5, 6, 7, 0, 1, 2, 3]);
  });
});

describe('recommend() (version 1, kept in sweep.json)', () => {
  const m = (tpotMs: number, tokensPerSecPerGpu: number, fitsInMemory = true, stepTimeUs = tpotMs * 1000) => ({ tpotMs, tokensPerSecPerGpu, fitsInMemory, stepTimeUs }) as ScheduleMetrics;
  let id = 0;
  const pt = (p: Omit<SweepPoint, 'id' | 'values'>): SweepPoint => ({ id: id++, values: {}, ...p });
  const points: SweepPoint[] = [
    pt({ ep: 16, schedule: 'serial', metrics: m(8, 900, false) }), // fastest, but does not fit
    pt({ ep: 32, schedule: 'tbo', metrics: m(12, 1500) }),
    pt({ ep: 32, schedule: 'scmoe-sbo', metrics: m(9, 1100) }),
    pt({ ep: 64, schedule: 'scmoe-sbo', metrics: m(10.5, 1300) }),
    pt({ ep: 64, schedule: 'serial', error: 'refused' }),
  ];
  it('picks the lowest TPOT that fits, and the best throughput under the TPOT target', () => {
    const r = recommend(points, 'decode', 11);
    expect(r.lowestTpot).toMatchObject({ ep: 32, schedule: 'scmoe-sbo', tpotMs: 9 });
    expect(r.bestThroughputUnderTarget).toMatchObject({ ep: 64, schedule: 'scmoe-sbo', tokensPerSecPerGpu: 1300 });
  });
  it('breaks a tie in (rounded) TPOT by the step time', () => {
    const tied = [pt({ ep: 8, schedule: 'serial', metrics: m(0.047, 900, true, 47.41) }), pt({ ep: 8, schedule: 'scmoe-sbo', metrics: m(0.047, 910, true, 46.9) })];
    expect(recommend(tied, 'decode').lowestTpot).toMatchObject({ schedule: 'scmoe-sbo' });
  });
  it('says so when nothing meets the target or fits; the shortest step for prefill', () => {
    expect(recommend(points, 'decode', 5).note).toBe('no fitting point reaches TPOT <= 5 ms');
    expect(recommend([points[0]!], 'decode').note).toBe('no point fits in GPU memory');
    expect(recommend(points, 'prefill').fastest).toMatchObject({ ep: 32, schedule: 'scmoe-sbo' });
  });
  it('writes one CSV row per point, errors included', () => {
    const csv = toSweepCsv({ axes: [{ path: 'parallel.ep', values: [16, 32, 64] }, { path: 'schedules', values: ['serial'] }], points: points.map((p) => ({ ...p, values: { 'parallel.ep': p.ep } })), frontier: { x: 'tokensPerSecPerUser', y: 'tokensPerSecPerGpu', ids: [2] } })
      .trim()
      .split('\n');
    expect(csv).toHaveLength(6);
    expect(csv[3]).toMatch(/^2,32,scmoe-sbo,32,,yes,9000,9,,1100,/);
    expect(csv[5]).toBe('4,64,serial,64,refused,,,,,,,,,,,,,,,');
  });
});
