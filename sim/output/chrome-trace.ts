// The spans in Chrome Trace Event format (opens in Perfetto and chrome://tracing): one complete
// ("X") event per span, ts and dur in µs; one process per (schedule, GPU), one thread per stream,
// named by metadata ("M") events.
import type { Topology } from '../hardware/index.ts';
import type { Timeline } from '../ops/index.ts';

export interface ChromeTrace {
  traceEvents: Record<string, unknown>[];
  displayTimeUnit: 'ns';
  otherData: Record<string, unknown>;
}

/** GPUs per schedule block of process ids: pid = schedule * PID_BLOCK + gpu. */
const PID_BLOCK = 100000;

export function toChromeTrace(scenario: string, topology: Topology, schedules: { name: string; timeline: Timeline }[]): ChromeTrace {
  const events: Record<string, unknown>[] = [];
  schedules.forEach(({ name, timeline }, si) => {
    const gpus = new Set(timeline.spans.map((s) => s.gpu));
    const streams = [...new Set(timeline.spans.map((s) => s.stream))].sort();
    for (const gpu of [...gpus].sort((a, b) => a - b)) {
      const pid = si * PID_BLOCK + gpu;
      events.push({ ph: 'M', name: 'process_name', pid, tid: 0, args: { name: `${name} · gpu ${gpu} (node ${Math.floor(gpu / topology.gpusPerNode)})` } });
      events.push({ ph: 'M', name: 'process_sort_index', pid, tid: 0, args: { sort_index: pid } });
      streams.forEach((stream, ti) => events.push({ ph: 'M', name: 'thread_name', pid, tid: ti, args: { name: stream } }));
    }
    const tid = new Map(streams.map((s, i) => [s, i]));
    for (const s of timeline.spans) {
      events.push({
        name: s.name,
        cat: s.kind,
        ph: 'X',
        ts: s.startNs / 1000,
        dur: (s.endNs - s.startNs) / 1000,
        pid: si * PID_BLOCK + s.gpu,
        tid: tid.get(s.stream)!,
        args: { schedule: name, ...(s.layer !== undefined ? { layer: s.layer } : {}), ...(s.microBatch !== undefined ? { microBatch: s.microBatch } : {}), bytes: s.bytes, flops: s.flops },
      });
    }
  });
  return { traceEvents: events, displayTimeUnit: 'ns', otherData: { scenario, topology: topology.name, generator: 'epsim' } };
}
