// Per-GPU busy and exposed-communication time from a timeline (docs/metrics.md):
//   compute busy  = |union of compute-kind spans on the GPU|
//   exposed comm  = |union of comm-kind spans on the GPU  minus  compute busy|
// i.e. time the GPU communicates while none of its compute runs. Serial schedules put their
// exchanges on the compute stream; they still count as communication (their kind says so).
import type { Span } from '../ops/index.ts';
import { isCommKind } from '../core/index.ts';

export interface GpuBusy {
  computeNs: Float64Array;
  exposedCommNs: Float64Array;
}

export function busyTime(spans: readonly Span[], gpus: number): GpuBusy {
  const compute: [number, number][][] = Array.from({ length: gpus }, () => []);
  const comm: [number, number][][] = Array.from({ length: gpus }, () => []);
  for (const s of spans) {
    if (s.endNs <= s.startNs) continue;
    (isCommKind(s.kind) ? comm : compute)[s.gpu]!.push([s.startNs, s.endNs]);
  }
  const computeNs = new Float64Array(gpus);
  const exposedCommNs = new Float64Array(gpus);
  for (let g = 0; g < gpus; g++) {
    const busy = union(compute[g]!);
    computeNs[g] = length(busy);
    exposedCommNs[g] = length(subtract(union(comm[g]!), busy));
  }
  return { computeNs, exposedCommNs };
}

/** Sorted, disjoint union of intervals. */
export function union(intervals: [number, number][]): [number, number][] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** a minus b, both sorted and disjoint. */
export function subtract(a: [number, number][], b: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let j = 0;
  for (const [s0, e] of a) {
    let s = s0;
    while (j < b.length && b[j]![1] <= s) j++;
    let k = j;
    while (k < b.length && b[k]![0] < e) {
      if (b[k]![0] > s) out.push([s, b[k]![0]]);
      s = Math.max(s, b[k]![1]);
      k++;
    }
    if (s < e) out.push([s, e]);
  }
  return out;
}

export function length(intervals: [number, number][]): number {
  return intervals.reduce((sum, [s, e]) => sum + (e - s), 0);
}
