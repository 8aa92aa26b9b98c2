// The Chrome trace export: spans on one thread never overlap after rounding (read as double µs,
// as viewers add ts + dur, or as whole ns), every thread and process has a sort index, and flow
// arrows run dispatch -> expert GEMM -> combine. Random timelines come from the seeded rng.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/core/rng.ts';
import { chromeTimes, chromeTraceChunks, moeFlows, type ChromeTrace } from '../../sim/output/chrome-trace.ts';
import type { Span, Timeline } from '../../sim/ops/timeline.ts';
import { toyTopology } from '../helpers/toy-topology.ts';

type Event = Record<string, any>;

/** The trace as a reader sees it: the chunks' text, parsed. */
function toChromeTrace(...args: Parameters<typeof chromeTraceChunks>): ChromeTrace & { traceEvents: Event[] } {
  return JSON.parse([...chromeTraceChunks(...args)].join(''));
}

function timelineOf(spans: Span[]): Timeline {
  return {
    spans,
    makespanNs: Math.max(0, ...spans.map((s) => s.endNs)),
    bytesSent: new Float64Array(0),
    bytesReceived: new Float64Array(0),
    linkBytes: new Float64Array(0),
    stats: { events: 0, ops: 0, rateSolves: 0, flowsStarted: 0 },
  };
}

/**
 * A random timeline: per GPU, a compute and a comm stream of back-to-back or gapped spans (times
 * whole or fractional ns, up to seconds), with per layer dispatch -> expert GEMM -> combine.
 */
function randomTimeline(seed: string, gpus: number, layers: number): Timeline {
  const rng = createRng(seed);
  const spans: Span[] = [];
  let op = 0;
  // Rounded up, so rounding never moves a span before the one it follows.
  const time = (t: number) => (rng.next() < 0.5 ? Math.ceil(t) : t);
  for (let gpu = 0; gpu < gpus; gpu++) {
    let compute = rng.next() * 1e9 * (rng.next() < 0.2 ? 1 : 1e-3);
    let comm = compute;
    const push = (stream: string, kind: string, name: string, layer: number, startNs: number, durNs: number) => {
      const s: Span = { op: op++, gpu, stream, kind, name, layer, microBatch: 0, startNs: time(startNs), endNs: 0, flops: 0, bytes: 0 };
      s.endNs = Math.max(s.startNs, time(startNs + durNs));
      spans.push(s);
      return s.endNs;
    };
    const gap = () => (rng.next() < 0.6 ? 0 : rng.next() * 5000);
    const dur = () => (rng.next() < 0.1 ? 0 : rng.next() * 40000);
    for (let l = 0; l < layers; l++) {
      compute = push('compute', 'attention', `L${l}.mb0.attn`, l, compute + gap(), dur());
      comm = push('comm', 'dispatch', `L${l}.mb0.moe.dispatch`, l, Math.max(comm, compute) + gap(), dur());
      compute = push('compute', 'expert-gemm', `L${l}.mb0.moe.experts`, l, Math.max(compute, comm) + gap(), dur());
      comm = push('comm', 'combine', `L${l}.mb0.moe.combine`, l, Math.max(comm, compute) + gap(), dur());
      compute = push('compute', 'dense-ffn', `L${l}.mb0.ffn`, l, compute + gap(), dur());
    }
  }
  return timelineOf(spans);
}

function byThread(events: Event[]): Map<string, Event[]> {
  const threads = new Map<string, Event[]>();
  for (const e of events) {
    if (e.ph !== 'X') continue;
    const key = `${e.pid}/${e.tid}`;
    if (!threads.has(key)) threads.set(key, []);
    threads.get(key)!.push(e);
  }
  for (const list of threads.values()) list.sort((a, b) => a.ts - b.ts || a.dur - b.dur);
  return threads;
}

describe('chromeTimes()', () => {
  it('keeps ts + dur at or before the next start where exact decimals would overlap (26.324 + 5.655)', () => {
    expect(26.324 + 5.655).toBeGreaterThan(31.979); // why plain division is not enough
    const a = chromeTimes(26324, 31979);
    const b = chromeTimes(31979, 40000);
    expect(a.ts).toBe(26.324);
    expect(a.ts + a.dur).toBeLessThanOrEqual(b.ts);
    expect(Math.round(a.dur * 1000)).toBe(5655);
    expect(chromeTimes(1000, 3500)).toEqual({ ts: 1, dur: 2.5 });
  });

  it('rounds to whole ns with the same rounding at both ends, and never gives a negative dur', () => {
    expect(chromeTimes(10.4, 20.6)).toEqual({ ts: 0.01, dur: 0.011 });
    expect(chromeTimes(5, 5)).toEqual({ ts: 0.005, dur: 0 });
    expect(chromeTimes(5.6, 5.4).dur).toBe(0);
  });

  it('gives the largest fitting dur for short spans late in a long step (a 1 ns span at 1.13 s)', () => {
    // ts + dur moves once per ulp of ts (2.3e-10 µs here) while dur's own ulp is 1e-19 µs: the
    // answer must be found without stepping through dur's ulps one by one.
    const nextUp = (x: number) => {
      const v = new DataView(new ArrayBuffer(8));
      v.setFloat64(0, x);
      v.setBigUint64(0, v.getBigUint64(0) + 1n);
      return v.getFloat64(0);
    };
    const rng = createRng('late-spans');
    let adjusted = 0;
    for (let i = 0; i < 2000; i++) {
      const start = rng.int(2e9);
      const end = start + 1 + rng.int(50);
      const { ts, dur } = chromeTimes(start, end);
      const exact = (end - start) / 1000;
      expect(ts + dur).toBeLessThanOrEqual(end / 1000);
      expect(dur).toBeLessThanOrEqual(exact);
      if (dur < exact) {
        adjusted++;
        expect(ts + nextUp(dur)).toBeGreaterThan(end / 1000);
      }
      expect(Math.round(dur * 1000)).toBe(end - start);
    }
    expect(adjusted).toBeGreaterThan(100); // the case this guards is common at this size, not rare
  });
});

describe('the trace text', () => {
  it('is what JSON.stringify writes for its parsed form, over several chunks', () => {
    const timeline = randomTimeline('text', 40, 30); // 6,000 spans x 3 schedules + metadata and flows: several chunks
    timeline.spans[0]!.layer = undefined;
    timeline.spans[1]!.microBatch = undefined;
    timeline.spans[2]!.name = 'quote " and \\ backslash';
    const chunks = [...chromeTraceChunks('random "scenario"', toyTopology(), [{ name: 'serial', timeline }, { name: 'tbo', timeline }, { name: 'sbo', timeline }])];
    expect(chunks.length).toBeGreaterThan(2);
    const text = chunks.join('');
    const parsed = JSON.parse(text);
    expect(text).toBe(JSON.stringify(parsed));
    expect(parsed.traceEvents.filter((e: Event) => e.ph === 'X')).toHaveLength(3 * timeline.spans.length);
    const x = parsed.traceEvents.find((e: Event) => e.ph === 'X' && e.args.layer === undefined);
    expect(x).toMatchObject({ name: 'L0.mb0.attn', args: { schedule: 'serial', microBatch: 0 } });
    expect(parsed.traceEvents.some((e: Event) => e.name === 'quote " and \\ backslash')).toBe(true);
    expect(parsed.otherData).toEqual({ scenario: 'random "scenario"', topology: toyTopology().name, generator: 'epsim' });
  });

  it('of some GPUs holds exactly their spans, processes and flows, and says which in its metadata', () => {
    const timeline = randomTimeline('subset', 16, 4); // toy topology: 2 nodes x 8 GPUs
    const all = toChromeTrace('s', toyTopology(), [{ name: 'serial', timeline }]);
    const some = toChromeTrace('s', toyTopology(), [{ name: 'serial', timeline }], [3, 9, 10]);
    const gpuOf = (e: Event) => e.pid % 100000;
    expect([...new Set(some.traceEvents.map(gpuOf))].sort((a, b) => a - b)).toEqual([3, 9, 10]);
    // Every event of those GPUs, in the same order, and nothing else.
    const mine = (e: Event) => [3, 9, 10].includes(gpuOf(e));
    const strip = (e: Event) => (e.ph === 's' || e.ph === 'f' ? { ...e, id: 0 } : e);
    expect(some.traceEvents.map(strip)).toEqual(all.traceEvents.filter(mine).map(strip));
    expect(some.traceEvents.filter((e) => e.ph === 'X')).toHaveLength(timeline.spans.filter((x) => [3, 9, 10].includes(x.gpu)).length);
    expect(some.traceEvents.some((e) => e.ph === 's')).toBe(true);
    expect(some.otherData).toEqual({ scenario: 's', topology: toyTopology().name, generator: 'epsim', gpus: '3, 9-10 of 16' });
  });

  it('with no spans is an empty event list', () => {
    const text = [...chromeTraceChunks('empty', toyTopology(), [{ name: 'serial', timeline: timelineOf([]) }])].join('');
    expect(JSON.parse(text)).toEqual({ traceEvents: [], displayTimeUnit: 'ns', otherData: { scenario: 'empty', topology: toyTopology().name, generator: 'epsim' } });
  });
});

describe('toChromeTrace() over random timelines', () => {
  for (const seed of ['a', 'b', 'c', 'd', 'e']) {
    it(`seed ${seed}: no two spans of a thread overlap, read as double µs or as whole ns`, () => {
      const timeline = randomTimeline(seed, 6, 12);
      const trace = toChromeTrace('random', toyTopology(), [{ name: 'serial', timeline }, { name: 'tbo', timeline }]);
      const threads = byThread(trace.traceEvents);
      let pairs = 0;
      for (const list of threads.values()) {
        for (let i = 0; i + 1 < list.length; i++) {
          const [a, b] = [list[i]!, list[i + 1]!];
          expect(a.dur).toBeGreaterThanOrEqual(0);
          expect(a.ts + a.dur).toBeLessThanOrEqual(b.ts);
          expect(Math.round(a.ts * 1000) + Math.round(a.dur * 1000)).toBeLessThanOrEqual(Math.round(b.ts * 1000));
          pairs++;
        }
      }
      expect(pairs).toBeGreaterThan(500);
      // Every span kept its rounded times.
      const x = trace.traceEvents.filter((e) => e.ph === 'X') as Event[];
      expect(x).toHaveLength(timeline.spans.length * 2);
      timeline.spans.forEach((s, i) => {
        expect(Math.round(x[i]!.ts * 1000)).toBe(Math.round(s.startNs));
        expect(Math.round((x[i]!.ts + x[i]!.dur) * 1000)).toBe(Math.max(Math.round(s.startNs), Math.round(s.endNs)));
      });
    });
  }

  it('names and orders every process and thread: compute first, then comm', () => {
    const trace = toChromeTrace('random', toyTopology(), [{ name: 'serial', timeline: randomTimeline('f', 3, 2) }]);
    const meta = trace.traceEvents.filter((e) => e.ph === 'M') as Event[];
    const used = new Set(trace.traceEvents.filter((e) => e.ph === 'X').map((e) => `${e.pid}/${e.tid}`));
    for (const key of used) {
      const [pid, tid] = key.split('/').map(Number);
      expect(meta.some((m) => m.name === 'thread_sort_index' && m.pid === pid && m.tid === tid)).toBe(true);
      expect(meta.some((m) => m.name === 'process_sort_index' && m.pid === pid)).toBe(true);
    }
    const names = meta.filter((m) => m.name === 'thread_name' && m.pid === 1);
    const sort = meta.filter((m) => m.name === 'thread_sort_index' && m.pid === 1);
    expect(names.map((m) => [m.tid, m.args.name])).toEqual([[0, 'compute'], [1, 'comm']]);
    expect(sort.map((m) => [m.tid, m.args.sort_index])).toEqual([[0, 0], [1, 1]]);
  });

  it('draws a flow from every dispatch to the GEMM it feeds and from that GEMM to the combine, inside those spans', () => {
    const timeline = randomTimeline('g', 4, 5);
    const trace = toChromeTrace('random', toyTopology(), [{ name: 'serial', timeline }]);
    const x = trace.traceEvents.filter((e) => e.ph === 'X') as Event[];
    const starts = trace.traceEvents.filter((e) => e.ph === 's') as Event[];
    const ends = new Map((trace.traceEvents.filter((e) => e.ph === 'f') as Event[]).map((e) => [e.id, e]));
    // The slice an arrow end sits in (strictly inside, unless the span lasts 0 ns and touches neighbours).
    const sliceAt = (e: Event, cats: string[]) => {
      const all = x.filter((s) => s.pid === e.pid && s.tid === e.tid && s.ts <= e.ts && e.ts <= s.ts + s.dur && cats.includes(s.cat));
      const inside = all.filter((s) => s.ts < e.ts && e.ts < s.ts + s.dur);
      return inside.length > 0 ? inside : all.filter((s) => s.dur === 0).slice(0, 1);
    };
    const kinds: string[] = [];
    for (const s of starts) {
      const f = ends.get(s.id)!;
      expect(f).toMatchObject({ bp: 'e', cat: s.cat, name: s.name });
      const from = sliceAt(s, ['dispatch', 'expert-gemm']);
      const to = sliceAt(f, ['expert-gemm', 'combine']);
      expect(from).toHaveLength(1);
      expect(to).toHaveLength(1);
      expect(from[0]!.args.layer).toBe(to[0]!.args.layer);
      kinds.push(`${from[0]!.cat}->${to[0]!.cat}`);
    }
    const count = (k: string) => kinds.filter((x) => x === k).length;
    // Every layer of every GPU: one arrow each way (the random gaps never reorder the chain).
    expect(count('dispatch->expert-gemm')).toBe(4 * 5);
    expect(count('expert-gemm->combine')).toBe(4 * 5);
    expect(kinds).toHaveLength(40);
  });
});

describe('moeFlows()', () => {
  const span = (op: number, kind: string, name: string, startNs: number, endNs: number, extra: Partial<Span> = {}): Span => ({
    op,
    gpu: 0,
    stream: kind === 'expert-gemm' ? 'compute' : 'comm',
    kind,
    name,
    layer: 3,
    microBatch: 0,
    startNs,
    endNs,
    flops: 0,
    bytes: 0,
    ...extra,
  });

  it('pairs shared-overlap halves: dispatch -> up GEMM, each half GEMM -> its combine', () => {
    const d = span(0, 'dispatch', 'L3.mb0.moe.dispatch', 0, 10);
    const up = span(1, 'expert-gemm', 'L3.mb0.moe.experts.up', 10, 20);
    const h0 = span(2, 'expert-gemm', 'L3.mb0.moe.experts.half0', 20, 25);
    const c0 = span(3, 'combine', 'L3.mb0.moe.combine.half0', 25, 40);
    const h1 = span(4, 'expert-gemm', 'L3.mb0.moe.experts.half1', 25, 30);
    const c1 = span(5, 'combine', 'L3.mb0.moe.combine.half1', 40, 50);
    expect(moeFlows([d, up, h0, c0, h1, c1]).map(([a, b]) => `${a.op}->${b.op}`)).toEqual(['0->1', '2->3', '4->5']);
  });

  it('runs backward the other way (combine gradient -> GEMM -> dispatch gradient) and keeps micro-batches and GPUs apart', () => {
    const cb = span(0, 'combine', 'L3.mb0.moe.combine.chunk0.bwd', 0, 10);
    const g = span(1, 'expert-gemm', 'L3.mb0.moe.experts.chunk0.bwd', 12, 20);
    const db = span(2, 'dispatch', 'L3.mb0.moe.dispatch.chunk0.bwd', 21, 30);
    const otherMb = span(3, 'combine', 'L3.mb1.moe.combine', 25, 30, { microBatch: 1 });
    const otherGpu = span(4, 'dispatch', 'L3.mb0.moe.dispatch', 0, 5, { gpu: 1 });
    expect(moeFlows([cb, g, db, otherMb, otherGpu]).map(([a, b]) => `${a.op}->${b.op}`)).toEqual(['0->1', '1->2']);
  });
});
