// A hand-sized preset whose costs can be worked out on paper in the tests:
// H = 4, V = 10, 2 ScMoE layers (4 attention blocks, 4 dense FFNs, 2 MoE layers), MLA with
// 2 heads, qr = 3, kr = 2, dn = 2, dr = 1, dv = 2; dense FFN F = 8; 4 FFN + 2 zero experts, top-2, I = 3.
import type { ModelPreset } from '../../sim/models/model-preset.ts';

export const handPreset: ModelPreset = {
  name: 'hand',
  source: 'test/models/hand-preset.ts',
  hidden: 4,
  vocab: 10,
  layers: 2,
  layout: 'scmoe',
  denseLayers: 0,
  attention: { kind: 'mla', heads: 2, qLoraRank: 3, kvLoraRank: 2, qkNopeHeadDim: 2, qkRopeHeadDim: 1, vHeadDim: 2 },
  denseFfnHidden: 8,
  moe: { ffnExperts: 4, zeroExperts: 2, topk: 2, expertHidden: 3, sharedExperts: 0, sharedHidden: 0 },
};

/** The same shapes with plain multi-head attention: 2 heads, 1 KV head of width 2. */
export const handMhaPreset: ModelPreset = {
  ...handPreset,
  name: 'hand-mha',
  attention: { kind: 'mha', heads: 2, kvHeads: 1, headDim: 2 },
};
