// The text `epsim sweep` prints from sweep.json: the points (one narrow row each: the swept
// values, then the table of `epsim run`; a point that cannot run says so in one cell and its
// reason once below), the frontier and the answer to the targets (not for an a2a benchmark).
import { DEEPEP_SOURCE, deepEpFigure, emulationNotes, formatGiB, formatTable, phaseColumns, type SweepFile, type SweepPoint } from '../output/index.ts';
import type { Phase } from '../core/index.ts';
import { describeLatency, fittingPoints } from './sweep-frontier.ts';

/** Above this many points the full table goes to sweep.csv only; the frontier is always printed. */
export const MAX_TABLE_ROWS = 80;

export function sweepReport(file: SweepFile): string {
  const parts: string[] = [];
  if (file.points.length <= MAX_TABLE_ROWS) parts.push(pointsTable(file, file.points));
  else parts.push(`${file.points.length.toLocaleString('en-US')} points: every one is in sweep.csv; the frontier follows.`);
  const reasons = failureNotes(file.points);
  if (reasons.length > 0) parts.push(reasons.join('\n'));
  const notes = emulationNotes(file.points.flatMap((p) => (p.metrics ? [p.metrics] : [])));
  if (notes.length > 0) parts.push(notes.join('\n'));
  const a2a = file.points.filter((p) => p.metrics?.dispatchGBps !== undefined);
  if (a2a.length > 0) {
    // Beside each point, DeepEP's published normal-kernel figure at its EP size (what epsim predicts, never an input).
    const published = (ep: number) => {
      const ref = deepEpFigure(ep);
      return ref ? `; DeepEP ${ref.dispatchGBps} / ${ref.combineGBps} GB/s (${ref.link})` : '';
    };
    const lines = a2a.map(
      (p) => `  ${label(file, p)}: dispatch ${p.metrics!.dispatchUs} µs at ${p.metrics!.dispatchGBps} GB/s, combine ${p.metrics!.combineUs} µs at ${p.metrics!.combineGBps} GB/s${published(p.ep)}`,
    );
    const source = a2a.some((p) => deepEpFigure(p.ep)) ? [`  DeepEP: dispatch / combine bottleneck bandwidth, ${DEEPEP_SOURCE}`] : [];
    parts.push(['bandwidth as DeepEP counts it:', ...lines, ...source].join('\n'));
  }
  if (servesTokens(file)) {
    parts.push(frontierText(file));
    parts.push(answerText(file));
  }
  return `${parts.join('\n\n')}\n`;
}

/** The swept values other than the schedule, as table columns: the last segment of each key path unless two share it. */
function axisColumns(file: SweepFile): { path: string; header: string }[] {
  const paths = file.axes.map((a) => a.path).filter((p) => p !== 'schedules');
  const last = (p: string) => p.split('.').pop()!;
  return paths.map((path) => ({ path, header: paths.filter((q) => last(q) === last(path)).length > 1 ? path : last(path) }));
}

function cellOf(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function pointsTable(file: SweepFile, points: SweepPoint[]): string {
  const columns = axisColumns(file);
  const frontier = new Set(file.frontier.ids);
  const footnote = footnoteIndex(file.points);
  // The phase's own columns, without the memory split (sweep.csv has every field).
  const metrics = phaseColumns(file.phase as Phase, { breakdown: false });
  // Which points are the answer and on the frontier.
  const marked = servesTokens(file);
  const header = ['id', ...columns.map((c) => c.header), ...metrics.titles, ...(marked ? ['note'] : [])];
  const rows = points.map((p) => {
    const lead = [String(p.id), ...columns.map((c) => cellOf(p.values[c.path]))];
    const mark = marked ? [file.answer?.id === p.id ? '<- answer' : frontier.has(p.id) ? 'frontier' : ''] : [];
    if (!p.metrics) return [...lead, p.schedule, `cannot run [${footnote.get(p.error ?? '')}]`, ...metrics.titles.slice(2).map(() => ''), ...mark.map(() => '')];
    return [...lead, ...metrics.row(p.metrics), ...mark];
  });
  return formatTable(header, rows).replace(/ +$/gm, '');
}

/** Each distinct reason a point could not run gets a number, in order of first appearance. */
function footnoteIndex(points: readonly SweepPoint[]): Map<string, number> {
  const index = new Map<string, number>();
  for (const p of points) if (!p.metrics && !index.has(p.error ?? '')) index.set(p.error ?? '', index.size + 1);
  return index;
}

function failureNotes(points: readonly SweepPoint[]): string[] {
  const index = footnoteIndex(points);
  return [...index].map(([reason, n]) => {
    const count = points.filter((p) => !p.metrics && (p.error ?? '') === reason).length;
    return `[${n}] ${count} point${count === 1 ? '' : 's'} cannot run: ${reason || 'no reason given'}`;
  });
}

/**
 * Whether the sweep has a serving trade-off to report (a frontier, an answer). A kernel benchmark
 * (a2a) has none: it would rank one dispatch and combine by a throughput nobody serves; sweep.json
 * keeps them all the same.
 */
function servesTokens(file: SweepFile): boolean {
  return file.phase !== 'a2a';
}

/** "EP 32, sequencesPerGpu 64, scmoe-sbo": the values that differ between points. */
export function label(file: Pick<SweepFile, 'axes'>, p: SweepPoint): string {
  const parts = file.axes.filter((a) => a.path !== 'schedules').map((a) => `${a.path === 'parallel.ep' ? 'EP' : a.path.split('.').pop()} ${cellOf(p.values[a.path])}`);
  return [...parts, p.schedule].join(', ');
}

function frontierText(file: SweepFile): string {
  const fit = fittingPoints(file.points).length;
  if (fit === 0) return `frontier: ${file.points.some((p) => p.metrics) ? 'no point fits in GPU memory' : 'no point could run'}`;
  const against = file.frontier.x === 'tokensPerSecPerUser' ? 'tokens/s per user' : 'step time';
  const byId = new Map(file.points.map((p) => [p.id, p]));
  const on = file.frontier.ids.map((id) => byId.get(id)!);
  return [`frontier: tokens/s per GPU against ${against}, ${on.length} of the ${fit} point${fit === 1 ? '' : 's'} that fit in memory`, pointsTable(file, on)].join('\n');
}

/** The answer part of the report (or why there is none, and how close the sweep came). */
export function answerText(file: SweepFile): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const d = (x: number | undefined, digits: number) => (x ?? 0).toLocaleString('en-US', { maximumFractionDigits: digits });
  const a = file.answer;
  if (!a) {
    // Say how close the sweep came: the lowest TPOT among the points that fit.
    const low = file.recommendation.lowestTpot;
    const closest = low ? `; the lowest TPOT that fits is ${d(low.tpotMs, 3)} ms (EP ${low.ep}${low.batch === undefined ? '' : `, ${low.batch} sequences/GPU`}, ${low.schedule})` : '';
    return `answer: ${file.recommendation.note ?? 'none'}${closest}`;
  }
  const p = file.points.find((q) => q.id === a.id)!;
  const m = p.metrics!;
  const latency = m.tpotMs !== undefined ? `TPOT ${d(m.tpotMs, 3)} ms (${d(m.tokensPerSecPerUser, 1)} tokens/s per user)` : `step ${d(m.stepTimeUs, 1)} µs`;
  const lines = [`answer (${a.reason}):`, `  point ${a.id}: ${label(file, p)}: ${n(m.tokensPerSecPerGpu)} tokens/s per GPU, ${latency}, ${formatGiB(m.memoryGiBPerGpu)} GiB per GPU`];
  if (a.gpusNeeded !== undefined && file.targets?.totalTokensPerSec !== undefined) {
    lines.push(
      `  ${n(file.targets.totalTokensPerSec)} tokens/s needs ${n(a.gpusNeeded)} GPUs: ${a.replicas} replica${a.replicas === 1 ? '' : 's'} of this layout ` +
        `(${replicaWords(a.replicaGpus!, p.ep)}, ${n(m.tokensPerSecPerGpu * a.replicaGpus!)} tokens/s each), rounded up to whole replicas; they make ${n(a.tokensPerSec!)} tokens/s`,
    );
  }
  if (a.fewestGpus) {
    const f = file.points.find((q) => q.id === a.fewestGpus!.id)!;
    lines.push(
      `  fewer GPUs after rounding: point ${f.id}: ${label(file, f)}: ${n(f.metrics!.tokensPerSecPerGpu)} tokens/s per GPU needs ${n(a.fewestGpus.gpusNeeded)} GPUs (${a.fewestGpus.replicas} replicas of ${a.fewestGpus.replicaGpus})`,
    );
  }
  const latencyTarget = describeLatency(file.targets ?? {});
  if (!latencyTarget && file.phase === 'decode') lines.push('  (no latency target: set sweep.targets.tpotMs for the best layout under a TPOT)');
  return lines.join('\n');
}

/** "one EP group of 32 GPUs", or "8 GPUs: 2 EP groups of 4 (whole attention TP groups)". */
function replicaWords(replicaGpus: number, ep: number): string {
  return replicaGpus === ep ? `one EP group of ${ep} GPUs` : `${replicaGpus} GPUs: ${replicaGpus / ep} EP groups of ${ep}, so that attention TP groups are whole`;
}
