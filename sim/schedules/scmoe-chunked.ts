// scmoe-chunked: LongCat-Flash's training overlap. The ScMoE shortcut lets the dense path hide the
// MoE's all-to-all, and splitting the MoE into N token chunks lets the chunks' exchanges overlap
// each other and the expert GEMMs (N = 1 is the unchunked case). See train-step.ts.
import { defineSchedule } from './define-schedule.ts';
import { trainStep } from './train-step.ts';

export const scmoeChunked = defineSchedule({
  name: 'scmoe-chunked',
  summary: 'ScMoE training overlap with the MoE split into N token chunks',
  phases: ['train'],
  microBatches: (w) => (w.phase === 'train' ? (w.gradientAccumulation ?? 1) : 1),
  applies: (model) =>
    model.layout === 'scmoe'
      ? { ok: true }
      : { ok: false, reason: `model '${model.name}' has no ScMoE shortcut, so its dense path cannot overlap the MoE exchanges` },
  build(e, costs) {
    const w = e.plan.input.workload;
    trainStep(e, costs, { chunks: w.phase === 'train' ? w.chunks : 1, overlap: true });
  },
});
