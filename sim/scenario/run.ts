// Runs every schedule of a resolved scenario and assembles what `epsim run` writes (and the
// dashboard serves): result.json, timeline.json and the Chrome trace. Pure apart from the clock
// used for progress; the CLI and the web server both call it.
import { chromeTraceChunks, traceGpus, type FileText } from '../output/index.ts';
import type { ResultFile, TimelineFile } from '../output/index.ts';
import { toResultFile } from '../output/index.ts';
import { toTimelineFile } from '../output/index.ts';
import { simulatedRouting, simulateStep, type SimulatedRouting, type StepProgress } from '../step/index.ts';
import { gpuCount, type Topology } from '../hardware/index.ts';
import { gpuSummary, stragglers } from '../metrics/index.ts';
import type { ScheduleResult } from '../step/index.ts';
import type { Timeline } from '../ops/index.ts';
import type { ResolvedScenario, ScenarioOverrides } from './load.ts';
import type { ScheduleName } from '../core/index.ts';
import { runOnWorkers } from './worker-pool.ts';
import { fromPosted, type PostedResult } from './posted-result.ts';

export interface RunProgress {
  schedule: string;
  /** Schedules finished so far, and in all. */
  done: number;
  total: number;
  /** Wall time of the schedule just finished. */
  wallMs?: number;
  /** Where the running schedule `schedule` is (reported while it runs, before its wallMs). */
  step?: StepProgress;
}

export interface RunOutput {
  result: ResultFile;
  timeline: TimelineFile;
  /** What trace.chrome.json is written from (its text is produced only when the files are): scenario, topology, timelines. */
  chrome: [scenario: string, topology: Topology, schedules: { name: string; timeline: Timeline }[]];
  /** The routing the step simulated, per MoE layer (routing.json; absent for the a2a phase). */
  routing?: SimulatedRouting;
  /** Wall time per schedule (not written into result.json, which must not depend on the machine). */
  wallMs: Record<string, number>;
}

export function runScenario(s: ResolvedScenario, options: { onProgress?: (p: RunProgress) => void } = {}): RunOutput {
  const results = new Map<string, ScheduleResult>();
  const wallMs: Record<string, number> = {};
  for (const name of s.schedules) simulateHere(s, name, results, wallMs, options.onProgress);
  return assembleRun(s, results, wallMs);
}

/** Simulates one schedule in this thread, with progress before and after. */
function simulateHere(s: ResolvedScenario, name: ScheduleName, results: Map<string, ScheduleResult>, wallMs: Record<string, number>, onProgress?: (p: RunProgress) => void): void {
  const total = s.schedules.length;
  onProgress?.({ schedule: name, done: results.size, total });
  const t0 = performance.now();
  const step = onProgress ? { onProgress: (p: StepProgress) => onProgress({ schedule: name, done: results.size, total, step: p }) } : {};
  results.set(name, simulateStep(s.input, name, step));
  wallMs[name] = performance.now() - t0;
  onProgress?.({ schedule: name, done: results.size, total, wallMs: wallMs[name] });
}

/** Where a worker loads the scenario from: the same file (or posted text) and overrides as `s`. */
export interface ScenarioSource {
  file: string;
  text?: string;
  overrides: ScenarioOverrides;
}

export interface ScheduleTask {
  source: ScenarioSource;
  schedule: string;
}

export type ScheduleMessage =
  | { kind: 'result'; name: string; result: PostedResult; wallMs: number }
  | { kind: 'progress'; name: string; step: StepProgress }
  | { kind: 'error'; name: string; message: string }
  | { kind: 'done' };

const SCHEDULE_WORKER = new URL('./schedule-worker.ts', import.meta.url);

/**
 * runScenario with the schedules on up to `threads` worker threads, each loading the scenario
 * from `source`. The output is byte-identical to runScenario's (each schedule is deterministic
 * and the files list schedules in the scenario's order); only progress arrives in finishing order.
 */
export async function runScenarioOnWorkers(
  s: ResolvedScenario,
  source: ScenarioSource,
  threads: number,
  options: { onProgress?: (p: RunProgress) => void } = {},
): Promise<RunOutput> {
  const results = new Map<string, ScheduleResult>();
  const wallMs: Record<string, number> = {};
  await simulateOnWorkers(s, s.schedules, source, threads, results, wallMs, options.onProgress);
  return assembleRun(s, results, wallMs);
}

/**
 * A schedule that took this long in this thread makes worker threads worth it for the ones left:
 * a worker costs about a second to start plus its own routing sample and warm-up (measured on 2
 * cores: LongCat decode on 128 GPUs, ~0.7 s per schedule, ran 5.4 s in one thread and 7.6 s on two
 * workers; the 1,024-GPU wide-EP decode, 12-17 s per schedule, gains from them).
 */
export const WORKERS_PAY_OFF_MS = 5000;

/**
 * A first schedule whose graph (with the routing sample) takes this long to build will take many
 * seconds in all: the rest start on workers at once, while this thread simulates it, so the core
 * it leaves idle works (the 1,024-GPU wide-EP decode builds for ~5 s of its ~11).
 */
export const WORKERS_EARLY_BUILD_MS = 2000;

/**
 * `epsim run`'s default: the schedules one after another in this thread, until one shows that
 * workers pay: its graph took `buildPayOffMs` (default WORKERS_EARLY_BUILD_MS) to build, and the
 * ones left start on up to `threads` workers while this thread simulates it; or it took
 * `payOffMs` (default WORKERS_PAY_OFF_MS) in all, and the two or more left go to workers.
 * `onWorkers` says which. The files are the same wherever a schedule ran.
 */
export async function runScenarioAdaptively(
  s: ResolvedScenario,
  source: ScenarioSource,
  threads: number,
  options: {
    onProgress?: (p: RunProgress) => void;
    onWorkers?: (threads: number, schedules: number, why: 'build' | 'step') => void;
    payOffMs?: number;
    buildPayOffMs?: number;
  } = {},
): Promise<RunOutput> {
  const payOffMs = options.payOffMs ?? WORKERS_PAY_OFF_MS;
  const buildPayOffMs = options.buildPayOffMs ?? WORKERS_EARLY_BUILD_MS;
  const results = new Map<string, ScheduleResult>();
  const wallMs: Record<string, number> = {};
  for (const [i, name] of s.schedules.entries()) {
    const left = s.schedules.slice(i + 1);
    const startWorkers = (why: 'build' | 'step') => {
      const workers = Math.min(threads, left.length);
      options.onWorkers?.(workers, left.length, why);
      return simulateOnWorkers(s, left, source, workers, results, wallMs, options.onProgress);
    };
    let workersDone: Promise<void> | undefined;
    const t0 = performance.now();
    const onProgress = (p: RunProgress) => {
      options.onProgress?.(p);
      const built = p.step?.stage === 'simulate' && p.step.done === 0;
      if (built && !workersDone && threads > 1 && left.length > 0 && performance.now() - t0 >= buildPayOffMs) {
        workersDone = startWorkers('build');
        workersDone.catch(() => {}); // awaited below; a failure here must not go unhandled meanwhile
      }
    };
    simulateHere(s, name, results, wallMs, onProgress);
    if (workersDone) {
      await workersDone;
      break;
    }
    if (threads > 1 && left.length > 1 && wallMs[name]! >= payOffMs) {
      await startWorkers('step');
      break;
    }
  }
  return assembleRun(s, results, wallMs);
}

/** Simulates `schedules` on up to `threads` workers into `results` (progress counts what is already there). */
async function simulateOnWorkers(
  s: ResolvedScenario,
  schedules: readonly string[],
  source: ScenarioSource,
  threads: number,
  results: Map<string, ScheduleResult>,
  wallMs: Record<string, number>,
  onProgress?: (p: RunProgress) => void,
): Promise<void> {
  const errors: string[] = [];
  const total = s.schedules.length;
  const tasks = schedules.map((schedule): ScheduleTask => ({ source, schedule }));
  await runOnWorkers<ScheduleTask, ScheduleMessage>(SCHEDULE_WORKER, tasks, threads, (m) => {
    if (m.kind === 'error') errors.push(`${m.name}: ${m.message}`);
    if (m.kind === 'progress') onProgress?.({ schedule: m.name, done: results.size, total, step: m.step });
    if (m.kind !== 'result') return;
    results.set(m.name, fromPosted(m.result));
    wallMs[m.name] = m.wallMs;
    onProgress?.({ schedule: m.name, done: results.size, total, wallMs: m.wallMs });
  });
  if (errors.length > 0) throw new Error(`simulation failed: ${errors.join('; ')}`);
}

/** The three outputs from every schedule's result, in the scenario's schedule order. */
function assembleRun(s: ResolvedScenario, byName: Map<string, ScheduleResult>, wallMs: Record<string, number>): RunOutput {
  const results = s.schedules.map((name) => ({ name, result: byName.get(name)! }));
  const gpus = gpuCount(s.topology);
  const timelines = results.map((r) => ({ name: r.name, timeline: r.result.timeline, gpus: gpuSummary(r.result.timeline.spans, gpus, r.result.expertTokensPerGpu) }));
  const slowest = timelines.map((t) => ({ schedule: t.name, ...stragglers(t.gpus, t.timeline.makespanNs) }));
  return {
    result: toResultFile(s, results.map((r) => r.result.metrics), [], slowest),
    timeline: toTimelineFile(s.spec.name, s.topology, timelines),
    chrome: [s.spec.name, s.topology, timelines],
    ...(s.spec.workload.phase !== 'a2a' ? { routing: simulatedRouting(s.input) } : {}),
    wallMs,
  };
}

/** Each file of a run (routing.json unless a2a) and what serializes it (as text, or chunks of it). */
function runFileWriters(out: RunOutput, gpusInTrace?: readonly number[]): Record<string, () => FileText> {
  const routing = out.routing;
  return {
    'result.json': () => `${JSON.stringify(out.result, null, 2)}\n`,
    // The dashboard says which GPUs the trace holds when it is not all of them.
    'timeline.json': () => JSON.stringify(gpusInTrace ? { ...out.timeline, traceGpus: gpusInTrace } : out.timeline),
    'trace.chrome.json': () => chromeTraceChunks(out.chrome[0], out.chrome[1], out.chrome[2], gpusInTrace),
    ...(routing ? { 'routing.json': () => JSON.stringify(routing) } : {}),
  };
}

/**
 * The GPUs trace.chrome.json holds (undefined: all): `asked` ('all' or ids), else every GPU of a
 * cluster up to TRACE_ALL_GPUS_UP_TO and the first node and each schedule's slowest GPUs above.
 */
export function runTraceGpus(out: RunOutput, asked?: 'all' | readonly number[]): number[] | undefined {
  const topology = out.chrome[1];
  const slowest = (out.result.stragglers ?? []).map((s) => s.slowest.map((g) => g.gpu));
  return traceGpus(gpuCount(topology), topology.gpusPerNode, slowest, asked);
}

/**
 * The files of a run, as the CLI and the server write them; the trace holds the GPUs runTraceGpus
 * gives for `traceAsked` ('all', ids, or absent for the default).
 */
export function runFiles(out: RunOutput, traceAsked?: 'all' | readonly number[]): Record<string, FileText> {
  const writers = runFileWriters(out, runTraceGpus(out, traceAsked));
  return Object.fromEntries(Object.entries(writers).map(([name, write]) => [name, write()]));
}

/** The names of runFiles' files, without serializing them (tens of MB for a 128-GPU step). */
export function runFileNames(out: RunOutput): string[] {
  return Object.keys(runFileWriters(out));
}
