// `epsim sweep`: the points of a plan (sweep-plan.ts) run on an executor (worker threads here, or
// a job queue: sweep-queue.ts), then the files: sweep.json with the frontier and the answer to the
// targets, and sweep.csv. The executor changes where points run, never what the files say: points
// are listed by id and each is deterministic.
import { cpus } from 'node:os';
import type { Phase } from '../core/index.ts';
import { SWEEP_FORMAT_VERSION, type SweepFile, type SweepPoint } from '../output/index.ts';
import { answerTargets, frontierX, paretoFrontier } from './sweep-frontier.ts';
import type { PlannedPoint, SweepPlan } from './sweep-plan.ts';
import type { PointOutcome, PointTask } from './sweep-point.ts';
import { runOnWorkers } from './worker-pool.ts';

const WORKER_MODULE = new URL('./sweep-worker.ts', import.meta.url);

/** What a sweep worker thread sends back for a point. */
export type SweepMessage = { kind: 'point'; outcome: PointOutcome } | { kind: 'done' };

/** Runs tasks somewhere and reports each outcome as it arrives (each task exactly once). */
export type SweepExecutor = (tasks: PointTask[], onOutcome: (o: PointOutcome) => void) => Promise<void>;

/** The default executor: worker threads on this machine. */
export function threadExecutor(threads = cpus().length): SweepExecutor {
  return (tasks, onOutcome) =>
    runOnWorkers<PointTask, SweepMessage>(WORKER_MODULE, tasks, threads, (m) => {
      if (m.kind === 'point') onOutcome(m.outcome);
    });
}

/** The points that can run, as tasks, the costliest first (so no thread finishes the biggest alone). */
export function pointTasks(plan: SweepPlan): PointTask[] {
  return plan.points
    .filter((p) => p.text !== undefined)
    .sort((a, b) => b.cost - a.cost || a.id - b.id)
    .map((p) => ({ id: p.id, file: plan.file, text: p.text!, schedule: p.schedule, ...(p.files ? { files: p.files } : {}) }));
}

export interface SweepProgress {
  point: SweepPoint;
  done: number;
  total: number;
}

/** Runs every runnable point of the plan; returns all points (the ones that cannot run too) by id. */
export async function runSweep(plan: SweepPlan, options: { executor?: SweepExecutor; onPoint?: (p: SweepProgress) => void } = {}): Promise<SweepPoint[]> {
  const executor = options.executor ?? threadExecutor();
  const outcomes = new Map<number, PointOutcome>();
  const byId = new Map(plan.points.map((p) => [p.id, p]));
  const total = plan.points.length;
  let done = 0;
  // Points that cannot run are done from the start.
  for (const p of plan.points) if (p.text === undefined) options.onPoint?.({ point: sweepPoint(p), done: ++done, total });
  await executor(pointTasks(plan), (o) => {
    if (outcomes.has(o.id) || !byId.has(o.id)) return; // a point retried after a lost worker reports twice; keep the first
    outcomes.set(o.id, o);
    options.onPoint?.({ point: sweepPoint(byId.get(o.id)!, o), done: ++done, total });
  });
  const missing = plan.points.filter((p) => p.text !== undefined && !outcomes.has(p.id));
  if (missing.length > 0) throw new Error(`the executor finished without ${missing.length} point(s) (ids ${missing.slice(0, 5).map((p) => p.id).join(', ')}...)`);
  return plan.points.map((p) => sweepPoint(p, outcomes.get(p.id)));
}

/** A planned point with its outcome, as sweep.json lists it. */
export function sweepPoint(p: PlannedPoint, o?: PointOutcome): SweepPoint {
  const point: SweepPoint = { id: p.id, values: p.values, ep: p.ep, ...(p.batch === undefined ? {} : { batch: p.batch }), schedule: p.schedule };
  if (p.replicaGpus !== undefined) point.replicaGpus = p.replicaGpus;
  const error = p.error ?? o?.error;
  if (error !== undefined) point.error = error;
  else if (o?.metrics) point.metrics = o.metrics;
  return point;
}

export function toSweepFile(plan: Pick<SweepPlan, 'name' | 'phase' | 'model' | 'topology' | 'axes' | 'targets'>, points: SweepPoint[]): SweepFile {
  const { answer, note } = answerTargets(points, plan.phase, plan.targets);
  const recommendation = recommend(points, plan.phase, plan.targets.tpotMs);
  // Both notes say why nothing qualifies, from the same points and targets: the answer's wording,
  // which names every target, replaces version 1's instead of repeating it.
  if (note) recommendation.note = note;
  const targets = Object.keys(plan.targets).length > 0 ? { targets: plan.targets } : {};
  return {
    formatVersion: SWEEP_FORMAT_VERSION,
    scenario: plan.name,
    phase: plan.phase,
    model: plan.model,
    topology: plan.topology,
    axes: plan.axes.map((a) => ({ path: a.path, values: a.values })),
    points,
    frontier: { x: frontierX(plan.phase), y: 'tokensPerSecPerGpu', ids: paretoFrontier(points, plan.phase) },
    ...targets,
    ...(answer ? { answer } : {}),
    recommendation,
  };
}

/** sweep.json and sweep.csv, as the CLI and the dashboard write them. */
export function sweepFiles(file: SweepFile): Record<string, string> {
  return { 'sweep.json': `${JSON.stringify(file, null, 2)}\n`, 'sweep.csv': toSweepCsv(file) };
}

/** Version 1's picks: the lowest TPOT, the most tokens/s per GPU under the TPOT target, the shortest step. */
export function recommend(points: SweepPoint[], phase: Phase | string, tpotTargetMs?: number): SweepFile['recommendation'] {
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

const METRIC_FIELDS = ['stepTimeUs', 'tpotMs', 'tokensPerSecPerUser', 'tokensPerSecPerGpu', 'exposedCommFraction', 'computeUtilization', 'memoryGiBPerGpu', 'fitsInMemory', 'costUsdPerMillionTokens', 'mfu', 'dispatchUs', 'combineUs', 'dispatchGBps', 'combineGBps'] as const;

/** One row per point: id, every axis but schedules (by key path), schedule, ep, error, on the frontier, then the metrics. */
export function toSweepCsv(file: Pick<SweepFile, 'axes' | 'points' | 'frontier'>): string {
  const axes = file.axes.map((a) => a.path).filter((p) => p !== 'schedules');
  const onFrontier = new Set(file.frontier.ids);
  const cell = (v: unknown) => {
    if (v === undefined || v === null) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = ['id', ...axes, 'schedule', 'ep', 'error', 'frontier', ...METRIC_FIELDS];
  const rows = file.points.map((p) => {
    const m = (p.metrics ?? {}) as unknown as Record<string, unknown>;
    return [p.id, ...axes.map((a) => p.values[a]), p.schedule, p.ep, p.error, onFrontier.has(p.id) ? 'yes' : '', ...METRIC_FIELDS.map((f) => m[f])].map(cell).join(',');
  });
  return [header.join(','), ...rows].join('\n') + '\n';
}

