// serial: no overlap. Every op, communication included, runs on the compute stream in model
// order, so each exchange is fully exposed. The baseline every other schedule is measured against.
import { interleave, layerInModelOrder, stepTail } from './blocks.ts';
import { defineSchedule } from './define-schedule.ts';
import type { Handle } from './emitter.ts';
import { STREAMS } from '../core/index.ts';
import { trainStep } from './train-step.ts';

export const serial = defineSchedule({
  name: 'serial',
  summary: 'no overlap: dispatch and combine block the compute stream',
  phases: ['decode', 'prefill', 'train'],
  microBatches: (w) => (w.phase === 'train' ? (w.gradientAccumulation ?? 1) : 1),
  applies: () => ({ ok: true }),
  build(e, costs) {
    if (e.plan.input.workload.phase === 'train') return trainStep(e, costs, { chunks: 1, overlap: false });
    let entry: Handle[] = [];
    for (let layer = 0; layer < e.plan.layers; layer++) {
      [entry] = interleave([layerInModelOrder({ e, costs, layer, mb: 0, commStream: STREAMS.compute }, entry)]);
    }
    stepTail(e, costs, 0, entry, STREAMS.compute);
  },
});
