// Parameter counts of a preset, per block and in total (H = hidden, F = denseFfnHidden,
// I = expertHidden, Is = sharedHidden, V = vocab, E = ffnExperts + zeroExperts):
//   MLA block  = H*qr + qr + qr*nh*(dn+dr) + H*(kr+dr) + kr + kr*nh*(dn+dv) + nh*dv*H
//                (q_a, q_a_norm, q_b, kv_a_proj_with_mqa, kv_a_norm, kv_b, o_proj)
//   MHA block  = H*(nh + 2*nkv)*hd + nh*hd*H
//   dense FFN  = 3*H*F (SwiGLU gate, up, down)     FFN expert = 3*H*I     shared = sharedExperts*3*H*Is
//   router     = H*E per MoE layer (the selection-bias vector, E numbers, is left out)
//   norms      = per layer one H-vector per attention block and one per FFN/MoE input
//                (scmoe 4*H, standard 2*H) + the final H-vector
//   embedding  = V*H;  LM head = H*V (untied in both presets)
// Activated parameters per token (the convention of the LongCat-Flash README's 18.6B-31.3B):
// every parameter a token's forward pass multiplies with, i.e. all of the above except the
// embedding table (a lookup) and with the routed experts replaced by ffnExpertsPerToken experts
// per MoE layer. Zero experts have no parameters.
import type { ModelPreset } from './model-preset.ts';
import { attentionBlockCount, denseFfnBlockCount, moeLayerCount } from './presets.ts';

export interface ParamCounts {
  /** All attention blocks, including their internal q/kv latent norms. */
  attention: number;
  denseFfn: number;
  router: number;
  /** Every FFN expert of every MoE layer. */
  routedExperts: number;
  sharedExperts: number;
  /** Layer input norms and the final norm. */
  norms: number;
  embedding: number;
  lmHead: number;
  total: number;
}

/** Parameters of one attention block. */
export function attentionParamsPerBlock(model: ModelPreset): number {
  const H = model.hidden;
  const a = model.attention;
  if (a.kind === 'mla') {
    const { heads: nh, qLoraRank: qr, kvLoraRank: kr, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv } = a;
    return H * qr + qr + qr * nh * (dn + dr) + H * (kr + dr) + kr + kr * nh * (dn + dv) + nh * dv * H;
  }
  return H * (a.heads + 2 * a.kvHeads) * a.headDim + a.heads * a.headDim * H;
}

/**
 * Parameters of one attention block that every tensor-parallel rank holds whole: MLA's q_a and
 * kv_a down-projections and their norms (replicated in SGLang and transformers' tp plan); none for MHA.
 */
export function attentionReplicatedParamsPerBlock(model: ModelPreset): number {
  const a = model.attention;
  if (a.kind !== 'mla') return 0;
  return model.hidden * a.qLoraRank + a.qLoraRank + model.hidden * (a.kvLoraRank + a.qkRopeHeadDim) + a.kvLoraRank;
}

/** Parameters of one dense SwiGLU FFN block: 3 H F. */
export function denseFfnParamsPerBlock(model: ModelPreset): number {
  return 3 * model.hidden * model.denseFfnHidden;
}

/** Parameters of one FFN expert: 3 H I. */
export function expertParams(model: ModelPreset): number {
  return 3 * model.hidden * model.moe.expertHidden;
}

/** Parameters of the shared experts of one MoE layer: sharedExperts x 3 H Is. */
export function sharedExpertParamsPerLayer(model: ModelPreset): number {
  return model.moe.sharedExperts * 3 * model.hidden * model.moe.sharedHidden;
}

/** Router parameters of one MoE layer: H x (ffnExperts + zeroExperts). */
export function routerParamsPerLayer(model: ModelPreset): number {
  return model.hidden * (model.moe.ffnExperts + model.moe.zeroExperts);
}

/** Layer input norms plus the final norm. */
export function normParams(model: ModelPreset): number {
  const perLayer = model.layout === 'scmoe' ? 4 : 2;
  return perLayer * model.hidden * model.layers + model.hidden;
}

export function paramCounts(model: ModelPreset): ParamCounts {
  const moeLayers = moeLayerCount(model);
  const c = {
    attention: attentionBlockCount(model) * attentionParamsPerBlock(model),
    denseFfn: denseFfnBlockCount(model) * denseFfnParamsPerBlock(model),
    router: moeLayers * routerParamsPerLayer(model),
    routedExperts: moeLayers * model.moe.ffnExperts * expertParams(model),
    sharedExperts: moeLayers * sharedExpertParamsPerLayer(model),
    norms: normParams(model),
    embedding: model.vocab * model.hidden,
    lmHead: model.hidden * model.vocab,
  };
  const total = Object.values(c).reduce((s, v) => s + v, 0);
  return { ...c, total };
}

/**
 * Parameters one token multiplies with when it picks `ffnExpertsPerToken` FFN experts in every MoE
 * layer (0..topk; a mean such as 8 is fine): everything but the embedding table and the unpicked
 * experts. LongCat-Flash: 0 -> 18.69e9, 12 -> 31.38e9 (README: 18.6B-31.3B).
 */
export function activatedParamsPerToken(model: ModelPreset, ffnExpertsPerToken: number): number {
  if (!(ffnExpertsPerToken >= 0 && ffnExpertsPerToken <= model.moe.topk)) {
    throw new RangeError(`ffnExpertsPerToken must be within 0..topk (${model.moe.topk}); got ${ffnExpertsPerToken}`);
  }
  const c = paramCounts(model);
  const routed = moeLayerCount(model) * ffnExpertsPerToken * expertParams(model);
  return c.attention + c.denseFfn + c.router + c.sharedExperts + c.norms + c.lmHead + routed;
}

/**
 * Parameters of an MTP draft head beyond the embedding and LM head it shares with the main model
 * (DeepSeek-V3 report §2.2; assumed the same for LongCat-Flash): eh_proj 2H x H, one attention
 * block, one dense FFN, and 5 norm vectors (enorm, hnorm, input, post-attention, final).
 */
export function mtpDraftParams(model: ModelPreset): number {
  const H = model.hidden;
  return 2 * H * H + attentionParamsPerBlock(model) + denseFfnParamsPerBlock(model) + 5 * H;
}
