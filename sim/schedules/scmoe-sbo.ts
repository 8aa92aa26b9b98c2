// scmoe-sbo: LongCat-Flash's Single Batch Overlap on the ScMoE layer (arXiv:2509.01322; docs/background.md). One batch, four
// stages per layer, enabled by the shortcut (the MoE reads the stream after the first attention):
//   1. attention 0 alone (then the router);
//   2. dispatch on the comm stream  ||  dense FFN 0 and attention 1's QKV projection;
//   3. expert GEMMs alone;
//   4. combine on the comm stream   ||  attention 1's core attention + output projection, dense FFN 1.
// The next layer waits for both the combine and the dense path.
import { attention, combine, denseFfn, dispatch, experts, router, stepTail, type BlockContext } from './blocks.ts';
import { defineSchedule } from './define-schedule.ts';
import type { Handle } from './emitter.ts';
import { STREAMS } from '../core/index.ts';

export const scmoeSbo = defineSchedule({
  name: 'scmoe-sbo',
  summary: 'ScMoE single-batch overlap: dense FFN and attention 1 hide dispatch and combine',
  phases: ['decode', 'prefill'],
  microBatches: () => 1,
  applies: (model) =>
    model.layout === 'scmoe'
      ? { ok: true }
      : { ok: false, reason: `model '${model.name}' has no ScMoE shortcut (its MoE input is not taken after a first attention block), so scmoe-sbo has nothing to overlap with; use shared-overlap or tbo` },
  build(e, costs) {
    let entry: Handle[] = [];
    for (let layer = 0; layer < e.plan.layers; layer++) {
      const c: BlockContext = { e, costs, layer, mb: 0, commStream: STREAMS.comm };
      const moeLayer = e.plan.moeIndexOf[layer]!;
      const attn0 = attention(c, 'attn0', 'all', entry);
      const r = router(c, [attn0]);
      const d = dispatch(c, moeLayer, [r]);
      const ffn0 = denseFfn(c, 'ffn0', [attn0]);
      const qkv1 = attention(c, 'attn1', 'qkv', [ffn0]);
      const x = experts(c, moeLayer, 'all', [d]);
      const cb = combine(c, moeLayer, [x]);
      const core1 = attention(c, 'attn1', 'core', [qkv1]);
      const out1 = attention(c, 'attn1', 'out', [core1]);
      const ffn1 = denseFfn(c, 'ffn1', [out1]);
      entry = [ffn1, cb];
    }
    stepTail(e, costs, 0, entry);
  },
});
