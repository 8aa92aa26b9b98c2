// `epsim sweep`: EP group sizes (and optionally batch sizes) x schedules, each point a task on a
// pool of worker threads (worker-pool.ts), then a recommendation. The pure parts (tasks,
// recommendation, CSV) are exported for tests.
import { cpus } from 'node:os';
import { SWEEP_FORMAT_VERSION, type SweepFile, type SweepPoint } from '../output/index.ts';
import type { ResolvedScenario } from './load.ts';
import { runOnWorkers } from './worker-pool.ts';

const WORKER_MODULE = new URL('./sweep-worker.ts', import.meta.url);

export interface SweepJob {
  file: string;
  ep: number;
  batch?: number;
  schedules: string[];
}

/** What a worker sends back for one schedule of a job. */
export type SweepMessage = { kind: 'point'; point: SweepPoint } | { kind: 'done' };

export function sweepJobs(s: ResolvedScenario, eps: number[], batches?: number[]): SweepJob[] {
  const jobs: SweepJob[] = [];
  for (const ep of eps) for (const batch of batches ?? [undefined]) jobs.push({ file: s.file, ep, ...(batch === undefined ? {} : { batch }), schedules: [...s.schedules] });
  return jobs;
}

/**
 * Runs the jobs on a pool of worker threads; calls onPoint as each schedule finishes. Each
 * schedule of a job is its own task, largest EP group first (the most flows, so the longest), so
 * the threads stay busy to the end instead of one finishing the biggest EP size alone.
 */
export async function runSweep(jobs: SweepJob[], onPoint: (p: SweepPoint) => void, threads = cpus().length): Promise<SweepPoint[]> {
  const points: SweepPoint[] = [];
  await runOnWorkers<SweepJob, SweepMessage>(WORKER_MODULE, sweepTasks(jobs), threads, (m) => {
    if (m.kind !== 'point') return;
    points.push(m.point);
    onPoint(m.point);
  });
  // Workers finish in any order; the file lists points in job order.
  const order = (p: SweepPoint) => jobs.findIndex((j) => j.ep === p.ep && j.batch === p.batch) * 100 + jobs[0]!.schedules.indexOf(p.schedule);
  return points.sort((a, b) => order(a) - order(b));
}

/** One task per (job, schedule), by EP size descending; ties keep the jobs' order. */
export function sweepTasks(jobs: SweepJob[]): SweepJob[] {
  const tasks = jobs.flatMap((job) => job.schedules.map((schedule) => ({ ...job, schedules: [schedule] })));
  return tasks.sort((a, b) => b.ep - a.ep);
}

export function recommend(points: SweepPoint[], phase: string, tpotTargetMs?: number): SweepFile['recommendation'] {
  const ok = points.filter((p) => p.metrics && !p.error);
  const fitting = ok.filter((p) => p.metrics!.fitsInMemory);
  const rec: SweepFile['recommendation'] = {};
  if (fitting.length === 0) {
    rec.note = ok.length === 0 ? 'no point could run' : 'no point fits in GPU memory';
    return rec;
  }
  if (phase === 'decode') {
    // TPOT is rounded to the µs in metrics; the step time (same tokens per step) breaks its ties.
    const best = minBy(fitting, (p) => [p.metrics!.tpotMs!, p.metrics!.stepTimeUs]);
    rec.lowestTpot = { ...where(best), tpotMs: best.metrics!.tpotMs!, reason: 'lowest TPOT among the points that fit in memory' };
    if (tpotTargetMs !== undefined) {
      const under = fitting.filter((p) => p.metrics!.tpotMs! <= tpotTargetMs);
      if (under.length > 0) {
        const top = minBy(under, (p) => [-p.metrics!.tokensPerSecPerGpu]);
        rec.bestThroughputUnderTarget = {
          ...where(top),
          tokensPerSecPerGpu: top.metrics!.tokensPerSecPerGpu,
          tpotTargetMs,
          reason: `highest tokens/s per GPU with TPOT <= ${tpotTargetMs} ms`,
        };
      } else rec.note = `no fitting point reaches TPOT <= ${tpotTargetMs} ms`;
    }
  } else {
    const best = minBy(fitting, (p) => [p.metrics!.stepTimeUs]);
    rec.fastest = { ...where(best), stepTimeUs: best.metrics!.stepTimeUs, reason: 'shortest step among the points that fit in memory' };
  }
  return rec;
}

/** A point's coordinates: EP size, schedule, and the batch size when the sweep varies it. */
function where(p: SweepPoint): { ep: number; batch?: number; schedule: string } {
  return { ep: p.ep, ...(p.batch === undefined ? {} : { batch: p.batch }), schedule: p.schedule };
}

/** The first item with the smallest key, keys compared element by element. */
function minBy<T>(items: T[], key: (t: T) => number[]): T {
  const less = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
    return false;
  };
  return items.reduce((best, x) => (less(key(x), key(best)) ? x : best));
}

export function toSweepFile(scenario: string, points: SweepPoint[], recommendation: SweepFile['recommendation']): SweepFile {
  return { formatVersion: SWEEP_FORMAT_VERSION, scenario, points, recommendation };
}

const CSV_FIELDS = ['ep', 'batch', 'schedule', 'error', 'stepTimeUs', 'tpotMs', 'tokensPerSecPerUser', 'tokensPerSecPerGpu', 'exposedCommFraction', 'computeUtilization', 'memoryGiBPerGpu', 'fitsInMemory', 'costUsdPerMillionTokens', 'mfu', 'dispatchUs', 'combineUs', 'dispatchGBps', 'combineGBps'] as const;

export function toSweepCsv(points: SweepPoint[]): string {
  const cell = (v: unknown) => {
    if (v === undefined || v === null) return '';
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = points.map((p) => {
    const m = (p.metrics ?? {}) as unknown as Record<string, unknown>;
    return CSV_FIELDS.map((f) => cell(f === 'ep' || f === 'batch' || f === 'schedule' || f === 'error' ? p[f] : m[f])).join(',');
  });
  return [CSV_FIELDS.join(','), ...rows].join('\n') + '\n';
}
