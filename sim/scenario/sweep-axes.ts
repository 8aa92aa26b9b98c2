// The axes of a sweep, read from the scenario's `sweep:` section and the command line: each a
// scenario key path and its values. Shorthands become ordinary axes (`ep` is `parallel.ep`,
// `batch` the phase's batch key, `tpotTargetMs` is `targets.tpotMs`); `--ep` replaces the EP
// axis. Schedules are always an axis, last: the scenario's schedules when the sweep does not
// name them, so every point runs exactly one schedule. Pure: problems come back with the key
// path they belong to, for the caller to locate in the file.
import type { Phase } from '../core/index.ts';
import { didYouMean } from '../core/index.ts';
import { SWEEP_RESERVED_KEYS, type SweepSpec } from './sweep-schema.ts';

export interface SweepAxis {
  /** The scenario key path the axis sets, dotted as in the file. */
  path: string;
  values: unknown[];
  /**
   * Where the values were written: the key in the `sweep:` section (value i sits at
   * sweep.<key>[i]); a command-line option; or nowhere (the scenario's own schedules).
   */
  origin: { kind: 'file'; key: string } | { kind: 'cli'; option: string } | { kind: 'scenario' };
}

export interface SweepTargets {
  tpotMs?: number;
  tokensPerSecPerUser?: number;
  totalTokensPerSec?: number;
}

export type KeyPath = (string | number)[];
export interface AxisProblem {
  path: KeyPath;
  message: string;
}

/** The scenario key each phase's `batch` shorthand stands for. */
export function batchPath(phase: Phase): string {
  if (phase === 'decode') return 'workload.sequencesPerGpu';
  if (phase === 'train') return 'workload.tokensPerMicrobatch';
  return 'workload.tokensPerGpu';
}

/** Keys a sweep cannot vary: the results folder's name, and the sweep itself. */
const FIXED_KEYS: Record<string, string> = {
  name: 'it names the results folder; sweep in another scenario file instead',
  sweep: 'a sweep cannot vary its own section',
};

export interface AxesInput {
  sweep: SweepSpec | undefined;
  phase: Phase;
  /** The schedules the scenario runs (its own list, or every one that applies). */
  schedules: readonly string[];
  /** `--ep 8,16,32` from the command line. */
  cliEp?: number[];
}

export function sweepAxes(input: AxesInput): { axes: SweepAxis[]; targets: SweepTargets; problems: AxisProblem[] } {
  const problems: AxisProblem[] = [];
  const sweep = (input.sweep ?? {}) as Record<string, unknown>;
  const axes: SweepAxis[] = [];
  const byPath = new Map<string, SweepAxis>();
  const add = (axis: SweepAxis, at: KeyPath) => {
    const other = byPath.get(axis.path);
    if (other) {
      const otherKey = other.origin.kind === 'file' ? `sweep.${other.origin.key}` : 'the scenario';
      problems.push({ path: at, message: `${otherKey} already sweeps ${axis.path}; keep one of them` });
      return;
    }
    byPath.set(axis.path, axis);
    axes.push(axis);
  };

  for (const [key, value] of Object.entries(sweep)) {
    if (key === 'tpotTargetMs' || key === 'targets' || value === undefined) continue;
    const path = key === 'ep' ? 'parallel.ep' : key === 'batch' ? batchPath(input.phase) : key;
    const at: KeyPath = ['sweep', key];
    const root = path.split('.')[0]!;
    if (FIXED_KEYS[root]) {
      problems.push({ path: at, message: `"${root}" cannot be swept: ${FIXED_KEYS[root]}` });
      continue;
    }
    if (path.split('.').some((segment) => segment === '')) {
      problems.push({ path: at, message: 'an axis is a dotted key path such as parallel.ep or workload.sequencesPerGpu' });
      continue;
    }
    if (!Array.isArray(value) || value.length === 0) {
      const hint = SWEEP_RESERVED_KEYS.includes(key as never) ? '' : didYouMean(key, [...SWEEP_RESERVED_KEYS]);
      problems.push({ path: at, message: `an axis takes a non-empty list of values, e.g. [16, 32]; got ${JSON.stringify(value)}${hint}` });
      continue;
    }
    const twice = value.findIndex((v, i) => value.slice(0, i).some((w) => sameValue(v, w)));
    if (twice >= 0) {
      problems.push({ path: [...at, twice], message: `${JSON.stringify(value[twice])} is listed twice` });
      continue;
    }
    add({ path, values: value, origin: { kind: 'file', key } }, at);
  }

  if (input.cliEp) {
    const index = axes.findIndex((a) => a.path === 'parallel.ep');
    const axis: SweepAxis = { path: 'parallel.ep', values: [...new Set(input.cliEp)], origin: { kind: 'cli', option: '--ep' } };
    if (index >= 0) axes[index] = axis;
    else axes.unshift(axis);
  }

  if (!axes.some((a) => a.path === 'schedules')) axes.push({ path: 'schedules', values: [...input.schedules], origin: { kind: 'scenario' } });
  else axes.push(...axes.splice(axes.findIndex((a) => a.path === 'schedules'), 1));

  const targets: SweepTargets = { ...(sweep.targets as SweepTargets | undefined) };
  if (sweep.tpotTargetMs !== undefined) {
    if (targets.tpotMs !== undefined) problems.push({ path: ['sweep', 'tpotTargetMs'], message: 'sweep.targets.tpotMs is set too; keep one of them' });
    else targets.tpotMs = sweep.tpotTargetMs as number;
  }
  if (input.phase !== 'decode') {
    for (const key of ['tpotMs', 'tokensPerSecPerUser'] as const) {
      if (targets[key] === undefined) continue;
      const at: KeyPath = key === 'tpotMs' && sweep.tpotTargetMs !== undefined ? ['sweep', 'tpotTargetMs'] : ['sweep', 'targets', key];
      problems.push({ path: at, message: `a per-user latency target applies to decode; this scenario's phase is ${input.phase}` });
    }
  }
  return { axes, targets, problems };
}

/** Points in the product of the axes. */
export function productSize(axes: readonly SweepAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

/** Every combination of one value per axis, the first axis varying slowest. */
export function product(axes: readonly SweepAxis[]): number[][] {
  let out: number[][] = [[]];
  for (const axis of axes) out = out.flatMap((prefix) => axis.values.map((_, i) => [...prefix, i]));
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
