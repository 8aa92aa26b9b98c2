// Turns a scenario with a `sweep:` section into the list of points to run. One mechanism for
// every axis: a point's values are set at their key paths on the parsed scenario file (the
// `sweep:` section removed), and the result goes through the normal loader, so a value is
// checked exactly as if it had been written in the file. A value that fails in every layout it
// appears in is the user's mistake: it is reported once, at its place in the sweep list, and
// nothing runs. A layout that fails only in combination (32 redundant experts with contiguous
// placement) becomes points that cannot run, each with the loader's reason.
import { stringify } from 'yaml';
import { configErrorAt, parseDocumentWithPositions, UsageError, UserInputError } from '../core/index.ts';
import type { Phase } from '../core/index.ts';
import { gpuCount } from '../hardware/index.ts';
import type { ResolvedScenario, ScenarioOverrides } from './load.ts';
import { resolveScenarioText } from './load.ts';
import { batchPath, product, productSize, sweepAxes, type AxisProblem, type KeyPath, type SweepAxis, type SweepTargets } from './sweep-axes.ts';

/** Sweeps above this many points are refused unless the caller raises the limit (--max-points). */
export const DEFAULT_MAX_POINTS = 1000;

export interface PlannedPoint {
  /** Index in the product of the axes (first axis slowest, schedules fastest). */
  id: number;
  /** The value of every axis at this point, by key path (`schedules`: the one schedule it runs). */
  values: Record<string, unknown>;
  schedule: string;
  ep: number;
  /** The phase's batch key, when the sweep varies it. */
  batch?: number;
  /** The point's own scenario file: the base scenario with this point's values, no sweep section. */
  text?: string;
  /** Why the point cannot run (the loader's words), when it cannot. */
  error?: string;
  /** GPUs of one replica of this layout: an EP group, widened to whole attention TP groups. */
  replicaGpus?: number;
  /** GPUs x EP size: the simulation's cost grows with the flows of an exchange; biggest first keeps threads busy. */
  cost: number;
  /** The files the point reads (display paths), for executors that must ship them. */
  files?: { topology?: string; trace?: string };
}

export interface SweepPlan {
  file: string;
  name: string;
  phase: Phase;
  model: string;
  topology: string;
  axes: SweepAxis[];
  targets: SweepTargets;
  points: PlannedPoint[];
}

export interface PlanOptions {
  /** `--ep` from the command line: replaces the EP axis. */
  cliEp?: number[];
  maxPoints?: number;
  /** Folders the scenario may read (the dashboard's confinement), as for loadScenario. */
  allowedDirs?: string[];
}

interface Issue {
  path: string;
  message: string;
}

interface LayoutOutcome {
  data: Record<string, unknown>;
  resolved?: ResolvedScenario;
  /** Issues of the layout as a whole (it cannot run at all). */
  issues: Issue[];
  /** Schedule index -> why this layout refuses it. */
  refused: Map<number, string>;
}

export async function planSweep(text: string, file: string, options: PlanOptions = {}): Promise<SweepPlan> {
  const loaderOptions: ScenarioOverrides = options.allowedDirs ? { allowedDirs: options.allowedDirs } : {};
  const base = await resolveScenarioText(text, file, loaderOptions);
  const phase = base.spec.workload.phase;
  const { axes, targets, problems } = sweepAxes({ sweep: base.spec.sweep, phase, schedules: base.schedules, cliEp: options.cliEp });
  if (problems.length > 0) throw configErrorAt(text, file, problems);

  const size = productSize(axes);
  const limit = options.maxPoints ?? DEFAULT_MAX_POINTS;
  if (size > limit) {
    throw new UsageError(`the sweep has ${size.toLocaleString('en-US')} points (${describeProduct(axes)}), above the limit of ${limit.toLocaleString('en-US')}; --max-points ${size} raises it`, file);
  }

  const raw = parseDocumentWithPositions(text, file).doc.toJS() as Record<string, unknown>;
  delete raw.sweep;
  const scheduleAxis = axes[axes.length - 1]!;
  const layoutAxes = axes.slice(0, -1);
  const layouts = product(layoutAxes);
  const outcomes: LayoutOutcome[] = [];
  for (const layout of layouts) outcomes.push(await resolveLayout(raw, layoutAxes, layout, scheduleAxis.values, file, loaderOptions));

  const bad = badValues(axes, layouts, outcomes);
  if (bad.length > 0) throw configErrorAt(text, file, bad);

  const points: PlannedPoint[] = [];
  const batchAxis = axes.findIndex((a) => a.path === batchPath(phase));
  layouts.forEach((layout, l) => {
    const outcome = outcomes[l]!;
    const values: Record<string, unknown> = {};
    layoutAxes.forEach((axis, k) => (values[axis.path] = axis.values[layout[k]!]));
    const r = outcome.resolved;
    const ep = r?.input.parallel.ep ?? (typeof values['parallel.ep'] === 'number' ? values['parallel.ep'] : base.input.parallel.ep);
    const batch = batchAxis >= 0 && batchAxis < layoutAxes.length ? (values[axes[batchAxis]!.path] as number) : undefined;
    scheduleAxis.values.forEach((schedule, s) => {
      const point: PlannedPoint = {
        id: l * scheduleAxis.values.length + s,
        values: { ...values, schedules: schedule },
        schedule: String(schedule),
        ep,
        ...(batch === undefined ? {} : { batch }),
        cost: r ? gpuCount(r.topology) * ep : 0,
      };
      const error = outcome.issues.length > 0 ? describeIssues(outcome.issues) : outcome.refused.get(s);
      if (error !== undefined || !r) point.error = error ?? 'cannot run';
      else {
        point.text = stringify({ ...outcome.data, schedules: [schedule] });
        point.replicaGpus = lcm(r.input.parallel.ep, r.input.parallel.attention.tp);
        point.files = { topology: r.topology.source, ...(r.trace ? { trace: r.trace.file } : {}) };
      }
      points.push(point);
    });
  });
  return { file, name: base.spec.name, phase, model: base.model.name, topology: base.topology.name, axes, targets, points };
}

/** "parallel.ep 4 x schedules 2". */
export function describeProduct(axes: readonly SweepAxis[]): string {
  return axes.map((a) => `${a.path} ${a.values.length}`).join(' x ');
}

/** Sets the layout's values on a copy of the scenario and runs it through the loader with every swept schedule. */
async function resolveLayout(
  raw: Record<string, unknown>,
  axes: readonly SweepAxis[],
  layout: number[],
  schedules: unknown[],
  file: string,
  options: ScenarioOverrides,
): Promise<LayoutOutcome> {
  const data = structuredClone(raw);
  const issues: Issue[] = [];
  axes.forEach((axis, k) => {
    const problem = setPath(data, axis.path, axis.values[layout[k]!]);
    if (problem) issues.push({ path: axis.path, message: problem });
  });
  const outcome: LayoutOutcome = { data, issues, refused: new Map() };
  if (issues.length > 0) return outcome;
  let attempt = await tryResolve({ ...data, schedules }, file, options);
  // A schedule this layout refuses (it does not apply to the phase or the model) refuses only its
  // own points: resolve again without it.
  const onSchedules = attempt.issues.map((i) => ({ i, s: scheduleIndex(i.path) }));
  if (attempt.issues.length > 0 && onSchedules.every((x) => x.s !== undefined)) {
    for (const { i, s } of onSchedules) if (!outcome.refused.has(s!)) outcome.refused.set(s!, `${i.path.replace(/\[\d+\]$/, '')}: ${i.message}`);
    const left = schedules.filter((_, s) => !outcome.refused.has(s));
    attempt = left.length > 0 ? await tryResolve({ ...data, schedules: left }, file, options) : { issues: [] };
  }
  outcome.issues = attempt.issues;
  if (attempt.resolved) outcome.resolved = attempt.resolved;
  return outcome;
}

async function tryResolve(data: Record<string, unknown>, file: string, options: ScenarioOverrides): Promise<{ resolved?: ResolvedScenario; issues: Issue[] }> {
  try {
    return { resolved: await resolveScenarioText(stringify(data), file, options), issues: [] };
  } catch (e) {
    if (!(e instanceof UserInputError)) throw e;
    return { issues: e.issues.map((i) => ({ path: i.path, message: i.message })) };
  }
}

/**
 * Sets `path` (dotted) on `data` to `value`, creating mappings on the way; `schedules` takes one
 * schedule per point, so its value becomes a one-element list. Returns a problem, or undefined.
 */
export function setPath(data: Record<string, unknown>, path: string, value: unknown): string | undefined {
  const keys = path.split('.');
  let node: Record<string, unknown> = data;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = node[keys[i]!];
    if (next === undefined || next === null) node[keys[i]!] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) return `${keys.slice(0, i + 1).join('.')} is ${Array.isArray(next) ? 'a list' : JSON.stringify(next)}, not a mapping, so it has no key "${keys[i + 1]}"`;
    node = node[keys[i]!] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = path === 'schedules' ? [value] : structuredClone(value);
  return undefined;
}

/** `schedules[2]` -> 2. */
function scheduleIndex(path: string): number | undefined {
  const m = /^schedules\[(\d+)\]$/.exec(path);
  return m ? Number(m[1]) : undefined;
}

/** An issue at `issuePath` is about axis `axisPath` when one path contains the other. */
function related(issuePath: string, axisPath: string): boolean {
  if (issuePath === '') return false;
  return issuePath === axisPath || issuePath.startsWith(`${axisPath}.`) || issuePath.startsWith(`${axisPath}[`) || axisPath.startsWith(`${issuePath}.`);
}

/**
 * The values that fail in every layout they appear in, with the loader's message, located where
 * the value was written. A second pass leaves out the layouts that hold a value already found
 * bad, so a bad value elsewhere (which stopped the loader early) does not hide this one. When
 * every value of an axis fails for the same reason (an unknown key), it is said once, at the key.
 */
function badValues(axes: readonly SweepAxis[], layouts: number[][], outcomes: LayoutOutcome[]): AxisProblem[] {
  const scheduleAxis = axes.length - 1;
  const reasonIn = (l: number, a: number, v: number): string | undefined => {
    const o = outcomes[l]!;
    if (a === scheduleAxis) return o.refused.get(v)?.replace(/^schedules: /, '') ?? o.issues.find((i) => scheduleIndex(i.path) === v)?.message;
    if (layouts[l]![a] !== v) return undefined;
    return o.issues.find((i) => related(i.path, axes[a]!.path))?.message;
  };
  const find = (skip: (l: number) => boolean, known: Map<string, string>) => {
    const found = new Map(known);
    axes.forEach((axis, a) => {
      axis.values.forEach((_, v) => {
        const key = `${a}:${v}`;
        if (found.has(key)) return;
        const holding = layouts.map((_, l) => l).filter((l) => (a === scheduleAxis || layouts[l]![a] === v) && !skip(l));
        if (holding.length === 0) return;
        const reasons = holding.map((l) => reasonIn(l, a, v));
        if (reasons.every((r) => r !== undefined)) found.set(key, reasons[0]!);
      });
    });
    return found;
  };
  const first = find(() => false, new Map());
  const holdsBad = (l: number) => layouts[l]!.some((v, a) => first.has(`${a}:${v}`));
  const all = first.size > 0 ? find(holdsBad, first) : first;

  const problems: AxisProblem[] = [];
  axes.forEach((axis, a) => {
    const reasons = axis.values.map((_, v) => all.get(`${a}:${v}`));
    if (reasons.every((r) => r === undefined)) return;
    if (axis.values.length > 1 && reasons.every((r) => r !== undefined && r === reasons[0])) {
      problems.push({ path: axisKey(axis), message: axis.origin.kind === 'cli' ? `${axis.origin.option}: ${reasons[0]!}` : reasons[0]! });
      return;
    }
    reasons.forEach((r, v) => r !== undefined && problems.push(valueProblem(axis, v, r)));
  });
  return problems;
}

function axisKey(axis: SweepAxis): KeyPath {
  if (axis.origin.kind === 'file') return ['sweep', axis.origin.key];
  return axis.path.split('.');
}

function valueProblem(axis: SweepAxis, v: number, message: string): AxisProblem {
  if (axis.origin.kind === 'file') return { path: ['sweep', axis.origin.key, v], message };
  if (axis.origin.kind === 'cli') return { path: axis.path.split('.'), message: `${axis.origin.option} ${JSON.stringify(axis.values[v])}: ${message}` };
  return { path: [axis.path, v], message };
}

function describeIssues(issues: Issue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
