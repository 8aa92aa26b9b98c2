// Which GPUs trace.chrome.json holds. Every GPU up to TRACE_ALL_GPUS_UP_TO; above that, by
// default, the first node and each schedule's slowest GPUs. A 1,024-GPU decode step's full trace
// is ~420 MB of JSON, which chrome://tracing cannot open and Perfetto loads slowly, and most of
// its GPUs look alike: the first node shows the overlap of one NVLink domain and the stragglers
// show what the step waits for. `--trace-gpus all` (or a list) overrides the choice.

/** Clusters up to this many GPUs have every GPU in the trace by default. */
export const TRACE_ALL_GPUS_UP_TO = 256;

/** Slowest GPUs per schedule taken into a default trace (the table prints five; the top ones are the story). */
const STRAGGLERS_PER_SCHEDULE = 3;

/**
 * The GPUs a trace holds, ascending; undefined for all of them. `asked`: what the user asked
 * (`'all'` or ids); otherwise the default above, from `slowestBySchedule` (each schedule's
 * slowest GPUs, slowest first).
 */
export function traceGpus(
  gpus: number,
  gpusPerNode: number,
  slowestBySchedule: readonly (readonly number[])[],
  asked?: 'all' | readonly number[],
): number[] | undefined {
  if (asked === 'all') return undefined;
  if (asked !== undefined) return [...new Set(asked)].sort((a, b) => a - b);
  if (gpus <= TRACE_ALL_GPUS_UP_TO) return undefined;
  const chosen = new Set<number>();
  for (let g = 0; g < Math.min(gpusPerNode, gpus); g++) chosen.add(g);
  for (const slowest of slowestBySchedule) for (const g of slowest.slice(0, STRAGGLERS_PER_SCHEDULE)) chosen.add(g);
  return [...chosen].sort((a, b) => a - b);
}

/** GPU ids as short text: runs of consecutive ids as ranges ("0-7, 150, 406"). */
export function describeGpus(ids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    parts.push(j > i ? `${ids[i]}-${ids[j]}` : `${ids[i]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** "0-7, 150 of 1,024": which of a cluster's `total` GPUs a partial trace holds. */
export function describeGpusOf(ids: readonly number[], total: number): string {
  return `${describeGpus(ids)} of ${total.toLocaleString('en-US')}`;
}

/**
 * Parses `--trace-gpus`: "all", or GPU ids and ranges separated by commas ("0-7,150"), each in
 * 0..gpus-1. Returns the parsed choice or a message saying what is wrong.
 */
export function parseTraceGpus(text: string, gpus: number): { ok: 'all' | number[] } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === 'all') return { ok: 'all' };
  // A mask, not a list: repeated ranges cannot grow it past the cluster.
  const chosen = new Uint8Array(gpus);
  for (const part of trimmed.split(',')) {
    const m = /^\s*(\d{1,9})\s*(?:-\s*(\d{1,9})\s*)?$/.exec(part);
    if (!m) return { error: `expected "all" or GPU ids and ranges like 0-7,150; got "${part.trim()}" in "${text}"` };
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return { error: `range ${from}-${to} runs backwards` };
    if (to >= gpus) return { error: `GPU ${to} is outside this cluster's 0-${gpus - 1}` };
    chosen.fill(1, from, to + 1);
  }
  const ids: number[] = [];
  for (let g = 0; g < gpus; g++) if (chosen[g]) ids.push(g);
  return { ok: ids };
}
