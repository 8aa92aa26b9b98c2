// The comparison table `epsim run` prints; the dashboard shows the same columns and notes. The
// columns depend on the phase: decode shows TPOT and tokens/s per user, training its MFU, the a2a
// benchmark its dispatch and combine time and bandwidth (with DeepEP's published figures), and
// every phase drops what means nothing for it.
import type { Phase, ScheduleMetrics } from '../core/index.ts';
import { deepEpFigure, DEEPEP_SOURCE } from './deepep-reference.ts';
import type { ResultFile } from './formats.ts';

// MFU (training) and the memory split (weights incl. training's gradients and optimizer states /
// KV cache / activations / communication buffers, GiB) come last, so earlier columns keep their places.
export const TABLE_COLUMNS = ['schedule', 'step', 'TPOT ms', 'tok/s/user', 'tok/s/GPU', 'exposed comm', 'mem GiB/GPU', '$/M tok', 'MFU', 'GiB W/KV/act/buf'] as const;

const fmt = (x: number | undefined, digits: number) => (x === undefined ? '' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** A step or span time: µs below 10 ms, ms from there. */
export function formatUs(us: number): string {
  return us >= 10000 ? `${fmt(us / 1000, 2)} ms` : `${fmt(us, 1)} µs`;
}

/** The decode row (the sweep table uses it for every phase). */
export function metricsRow(m: ScheduleMetrics): string[] {
  return [
    label(m),
    formatUs(m.stepTimeUs),
    fmt(m.tpotMs, 2),
    fmt(m.tokensPerSecPerUser, 1),
    fmt(m.tokensPerSecPerGpu, 0),
    `${fmt(m.exposedCommFraction * 100, 1)}%`,
    m.name === 'a2a' ? '' : memoryCell(m),
    fmt(m.costUsdPerMillionTokens, 3),
    m.mfu === undefined ? '' : `${fmt(m.mfu * 100, 1)}%`,
    m.name === 'a2a' || !m.memoryBreakdownGiB ? '' : breakdown(m.memoryBreakdownGiB),
  ];
}

interface Column {
  title: string;
  cell: (m: ScheduleMetrics) => string;
}

const COLUMNS: Record<string, Column> = {
  schedule: { title: 'schedule', cell: label },
  step: { title: 'step', cell: (m) => formatUs(m.stepTimeUs) },
  tpot: { title: 'TPOT ms', cell: (m) => fmt(m.tpotMs, 2) },
  user: { title: 'tok/s/user', cell: (m) => fmt(m.tokensPerSecPerUser, 1) },
  gpu: { title: 'tok/s/GPU', cell: (m) => fmt(m.tokensPerSecPerGpu, 0) },
  mfu: { title: 'MFU', cell: (m) => (m.mfu === undefined ? '' : `${fmt(m.mfu * 100, 1)}%`) },
  exposed: { title: 'exposed comm', cell: (m) => `${fmt(m.exposedCommFraction * 100, 1)}%` },
  memory: { title: 'mem GiB/GPU', cell: memoryCell },
  // The memory split: weights (with training's gradients and optimizer states) / KV cache / activations / communication buffers.
  breakdown: { title: 'GiB W/KV/act/buf', cell: (m) => (m.memoryBreakdownGiB ? breakdown(m.memoryBreakdownGiB) : '') },
  cost: { title: '$/M tok', cell: (m) => fmt(m.costUsdPerMillionTokens, 3) },
  dispatchUs: { title: 'dispatch', cell: (m) => (m.dispatchUs === undefined ? '' : formatUs(m.dispatchUs)) },
  dispatchGBps: { title: 'dispatch GB/s', cell: (m) => fmt(m.dispatchGBps, 1) },
  combineUs: { title: 'combine', cell: (m) => (m.combineUs === undefined ? '' : formatUs(m.combineUs)) },
  combineGBps: { title: 'combine GB/s', cell: (m) => fmt(m.combineGBps, 1) },
};

const PHASE_COLUMNS: Record<Phase, string[]> = {
  decode: ['schedule', 'step', 'tpot', 'user', 'gpu', 'exposed', 'memory', 'cost', 'breakdown'],
  prefill: ['schedule', 'step', 'gpu', 'exposed', 'memory', 'cost', 'breakdown'],
  train: ['schedule', 'step', 'gpu', 'mfu', 'exposed', 'memory', 'cost', 'breakdown'],
  a2a: ['schedule', 'dispatchUs', 'dispatchGBps', 'combineUs', 'combineGBps'],
};

/** The columns of a phase (optionally without the memory split) and a metrics row in them: for sweep tables. */
export function phaseColumns(phase: Phase, options: { breakdown?: boolean } = {}): { titles: string[]; row: (m: ScheduleMetrics) => string[] } {
  const keys = PHASE_COLUMNS[phase].filter((k) => options.breakdown !== false || k !== 'breakdown');
  return { titles: keys.map((k) => COLUMNS[k]!.title), row: (m) => keys.map((k) => COLUMNS[k]!.cell(m)) };
}

export interface SummaryTable {
  columns: string[];
  rows: string[][];
  /** Footnotes: emulations, what does not fit in memory, the reference figures shown. */
  notes: string[];
}

type TableInput = Pick<ResultFile, 'schedules'> & { scenario: Record<string, unknown> };

/** The table of a result, with the columns of its phase. */
export function summaryTable(result: TableInput): SummaryTable {
  const phase = phaseOf(result);
  const keys = PHASE_COLUMNS[phase];
  const columns = keys.map((k) => COLUMNS[k]!.title);
  const rows = result.schedules.map((m) => keys.map((k) => COLUMNS[k]!.cell(m)));
  const notes = [...emulationNotes(result.schedules), ...memoryNotes(result.schedules)];
  if (phase === 'a2a') {
    const ep = (result.scenario.parallel as { ep?: number } | undefined)?.ep ?? 0;
    const ref = deepEpFigure(ep);
    columns.push('DeepEP GB/s');
    rows.forEach((r) => r.push(ref ? `${ref.dispatchGBps} / ${ref.combineGBps} (${ref.link})` : ''));
    notes.push(
      ref
        ? `DeepEP GB/s: dispatch / combine bottleneck bandwidth at EP ${ep}, ${DEEPEP_SOURCE}; epsim counts bytes the same way`
        : `DeepEP publishes figures for EP 8, 16, 32 and 64 only (${DEEPEP_SOURCE})`,
    );
  }
  return { columns, rows, notes };
}

/** The table as `epsim run` prints it, footnotes below. */
export function comparisonTable(result: TableInput): string {
  const t = summaryTable(result);
  return [formatTable(t.columns, t.rows), ...t.notes].join('\n');
}

function phaseOf(result: TableInput): Phase {
  const phase = (result.scenario.workload as { phase?: string } | undefined)?.phase;
  if (phase === 'decode' || phase === 'prefill' || phase === 'train' || phase === 'a2a') return phase;
  return result.schedules.some((m) => m.name === 'a2a') ? 'a2a' : 'decode';
}

function label(m: ScheduleMetrics): string {
  return m.emulation ? `${m.name}*` : m.name;
}

function memoryCell(m: ScheduleMetrics): string {
  return `${formatGiB(m.memoryGiBPerGpu)} ${m.fitsInMemory ? '' : '(no fit)'}`.trim();
}

/** weights / KV cache / activations / buffers, one decimal each. */
function breakdown(b: NonNullable<ScheduleMetrics['memoryBreakdownGiB']>): string {
  return [b.weights, b.kvCache, b.activations, b.buffers].map(formatGiB).join('/');
}

/** GiB to one decimal; a small model's few MiB read "<0.1", not a misleading "0.0". */
export function formatGiB(gib: number): string {
  return gib > 0 && gib < 0.05 ? '<0.1' : gib.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
}

type MemoryBreakdown = { weights: number; kvCache: number; activations: number; buffers: number };

/** What does not fit: per schedule that does not, its GiB per GPU and, where known, the parts. */
export function memoryNotes(metrics: readonly ScheduleMetrics[]): string[] {
  const out: string[] = [];
  for (const m of metrics) {
    if (m.fitsInMemory) continue;
    const parts = (m as ScheduleMetrics & { memoryBreakdownGiB?: MemoryBreakdown }).memoryBreakdownGiB;
    const detail = parts
      ? `${formatGiB(m.memoryGiBPerGpu)} GiB per GPU = weights ${formatGiB(parts.weights)} + KV cache ${formatGiB(parts.kvCache)} + activations ${formatGiB(parts.activations)} + buffers ${formatGiB(parts.buffers)} GiB`
      : `it needs ${formatGiB(m.memoryGiBPerGpu)} GiB per GPU (this result does not break it down)`;
    out.push(`${m.name} does not fit in GPU memory: ${detail}`);
  }
  return out;
}

/** Columns of text (the schedule name) align left, numbers right. */
export function formatTable(header: readonly string[], rows: string[][]): string {
  // A short row (an error line, say) is padded with empty cells.
  const cells = (r: readonly string[]) => header.map((_, i) => r[i] ?? '');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => cells(r)[i]!.length)));
  const left = header.map((h) => h === 'schedule');
  const line = (row: readonly string[]) => cells(row).map((c, i) => (left[i] ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The footnote for each schedule marked `name*` in a table (once per schedule, however many rows). */
export function emulationNotes(metrics: readonly ScheduleMetrics[]): string[] {
  const why = new Map<string, string>();
  for (const m of metrics) if (m.emulation && !why.has(m.name)) why.set(m.name, m.emulation);
  return [...why].map(([name, emulation]) => `* ${name} is emulated: ${emulation}`);
}

/**
 * The stragglers of each schedule as a small table: the slowest GPUs by compute-busy time, the
 * slowest one's busy time and its excess over the mean GPU, its expert tokens against the mean,
 * and the expert imbalance (what the most loaded GPU's expert GEMMs add over the mean GPU's,
 * summed over layers, and its share of the step).
 */
export function stragglerTable(result: Pick<ResultFile, 'stragglers'>, shown = 3): string[] {
  // A schedule with no compute at all (the a2a benchmark) has no straggler to name.
  const list = (result.stragglers ?? []).filter((s) => s.meanBusyUs > 0);
  if (list.length === 0) return [];
  const header = ['schedule', 'slowest GPUs', 'busy', 'vs mean', 'expert tokens', 'expert imbalance'];
  const rows = list.map((s) => {
    const top = s.slowest[0]!;
    return [
      s.schedule,
      s.slowest.slice(0, shown).map((g) => g.gpu).join(', '),
      formatUs(top.busyUs),
      `+${formatUs(s.slowestOverMeanUs)}`,
      top.expertTokens === undefined ? '' : `${fmt(top.expertTokens, 0)} / ${fmt(s.meanExpertTokens, 0)} mean`,
      `${formatUs(s.expertImbalanceUs)} (${fmt(s.expertImbalanceShare * 100, 1)}%)`,
    ];
  });
  return [
    'stragglers: slowest GPUs by compute-busy time; expert imbalance = the most loaded GPU\'s expert GEMMs over the mean GPU\'s, summed over layers',
    formatTable(header, rows),
  ];
}
