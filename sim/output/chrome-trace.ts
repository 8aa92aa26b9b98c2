// The spans in Chrome Trace Event format (opens in Perfetto and chrome://tracing): one complete
// ("X") event per span, ts and dur in µs; one process per (schedule, GPU), one thread per stream,
// named and ordered by metadata ("M") events; flow arrows ("s" -> "f") from each dispatch to the
// expert GEMM it feeds and from the expert GEMM to the combine it feeds.
//
// Rounding: viewers add ts + dur in double-precision µs and check that spans of a thread nest or
// follow each other. 26.324 + 5.655 is 31.979000000000003 in doubles, past a next span that starts
// at 31.979, so exact decimal durations are not enough. Times are first rounded to whole ns (the
// same monotone rounding for starts and ends, so spans that touched still touch), and each dur is
// then the largest double whose sum with ts does not pass the span's end (usually the exact
// decimal; a few ulps less where the addition would round up). Read as integer ns
// (Math.round(x * 1000)) the spans touch exactly; read as double µs they never overlap.
import type { Topology } from '../hardware/index.ts';
import { gpuCount } from '../hardware/index.ts';
import { describeGpusOf } from './trace-gpus.ts';
import type { Span, Timeline } from '../ops/index.ts';
import { STREAMS } from '../core/index.ts';

/** The parsed form of the file (for readers and tests; the writer produces its text directly). */
export interface ChromeTrace {
  traceEvents: Record<string, unknown>[];
  displayTimeUnit: 'ns';
  otherData: Record<string, unknown>;
}

/** GPUs per schedule block of process ids: pid = schedule * PID_BLOCK + gpu. */
const PID_BLOCK = 100000;

/** Threads in this order inside every process: compute first, then EP, TP and DP communication. */
const STREAM_ORDER: string[] = [STREAMS.compute, STREAMS.comm, STREAMS.tp, STREAMS.dp];

/** Events per chunk of text. */
const CHUNK_EVENTS = 20000;

/**
 * The trace's JSON text in chunks, produced as they are written (their concatenation is the file;
 * what JSON.stringify of the parsed form gives, byte for byte). Written as text, not built as
 * objects and stringified, and never held whole: a 1,024-GPU step has millions of events (424 MB
 * of text for the wide-EP decode), whose objects cost seconds and whose single string would pass
 * V8's limit on string length (~512 MB) at a few thousand GPUs.
 */
export function* chromeTraceChunks(
  scenario: string,
  topology: Topology,
  schedules: { name: string; timeline: Timeline }[],
  gpus?: readonly number[],
): Generator<string> {
  let batch: string[] = [];
  let opening = '{"traceEvents":[';
  for (const event of traceEvents(topology, schedules, gpus)) {
    batch.push(event);
    if (batch.length < CHUNK_EVENTS) continue;
    yield opening + batch.join(',');
    opening = ',';
    batch = [];
  }
  if (batch.length > 0) {
    yield opening + batch.join(',');
    opening = ',';
  }
  // A trace of some GPUs says which, in the metadata viewers show.
  const subset = gpus ? { gpus: describeGpusOf(gpus, gpuCount(topology)) } : {};
  yield `${opening === ',' ? '' : opening}],"displayTimeUnit":"ns","otherData":${JSON.stringify({ scenario, topology: topology.name, generator: 'epsim', ...subset })}}`;
}

/** Every event of the trace as JSON text, in file order: per schedule its metadata, spans and flows (of `only`'s GPUs, if given). */
function* traceEvents(topology: Topology, schedules: { name: string; timeline: Timeline }[], only?: readonly number[]): Generator<string> {
  let keep: Uint8Array | undefined;
  if (only) {
    keep = new Uint8Array(gpuCount(topology));
    for (const g of only) keep[g] = 1;
  }
  const quoted = new Map<string, string>();
  const q = (text: string): string => {
    let json = quoted.get(text);
    if (json === undefined) quoted.set(text, (json = JSON.stringify(text)));
    return json;
  };
  let flowId = 1;
  for (const [si, { name, timeline: full }] of schedules.entries()) {
    const timeline = keep ? { ...full, spans: full.spans.filter((s) => keep[s.gpu] === 1) } : full;
    const gpus = [...new Set(timeline.spans.map((s) => s.gpu))].sort((a, b) => a - b);
    const streams = [...new Set(timeline.spans.map((s) => s.stream))].sort((a, b) => streamRank(a) - streamRank(b) || a.localeCompare(b));
    const tid = new Map(streams.map((s, i) => [s, i]));
    for (const gpu of gpus) {
      const pid = si * PID_BLOCK + gpu;
      yield `{"ph":"M","name":"process_name","pid":${pid},"tid":0,"args":{"name":${JSON.stringify(`${name} · gpu ${gpu} (node ${Math.floor(gpu / topology.gpusPerNode)})`)}}}`;
      yield `{"ph":"M","name":"process_sort_index","pid":${pid},"tid":0,"args":{"sort_index":${pid}}}`;
      for (const [ti, stream] of streams.entries()) {
        yield `{"ph":"M","name":"thread_name","pid":${pid},"tid":${ti},"args":{"name":${q(stream)}}}`;
        yield `{"ph":"M","name":"thread_sort_index","pid":${pid},"tid":${ti},"args":{"sort_index":${ti}}}`;
      }
    }
    const schedule = `{"schedule":${q(name)}`;
    for (const s of timeline.spans) {
      const { ts, dur } = chromeTimes(s.startNs, s.endNs);
      const layer = s.layer !== undefined ? `,"layer":${s.layer}` : '';
      const microBatch = s.microBatch !== undefined ? `,"microBatch":${s.microBatch}` : '';
      yield `{"name":${q(s.name)},"cat":${q(s.kind)},"ph":"X","ts":${ts},"dur":${dur},"pid":${si * PID_BLOCK + s.gpu},"tid":${tid.get(s.stream)!},` +
        `"args":${schedule}${layer}${microBatch},"bytes":${jsonNumber(s.bytes)},"flops":${jsonNumber(s.flops)}}}`;
    }
    for (const [from, to] of moeFlows(timeline.spans)) {
      const id = flowId++;
      // Each end binds to the slice enclosing its ts ("bp": "e" for the finish): the middle of the
      // span, so a neighbour that touches it at either end is never picked instead.
      yield `{"ph":"s","id":${id},"name":"moe","cat":"moe-flow","ts":${middle(chromeTimes(from.startNs, from.endNs))},"pid":${si * PID_BLOCK + from.gpu},"tid":${tid.get(from.stream)!}}`;
      yield `{"ph":"f","bp":"e","id":${id},"name":"moe","cat":"moe-flow","ts":${middle(chromeTimes(to.startNs, to.endNs))},"pid":${si * PID_BLOCK + to.gpu},"tid":${tid.get(to.stream)!}}`;
    }
  }
}

/** ts and dur (µs) of a span [startNs, endNs): whole ns, and ts + dur never past the end in doubles. */
export function chromeTimes(startNs: number, endNs: number): { ts: number; dur: number } {
  const s = Math.round(startNs);
  const e = Math.max(s, Math.round(endNs));
  const ts = s / 1000;
  const end = e / 1000;
  const dur = (e - s) / 1000;
  return { ts, dur: ts + dur <= end ? dur : largestFitting(ts, dur, end) };
}

/**
 * The largest double d in [0, dur) with ts + d <= end in doubles, when ts + dur rounds past end.
 * ts + d is non-decreasing in d, so bisection at the midpoint keeps lo fitting and hi not until
 * they are adjacent doubles (about 53 halvings; stepping down one ulp of dur at a time would need
 * billions of steps when ts is large and dur small, since ts + d moves only once per ulp of ts).
 * It starts from end - ts where that fits, which is usually within a few ulps of the answer.
 */
function largestFitting(ts: number, dur: number, end: number): number {
  let lo = 0; // fits, since ts <= end
  let hi = dur;
  const near = end - ts;
  if (near > 0 && near < dur && ts + near <= end) lo = near;
  for (;;) {
    const mid = lo + (hi - lo) / 2;
    if (mid === lo || mid === hi) return lo;
    if (ts + mid <= end) lo = mid;
    else hi = mid;
  }
}

/** A number as JSON.stringify writes it (null for NaN and infinities, which JSON cannot hold). */
function jsonNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}

function middle(t: { ts: number; dur: number }): number {
  return t.ts + t.dur / 2;
}

function streamRank(stream: string): number {
  const i = STREAM_ORDER.indexOf(stream);
  return i < 0 ? STREAM_ORDER.length : i;
}

/**
 * The MoE data flow of a timeline on each GPU, per layer and micro-batch: an exchange that brings
 * tokens in (a dispatch; in backward, the combine's gradient exchange) feeds the first expert GEMM
 * that starts after it ends; an exchange that takes results out (a combine; in backward, the
 * dispatch) is fed by the last expert GEMM that ends before it starts. Backward ops are the ones
 * named `*.bwd`. Pure; pairs in timeline order.
 */
export function moeFlows(spans: readonly Span[]): [Span, Span][] {
  const groups = new Map<string, Span[]>();
  for (const s of spans) {
    if (s.layer === undefined || (s.kind !== 'dispatch' && s.kind !== 'combine' && s.kind !== 'expert-gemm')) continue;
    const key = `${s.gpu}/${s.layer}/${s.microBatch ?? -1}/${isBackward(s) ? 'b' : 'f'}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(s);
  }
  const out: [Span, Span][] = [];
  for (const list of groups.values()) {
    const gemms = list.filter((s) => s.kind === 'expert-gemm').sort((a, b) => a.startNs - b.startNs || a.op - b.op);
    if (gemms.length === 0) continue;
    for (const x of list) {
      if (x.kind === 'expert-gemm') continue;
      const bringsTokensIn = (x.kind === 'dispatch') !== isBackward(x);
      if (bringsTokensIn) {
        const g = gemms.find((g) => g.startNs >= x.endNs);
        if (g) out.push([x, g]);
      } else {
        let fed: Span | undefined;
        for (const g of gemms) if (g.endNs <= x.startNs && (!fed || g.endNs >= fed.endNs)) fed = g;
        if (fed) out.push([fed, x]);
      }
    }
  }
  return out.sort((a, b) => a[0].startNs - b[0].startNs || a[0].op - b[0].op || a[1].op - b[1].op);
}

function isBackward(s: Span): boolean {
  return s.name.endsWith('.bwd');
}
