// The JSON files `epsim run` and `epsim sweep` write, which the dashboard reads (docs/design.md). These
// types are the on-disk contract; bump the formatVersion of a file when its shape changes.
import type { ScheduleMetrics } from '../core/index.ts';
import type { Stragglers } from '../metrics/index.ts';

export const RESULT_FORMAT_VERSION = 1;
export const TIMELINE_FORMAT_VERSION = 1;
export const SWEEP_FORMAT_VERSION = 2;

/** result.json */
export interface ResultFile {
  formatVersion: typeof RESULT_FORMAT_VERSION;
  /** The scenario as resolved (defaults filled), so the numbers can be traced back to their inputs. */
  scenario: Record<string, unknown> & { name: string; file: string };
  topology: { name: string; source: string; nodes: number; gpusPerNode: number; gpus: number };
  model: { name: string; source: string };
  /** Where routing came from: trace file + provenance, a statistical fit of it, or uniform. */
  trace: { kind: 'trace' | 'fitted' | 'uniform' | 'random'; description: string; file?: string; provenance?: Record<string, unknown> };
  schedules: ScheduleMetrics[];
  /** Schedules listed in the scenario that could not run, and why. */
  refused?: { name: string; reason: string }[];
  /** Per schedule (same order as `schedules`): the slowest GPUs and what waiting for them costs. */
  stragglers?: ({ schedule: string } & Stragglers)[];
  epsimVersion: string;
  seed: number;
}

/**
 * timeline.json: spans column-wise, one block per schedule. Strings are indices into the tables
 * (`kinds`, `streams`, `names`) so a 128-GPU, 28-layer step stays a few MB.
 */
export interface TimelineFile {
  formatVersion: typeof TIMELINE_FORMAT_VERSION;
  scenario: string;
  topology: { name: string; nodes: number; gpusPerNode: number; gpus: number };
  kinds: string[];
  /** Which kinds are communication (drawn on comm rows, counted as exposed when compute is idle). */
  commKinds: string[];
  streams: string[];
  names: string[];
  schedules: TimelineSchedule[];
  /** The GPUs trace.chrome.json holds when not every one (above 256 GPUs by default; `epsim run --trace-gpus`). */
  traceGpus?: number[];
}

export interface TimelineSchedule {
  name: string;
  makespanNs: number;
  spans: {
    gpu: number[];
    stream: number[];
    kind: number[];
    name: number[];
    /** -1 when the op is not tied to a layer (or micro-batch). */
    layer: number[];
    microBatch: number[];
    startNs: number[];
    endNs: number[];
    flops: number[];
    bytes: number[];
  };
  /** Per GPU, the intervals its communication ran while none of its compute did: [gpu, startNs, endNs]. */
  exposed: [number, number, number][];
  /** Per GPU (index = gpu): compute-busy, exposed-communication and expert-GEMM ns, expert tokens. */
  gpus?: { busyNs: number[]; exposedCommNs: number[]; expertGemmNs: number[]; expertTokens: number[] };
}

/**
 * sweep.json (sweep.csv has one row per point). Version 2: any scenario key can be an axis; the
 * Pareto frontier and the answer to the sweep's targets are part of the file.
 */
export interface SweepFile {
  formatVersion: typeof SWEEP_FORMAT_VERSION;
  scenario: string;
  phase: string;
  /** The base scenario's model and topology names (a point may vary them: see its values). */
  model: string;
  topology: string;
  /** Each axis: the scenario key path it sets and its values, in the order the points vary them (schedules last). */
  axes: { path: string; values: unknown[] }[];
  /** Every point of the product of the axes, by id (first axis slowest). */
  points: SweepPoint[];
  /**
   * The points that fit in memory and that no other fitting point beats on both axes: more
   * tokens/s per GPU and more tokens/s per user (decode), or a shorter step (prefill, train).
   * Ids in order of x.
   */
  frontier: { x: 'tokensPerSecPerUser' | 'stepTimeUs'; y: 'tokensPerSecPerGpu'; ids: number[] };
  targets?: { tpotMs?: number; tokensPerSecPerUser?: number; totalTokensPerSec?: number };
  /** The best point under the latency target, and the GPUs the total-throughput target needs with its layout. */
  answer?: SweepAnswer;
  /** Version 1's picks, kept: each names its point by ep, schedule, and batch when the sweep varies it. */
  recommendation: {
    lowestTpot?: { ep: number; batch?: number; schedule: string; tpotMs: number; reason: string };
    bestThroughputUnderTarget?: { ep: number; batch?: number; schedule: string; tokensPerSecPerGpu: number; tpotTargetMs: number; reason: string };
    /** Prefill/train sweeps: the fastest fitting point by step time. */
    fastest?: { ep: number; batch?: number; schedule: string; stepTimeUs: number; reason: string };
    note?: string;
  };
}

export interface SweepAnswer {
  /** The point: the most tokens/s per GPU among the fitting points that meet the latency target. */
  id: number;
  reason: string;
  /** With targets.totalTokensPerSec: whole replicas of the point's layout (replicaGpus each), rounded up. */
  replicas?: number;
  replicaGpus?: number;
  gpusNeeded?: number;
  /** What those replicas produce: replicas x replicaGpus x tokens/s per GPU. */
  tokensPerSec?: number;
  /** A point under the latency target that needs fewer GPUs once replicas are whole, when there is one. */
  fewestGpus?: { id: number; gpusNeeded: number; replicas: number; replicaGpus: number };
}

export interface SweepPoint {
  id: number;
  /** Every axis's value at this point, by key path (`schedules`: the schedule it runs). */
  values: Record<string, unknown>;
  ep: number;
  /** sequencesPerGpu (decode) or tokensPerGpu / tokensPerMicrobatch when the sweep varies batch size. */
  batch?: number;
  schedule: string;
  /** GPUs of one replica of the layout: the EP group (widened to whole attention TP groups). */
  replicaGpus?: number;
  /** Why this point could not run (e.g. ep does not divide the expert count), else absent. */
  error?: string;
  metrics?: ScheduleMetrics;
}
