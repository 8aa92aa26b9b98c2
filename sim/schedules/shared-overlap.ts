// shared-overlap: what SGLang calls "SBO" for DeepSeek (not LongCat's SBO): the shared expert runs
// while the dispatch is on the network, and the combine is sent in two halves, each as soon as the
// down-projection GEMM of its half of the tokens is done, so the second half's GEMM hides the first
// half's combine. On an ScMoE model without shared experts it is emulated: dense FFN 0, which reads
// the same input as the MoE, takes the shared expert's place; attention 1 and FFN 1 wait for the MoE.
// In training (train-step.ts) the exchanges go to the communication stream in model order with
// the shared experts beside the dispatch (an ScMoE model: its dense path beside an unchunked MoE).
import { attention, combine, denseFfn, dispatch, experts, router, sharedExpert, stepTail, type BlockContext } from './blocks.ts';
import { defineSchedule } from './define-schedule.ts';
import type { Handle } from './emitter.ts';
import { STREAMS } from '../core/index.ts';
import { trainStep } from './train-step.ts';

const HALVES = [0, 1];

export const sharedOverlap = defineSchedule({
  name: 'shared-overlap',
  summary: 'shared expert overlaps dispatch; down GEMM halves overlap combine halves (SGLang "SBO")',
  phases: ['decode', 'prefill', 'train'],
  microBatches: (w) => (w.phase === 'train' ? (w.gradientAccumulation ?? 1) : 1),
  applies: (model) =>
    model.moe.sharedExperts > 0
      ? { ok: true }
      : model.layout === 'scmoe'
        ? { ok: true, emulation: `'${model.name}' has no shared expert: dense FFN 0 (same input as the MoE via the ScMoE shortcut) stands in for it` }
        : { ok: false, reason: `model '${model.name}' has no shared expert to overlap the dispatch with` },
  build(e, costs) {
    if (e.plan.input.workload.phase === 'train') return trainStep(e, costs, { chunks: 1, overlap: true });
    let entry: Handle[] = [];
    const scmoe = e.plan.model.layout === 'scmoe';
    for (let layer = 0; layer < e.plan.layers; layer++) {
      const c: BlockContext = { e, costs, layer, mb: 0, commStream: STREAMS.comm };
      const moeLayer = e.plan.moeIndexOf[layer]!;
      const attn = attention(c, scmoe ? 'attn0' : 'attn', 'all', entry);
      if (moeLayer < 0) {
        entry = [denseFfn(c, 'ffn', [attn])];
        continue;
      }
      const r = router(c, [attn]);
      const d = dispatch(c, moeLayer, [r]);
      const shared = scmoe ? denseFfn(c, 'ffn0', [attn]) : sharedExpert(c, [attn])!;
      const up = experts(c, moeLayer, 'up', [d]);
      let previous = up;
      const halves = HALVES.map((h) => {
        previous = experts(c, moeLayer, 'down', [previous], `moe.experts.half${h}`, 0.5);
        return combine(c, moeLayer, [previous], `moe.combine.half${h}`, 0.5);
      });
      if (!scmoe) {
        entry = [...halves, shared];
        continue;
      }
      const attn1 = attention(c, 'attn1', 'all', [shared, ...halves]);
      entry = [denseFfn(c, 'ffn1', [attn1])];
    }
    stepTail(e, costs, 0, entry);
  },
});
