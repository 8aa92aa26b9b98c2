// The shape of an MoE model as the simulator needs it: enough to cost every op of a layer.
// Presets (longcat-flash, deepseek-v3, traced) live in presets.ts and cite their public configs.

export type AttentionSpec =
  | {
      kind: 'mla';
      heads: number;
      qLoraRank: number;
      kvLoraRank: number;
      qkNopeHeadDim: number;
      qkRopeHeadDim: number;
      vHeadDim: number;
    }
  | { kind: 'mha'; heads: number; kvHeads: number; headDim: number };

/**
 * How a layer is wired. `scmoe`: two attention blocks, two dense FFNs and one MoE block whose
 * input is taken after the first attention (LongCat-Flash); `standard`: attention then MoE with
 * optional shared experts (DeepSeek-V3), the first `denseLayers` layers having a dense FFN instead.
 */
export type LayerLayout = 'scmoe' | 'standard';

export interface MoeSpec {
  ffnExperts: number;
  /** Zero-computation (identity) experts: no FLOPs, no traffic. */
  zeroExperts: number;
  topk: number;
  expertHidden: number;
  sharedExperts: number;
  /** Hidden size of each shared expert (usually expertHidden). */
  sharedHidden: number;
}

export interface ModelPreset {
  name: string;
  /** Where the dimensions come from (config file, commit), for results and docs. */
  source: string;
  hidden: number;
  vocab: number;
  /** Layers as schedules see them (LongCat: 28 ScMoE layers, each with 2 attentions). */
  layers: number;
  layout: LayerLayout;
  /** Leading layers with a dense FFN and no MoE (standard layout only). */
  denseLayers: number;
  attention: AttentionSpec;
  /** Dense FFN hidden size (scmoe: both dense FFNs of a layer; standard: the dense layers). */
  denseFfnHidden: number;
  moe: MoeSpec;
  /**
   * The multi-token-prediction draft head, when the checkpoint has one: eh_proj + one decoder layer
   * (one attention block and a dense FFN or an MoE block like the model's) sharing the embedding and
   * LM head. Absent: the model cannot draft tokens itself.
   */
  mtp?: { ffn: 'dense' | 'moe' };
}
