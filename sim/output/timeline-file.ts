// timeline.json for the dashboard: spans column-wise with string tables, plus each GPU's exposed
// communication intervals (communication running while none of that GPU's compute does).
import { gpuCount, type Topology } from '../hardware/index.ts';
import { subtract, union, type GpuSummary } from '../metrics/index.ts';
import type { Span, Timeline } from '../ops/index.ts';
import { COMM_KINDS, isCommKind } from '../core/index.ts';
import { TIMELINE_FORMAT_VERSION, type TimelineFile, type TimelineSchedule } from './formats.ts';

export function toTimelineFile(scenario: string, topology: Topology, schedules: { name: string; timeline: Timeline; gpus?: GpuSummary }[]): TimelineFile {
  const tables = { kinds: new Table(), streams: new Table(), names: new Table() };
  return {
    formatVersion: TIMELINE_FORMAT_VERSION,
    scenario,
    topology: { name: topology.name, nodes: topology.nodes, gpusPerNode: topology.gpusPerNode, gpus: gpuCount(topology) },
    ...(() => {
      const blocks = schedules.map((s) => toBlock(s.name, s.timeline, gpuCount(topology), tables, s.gpus));
      return { kinds: tables.kinds.values, commKinds: [...COMM_KINDS], streams: tables.streams.values, names: tables.names.values, schedules: blocks };
    })(),
  };
}

class Table {
  readonly values: string[] = [];
  private index = new Map<string, number>();
  id(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}

function toBlock(name: string, timeline: Timeline, gpus: number, tables: { kinds: Table; streams: Table; names: Table }, summary?: GpuSummary): TimelineSchedule {
  const spans = inTimelineOrder(timeline.spans);
  const cols: TimelineSchedule['spans'] = { gpu: [], stream: [], kind: [], name: [], layer: [], microBatch: [], startNs: [], endNs: [], flops: [], bytes: [] };
  for (const s of spans) {
    cols.gpu.push(s.gpu);
    cols.stream.push(tables.streams.id(s.stream));
    cols.kind.push(tables.kinds.id(s.kind));
    cols.name.push(tables.names.id(s.name));
    cols.layer.push(s.layer ?? -1);
    cols.microBatch.push(s.microBatch ?? -1);
    cols.startNs.push(s.startNs);
    cols.endNs.push(s.endNs);
    cols.flops.push(s.flops);
    cols.bytes.push(s.bytes);
  }
  const block: TimelineSchedule = { name, makespanNs: timeline.makespanNs, spans: cols, exposed: exposedIntervals(spans, gpus) };
  if (summary) {
    const { busyNs, exposedCommNs, expertGemmNs, expertTokens } = summary;
    block.gpus = { busyNs, exposedCommNs, expertGemmNs, expertTokens };
  }
  return block;
}

/**
 * The spans by GPU, then stream (in localeCompare order of their names), then start, then op: a
 * stable order the dashboard can rely on. Spans come in the order their ops finished, and a
 * stream runs its ops in order, so linearOrder usually has it in linear time (1M-span steps spent
 * most of a second in a comparison sort); for any other list the comparison sort decides.
 */
export function inTimelineOrder(spans: readonly Span[]): Span[] {
  return linearOrder(spans) ?? [...spans].sort(timelineComparator(streamRanks(spans)));
}

/**
 * The timeline order by a counting sort on (GPU, stream), when that is already the whole order:
 * each (GPU, stream)'s spans come by start, then op, as an executor's finishing order has them.
 * Undefined otherwise (and for GPU numbers too sparse to count on).
 */
export function linearOrder(spans: readonly Span[]): Span[] | undefined {
  const rank = streamRanks(spans);
  const byOrder = timelineComparator(rank);
  const streams = rank.size;
  let gpus = 0;
  for (const s of spans) if (s.gpu + 1 > gpus) gpus = s.gpu + 1;
  if (!(Number.isSafeInteger(gpus * streams) && gpus * streams <= 4 * spans.length + 1024)) return undefined;
  const bucketOf = (s: Span) => s.gpu * streams + rank.get(s.stream)!;
  const starts = new Int32Array(gpus * streams + 1);
  for (const s of spans) starts[bucketOf(s) + 1]!++;
  for (let b = 0; b < gpus * streams; b++) starts[b + 1]! += starts[b]!;
  const out: Span[] = new Array(spans.length);
  const fill = starts.slice(0, gpus * streams);
  for (const s of spans) out[fill[bucketOf(s)]!++] = s;
  for (let i = 1; i < out.length; i++) if (byOrder(out[i - 1]!, out[i]!) > 0) return undefined;
  return out;
}

/** Streams by their rank in localeCompare order (one locale-aware comparison per pair of names, not per pair of spans). */
function streamRanks(spans: readonly Span[]): Map<string, number> {
  return new Map([...new Set(spans.map((s) => s.stream))].sort((a, b) => a.localeCompare(b)).map((name, i) => [name, i]));
}

function timelineComparator(rank: Map<string, number>): (a: Span, b: Span) => number {
  return (a, b) => a.gpu - b.gpu || rank.get(a.stream)! - rank.get(b.stream)! || a.startNs - b.startNs || a.op - b.op;
}

function exposedIntervals(spans: Timeline['spans'], gpus: number): [number, number, number][] {
  const compute: [number, number][][] = Array.from({ length: gpus }, () => []);
  const comm: [number, number][][] = Array.from({ length: gpus }, () => []);
  for (const s of spans) if (s.endNs > s.startNs) (isCommKind(s.kind) ? comm : compute)[s.gpu]!.push([s.startNs, s.endNs]);
  const out: [number, number, number][] = [];
  for (let g = 0; g < gpus; g++) for (const [a, b] of subtract(union(comm[g]!), union(compute[g]!))) out.push([g, a, b]);
  return out;
}
