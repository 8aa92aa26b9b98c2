// Per-GPU cost of the LM head and of LongCat-Flash's MTP draft head. T = tokens, H = hidden,
// V = vocab, tp = vocab-parallel degree.
//   LM head = final RMSNorm (fused into the GEMM's input read) + [T,H->V/tp], logits written FP32:
//     flops 2 T H V/tp;  bytes H V/tp wB + T H aB + 4 T V/tp
//   MTP draft head = eh_proj [T,2H->H] over concat(enorm(embedding), hnorm(hidden)) + one dense
//     decoder layer (one attention block + one dense FFN) + the LM head. Source: SGLang
//     python/sglang/srt/models/longcat_flash_nextn.py (sgl-project/sglang, LongcatFlashModelNextN:
//     eh_proj, LongcatFlashDenseDecoderLayer = one MLA + one LongcatFlashMLP of intermediate_size =
//     ffn_hidden_size, final_layernorm, lm_head). The embedding lookup's T H 2 bytes are the
//     embedding half of eh_proj's input. DeepSeek-V3's MTP block has an MoE FFN instead; this
//     function models it with the dense FFN, which under-counts its expert work.
import type { Dtype } from '../core/index.ts';
import { attentionCost } from './attention.ts';
import { denseFfnCost } from './ffn.ts';
import type { ModelPreset } from './model-preset.ts';
import { FP32_BYTES, checkCount, checkSplit, gemmCost, sumCosts, type OpCost } from './op-cost.ts';

export interface LmHeadCostOptions {
  tokens: number;
  weights: Dtype;
  /** Vocab-parallel degree (the attention tp); must divide vocab. Default 1. */
  tp?: number;
}

/** Final norm + vocabulary projection for `tokens` tokens (header formula). */
export function lmHeadCost(model: ModelPreset, o: LmHeadCostOptions): OpCost {
  checkCount('LM head tokens', o.tokens);
  const tp = o.tp ?? 1;
  checkSplit(`vocab of '${model.name}'`, model.vocab, tp);
  return gemmCost({ m: o.tokens, k: model.hidden, n: model.vocab / tp, weights: o.weights, outBytesPerElement: FP32_BYTES });
}

export interface MtpDraftCostOptions {
  /** Draft tokens computed this pass (decode: one per sequence per draft position). */
  tokens: number;
  weights: Dtype;
  /**
   * KV-cache length the draft layer's attention reads (it keeps its own cache). Default 0, which
   * leaves the draft's core attention out; pass the decode context length to include it.
   */
  contextTokens?: number;
  /** Attention tensor-parallel degree. Default 1. */
  tp?: number;
}

/** One forward pass of the MTP draft head (eh_proj + one dense decoder layer + LM head), per GPU. */
export function mtpDraftCost(model: ModelPreset, o: MtpDraftCostOptions): OpCost {
  checkCount('MTP draft tokens', o.tokens);
  const tp = o.tp ?? 1;
  const T = o.tokens;
  return sumCosts([
    gemmCost({ m: T, k: 2 * model.hidden, n: model.hidden, weights: o.weights }), // eh_proj (replicated)
    attentionCost(model, { part: 'all', tokens: T, contextTokens: o.contextTokens ?? 0, phase: 'decode', tp, weights: o.weights }),
    denseFfnCost(model, { tokens: T, tp, weights: o.weights }),
    lmHeadCost(model, { tokens: T, weights: o.weights, tp }),
  ]);
}
