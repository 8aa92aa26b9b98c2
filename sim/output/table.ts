// The comparison table `epsim run` prints (the dashboard shows the same columns).
import type { ScheduleMetrics } from '../core/index.ts';

// MFU (training) and the memory split (weights incl. training's gradients and optimizer states /
// KV cache / activations / communication buffers, GiB) come last, so earlier columns keep their places.
export const TABLE_COLUMNS = ['schedule', 'step', 'TPOT ms', 'tok/s/user', 'tok/s/GPU', 'exposed comm', 'mem GiB/GPU', '$/M tok', 'MFU', 'GiB W/KV/act/buf'] as const;

export function metricsRow(m: ScheduleMetrics): string[] {
  const fmt = (x: number | undefined, digits: number) => (x === undefined ? '' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const step = m.stepTimeUs >= 10000 ? `${fmt(m.stepTimeUs / 1000, 2)} ms` : `${fmt(m.stepTimeUs, 1)} µs`;
  return [
    m.emulation ? `${m.name}*` : m.name,
    step,
    fmt(m.tpotMs, 2),
    fmt(m.tokensPerSecPerUser, 1),
    fmt(m.tokensPerSecPerGpu, 0),
    `${fmt(m.exposedCommFraction * 100, 1)}%`,
    m.name === 'a2a' ? '' : `${memory(m.memoryGiBPerGpu)} ${m.fitsInMemory ? '' : '(no fit)'}`.trim(),
    fmt(m.costUsdPerMillionTokens, 3),
    m.mfu === undefined ? '' : `${fmt(m.mfu * 100, 1)}%`,
    m.name === 'a2a' || !m.memoryBreakdownGiB ? '' : breakdown(m.memoryBreakdownGiB),
  ];
}

/** weights / KV cache / activations / buffers, one decimal each. */
function breakdown(b: NonNullable<ScheduleMetrics['memoryBreakdownGiB']>): string {
  return [b.weights, b.kvCache, b.activations, b.buffers].map(memory).join('/');
}

/** GiB to one decimal; a small model's few MiB read "<0.1", not a misleading "0.0". */
function memory(gib: number): string {
  return gib > 0 && gib < 0.05 ? '<0.1' : gib.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
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

export function comparisonTable(metrics: ScheduleMetrics[]): string {
  const lines = [formatTable(TABLE_COLUMNS, metrics.map(metricsRow)), ...emulationNotes(metrics)];
  const a2a = metrics.find((m) => m.name === 'a2a');
  if (a2a) {
    lines.push(`dispatch ${a2a.dispatchUs} µs at ${a2a.dispatchGBps} GB/s, combine ${a2a.combineUs} µs at ${a2a.combineGBps} GB/s (bottleneck bandwidth, as DeepEP reports it)`);
  }
  return lines.join('\n');
}

/** The footnote for each schedule marked `name*` in a table (once per schedule, however many rows). */
export function emulationNotes(metrics: readonly ScheduleMetrics[]): string[] {
  const why = new Map<string, string>();
  for (const m of metrics) if (m.emulation && !why.has(m.name)) why.set(m.name, m.emulation);
  return [...why].map(([name, emulation]) => `* ${name} is emulated: ${emulation}`);
}
