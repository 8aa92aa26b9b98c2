// A schedule's result as a worker thread posts it: the spans as columns (sim/ops packSpans), moved
// rather than copied, and everything else as it is.
import { packSpans, unpackSpans, type PackedSpans, type Timeline } from '../ops/index.ts';
import type { ScheduleResult } from '../step/index.ts';

export interface PostedResult extends Omit<ScheduleResult, 'timeline'> {
  timeline: Omit<Timeline, 'spans'>;
  spans: PackedSpans;
}

/** The posted form, and the buffers to transfer with it. */
export function toPosted(result: ScheduleResult): { posted: PostedResult; transfer: ArrayBuffer[] } {
  const { spans, ...timeline } = result.timeline;
  const packed = packSpans(spans);
  return { posted: { ...result, timeline, spans: packed }, transfer: [packed.ints.buffer as ArrayBuffer, packed.floats.buffer as ArrayBuffer] };
}

export function fromPosted(posted: PostedResult): ScheduleResult {
  const { spans, timeline, ...rest } = posted;
  return { ...rest, timeline: { ...timeline, spans: unpackSpans(spans) } };
}
