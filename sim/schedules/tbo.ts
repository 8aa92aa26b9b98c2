// tbo: DeepSeek's Two-Batch Overlap. The step's tokens split into two micro-batches; each runs
// its layers in model order, and the two alternate stage by stage on the compute stream so one
// computes while the other's dispatch or combine is on the network. Nothing is reordered inside a
// micro-batch (the ScMoE shortcut is not used), so overlap comes only from the other micro-batch.
import { interleave, layerInModelOrder, stepTail } from './blocks.ts';
import { defineSchedule } from './define-schedule.ts';
import type { Handle } from './emitter.ts';
import { STREAMS } from '../core/index.ts';

export const tbo = defineSchedule({
  name: 'tbo',
  summary: 'two micro-batches alternate: one computes while the other communicates',
  phases: ['decode', 'prefill'],
  microBatches: () => 2,
  applies: () => ({ ok: true }),
  build(e, costs) {
    let entries: Handle[][] = [[], []];
    for (let layer = 0; layer < e.plan.layers; layer++) {
      entries = interleave([0, 1].map((mb) => layerInModelOrder({ e, costs, layer, mb, commStream: STREAMS.comm }, entries[mb]!)));
    }
    [0, 1].forEach((mb) => stepTail(e, costs, mb, entries[mb]!));
  },
});
