// Model presets with their public sources, the `traced` preset built from a routing trace's shape,
// and block counts per model:
//   MoE layers        = layers (scmoe) | layers - denseLayers (standard)
//   attention blocks  = 2 * layers (scmoe: two MLA blocks per layer) | layers (standard)
//   dense FFN blocks  = 2 * layers (scmoe: two dense FFNs per layer) | denseLayers (standard)
// Every number below is copied from the cited config; nothing is tuned to an end-to-end result.
import type { TraceModelShape } from '../trace/index.ts';
import type { AttentionSpec, ModelPreset, MoeSpec } from './model-preset.ts';

/**
 * LongCat-Flash (560B). Source, primary: huggingface/transformers
 * src/transformers/models/longcat_flash/configuration_longcat_flash.py (its defaults document the
 * checkpoint meituan-longcat/LongCat-Flash-Chat); secondary: mlx-community/LongCat-Flash-Chat-bf16
 * config.json, which agrees field by field (docs/sources.md).
 * num_layers 28 ScMoE layers (num_hidden_layers 56 counts the sub-layers); the MTP layer is extra
 * and not part of `layers`. No shared experts; zero_expert_type "identity".
 */
export const longcatFlash: ModelPreset = deepFreeze({
  name: 'longcat-flash',
  source:
    'huggingface/transformers src/transformers/models/longcat_flash/configuration_longcat_flash.py ' +
    '(defaults = meituan-longcat/LongCat-Flash-Chat); cross-checked with mlx-community/LongCat-Flash-Chat-bf16 config.json',
  hidden: 6144, // hidden_size
  vocab: 131072, // vocab_size
  layers: 28, // num_layers
  layout: 'scmoe',
  denseLayers: 0,
  attention: {
    kind: 'mla',
    heads: 64, // num_attention_heads (num_key_value_heads defaults to the same)
    qLoraRank: 1536, // q_lora_rank
    kvLoraRank: 512, // kv_lora_rank
    qkNopeHeadDim: 128, // qk_nope_head_dim
    qkRopeHeadDim: 64, // qk_rope_head_dim
    vHeadDim: 128, // v_head_dim
  },
  denseFfnHidden: 12288, // ffn_hidden_size
  moe: {
    ffnExperts: 512, // n_routed_experts
    zeroExperts: 256, // zero_expert_num
    topk: 12, // moe_topk, chosen from 512 + 256
    expertHidden: 2048, // expert_ffn_hidden_size
    sharedExperts: 0,
    sharedHidden: 0,
  },
  // SGLang python/sglang/srt/models/longcat_flash_nextn.py: LongcatFlashDenseDecoderLayer (one MLA + a dense MLP).
  mtp: { ffn: 'dense' },
});

/**
 * DeepSeek-V3 (671B). Source, primary: deepseek-ai/DeepSeek-V3 inference/configs/config_671B.json
 * (commit 9b4e978; docs/sources.md). The 14B MTP module is extra and not part of
 * `layers`. Expert-group-limited routing (8 groups, 4 chosen) only affects placement, not costs.
 */
export const deepseekV3: ModelPreset = deepFreeze({
  name: 'deepseek-v3',
  source: 'deepseek-ai/DeepSeek-V3 inference/configs/config_671B.json (commit 9b4e978)',
  hidden: 7168, // dim
  vocab: 129280, // vocab_size
  layers: 61, // n_layers
  layout: 'standard',
  denseLayers: 3, // n_dense_layers
  attention: {
    kind: 'mla',
    heads: 128, // n_heads
    qLoraRank: 1536, // q_lora_rank
    kvLoraRank: 512, // kv_lora_rank
    qkNopeHeadDim: 128, // qk_nope_head_dim
    qkRopeHeadDim: 64, // qk_rope_head_dim
    vHeadDim: 128, // v_head_dim
  },
  denseFfnHidden: 18432, // inter_dim
  moe: {
    ffnExperts: 256, // n_routed_experts
    zeroExperts: 0,
    topk: 8, // n_activated_experts
    expertHidden: 2048, // moe_inter_dim
    sharedExperts: 1, // n_shared_experts
    sharedHidden: 2048, // the shared expert has moe_inter_dim too
  },
  // DeepSeek-V3 report §2.2 (arXiv 2412.19437): one MTP module whose Transformer block is layer 61 of
  // the checkpoint (HF config.json num_nextn_predict_layers 1), an MoE layer like layers 3-60.
  mtp: { ffn: 'moe' },
});

/**
 * Qwen3-235B-A22B. Source: huggingface.co/Qwen/Qwen3-235B-A22B, config.json (Qwen3MoeForCausalLM):
 * every one of the 94 layers is an MoE layer (decoder_sparse_step 1, mlp_only_layers []), no shared
 * experts, GQA attention with QK-norm (the norms' 2 x 128 weights per layer are not counted), no MTP
 * layer. Totals 235.1e9 parameters, 22.2e9 activated with the embedding (Qwen3 report, arXiv
 * 2505.09388: 235B / 22B).
 */
export const qwen3_235b: ModelPreset = deepFreeze({
  name: 'qwen3-235b-a22b',
  source: 'huggingface.co/Qwen/Qwen3-235B-A22B config.json',
  hidden: 4096, // hidden_size
  vocab: 151936, // vocab_size
  layers: 94, // num_hidden_layers
  layout: 'standard',
  denseLayers: 0, // mlp_only_layers []
  attention: {
    kind: 'mha',
    heads: 64, // num_attention_heads
    kvHeads: 4, // num_key_value_heads
    headDim: 128, // head_dim
  },
  denseFfnHidden: 12288, // intermediate_size (no layer uses a dense FFN)
  moe: {
    ffnExperts: 128, // num_experts
    zeroExperts: 0,
    topk: 8, // num_experts_per_tok
    expertHidden: 1536, // moe_intermediate_size
    sharedExperts: 0,
    sharedHidden: 0,
  },
});

/**
 * Kimi K2 (1T total, 32B activated). Source: huggingface.co/moonshotai/Kimi-K2-Instruct config.json
 * (model_type kimi_k2, the DeepSeek-V3 architecture): MLA with 64 heads, 384 routed experts top-8
 * plus one shared, the first layer dense (first_k_dense_replace 1), no MTP layer
 * (num_nextn_predict_layers 0). Kimi K2 report (arXiv 2507.20534): 1.04T total, 32B activated.
 */
export const kimiK2: ModelPreset = deepFreeze({
  name: 'kimi-k2',
  source: 'huggingface.co/moonshotai/Kimi-K2-Instruct config.json',
  hidden: 7168, // hidden_size
  vocab: 163840, // vocab_size
  layers: 61, // num_hidden_layers
  layout: 'standard',
  denseLayers: 1, // first_k_dense_replace
  attention: {
    kind: 'mla',
    heads: 64, // num_attention_heads
    qLoraRank: 1536, // q_lora_rank
    kvLoraRank: 512, // kv_lora_rank
    qkNopeHeadDim: 128, // qk_nope_head_dim
    qkRopeHeadDim: 64, // qk_rope_head_dim
    vHeadDim: 128, // v_head_dim
  },
  denseFfnHidden: 18432, // intermediate_size
  moe: {
    ffnExperts: 384, // n_routed_experts
    zeroExperts: 0,
    topk: 8, // num_experts_per_tok
    expertHidden: 2048, // moe_intermediate_size
    sharedExperts: 1, // n_shared_experts
    sharedHidden: 2048, // moe_intermediate_size
  },
});

export const MODEL_PRESET_NAMES = ['longcat-flash', 'deepseek-v3', 'qwen3-235b-a22b', 'kimi-k2'] as const;
export type ModelPresetName = (typeof MODEL_PRESET_NAMES)[number];

const PRESETS: Record<ModelPresetName, ModelPreset> = {
  'longcat-flash': longcatFlash,
  'deepseek-v3': deepseekV3,
  'qwen3-235b-a22b': qwen3_235b,
  'kimi-k2': kimiK2,
};

/** The named preset (frozen; spread it to modify). Throws on an unknown name, listing the known ones. */
export function presetByName(name: ModelPresetName): ModelPreset {
  const p = (PRESETS as Record<string, ModelPreset | undefined>)[name];
  if (!p) throw new RangeError(`unknown model preset '${name}'; available: ${MODEL_PRESET_NAMES.join(', ')}`);
  return p;
}

/** Fields a caller may set on a preset built by tracedPreset(); `moe` is merged field by field. */
export type PresetOverrides = Partial<Omit<ModelPreset, 'moe'>> & { moe?: Partial<MoeSpec> };

/** Head width of the epsim model/ presets ('tiny' and 'longcat-shape': 4 heads x 16 = width 64). */
const TRACED_HEAD_DIM = 16;
/** Vocabulary of the epsim model/ presets (byte-level BPE, vocabSize 1024). */
const TRACED_VOCAB = 1024;

/**
 * The shape of the model that produced a trace. The MoE shape (layers, experts, top-k) and the
 * widths `hidden` and `expertHidden` come from the trace header; a header without either width is
 * refused (an Error naming the missing field), unless `overrides` supplies it.
 *
 * The header does not record attention, dense-FFN or vocabulary sizes. They default to the
 * proportions of epsim's own model/ presets ('tiny', 'longcat-shape'), which write these traces:
 * MLA with heads x 16 = hidden, qRank = kvRank = hidden / 2, no RoPE part (learned positions),
 * dense FFN hidden = 2 x hidden, vocabulary 1024. A trace from another model should pass its real
 * dimensions in `overrides`. Layout is 'scmoe' (the epsim models are ScMoE), no shared experts.
 */
export function tracedPreset(shape: TraceModelShape, overrides: PresetOverrides = {}): ModelPreset {
  const hidden = overrides.hidden ?? shape.hidden;
  const expertHidden = overrides.moe?.expertHidden ?? shape.expertHidden;
  const missing: string[] = [];
  if (hidden === undefined) missing.push('hidden (model width)');
  if (expertHidden === undefined) missing.push('expertHidden (FFN expert hidden size)');
  if (hidden === undefined || expertHidden === undefined) {
    throw new Error(
      `traced preset: the trace's model shape '${shape.name}' has no ${missing.join(' and no ')}; ` +
        're-export the trace with it (epsim trace writes both) or give it in the preset overrides',
    );
  }
  const headDim = hidden % TRACED_HEAD_DIM === 0 ? TRACED_HEAD_DIM : hidden;
  const rank = Math.max(1, Math.floor(hidden / 2));
  const attention: AttentionSpec = {
    kind: 'mla',
    heads: hidden / headDim,
    qLoraRank: rank,
    kvLoraRank: rank,
    qkNopeHeadDim: headDim,
    qkRopeHeadDim: 0,
    vHeadDim: headDim,
  };
  const preset: ModelPreset = {
    name: `traced:${shape.name}`,
    source:
      `routing trace of '${shape.name}': MoE shape, hidden and expertHidden from the trace header; attention, ` +
      'dense FFN and vocabulary from epsim model/ preset proportions unless overridden',
    hidden,
    vocab: TRACED_VOCAB,
    layers: shape.layers,
    layout: 'scmoe',
    denseLayers: 0,
    attention,
    denseFfnHidden: 2 * hidden,
    ...overrides,
    moe: {
      ffnExperts: shape.ffnExperts,
      zeroExperts: shape.zeroExperts,
      topk: shape.topk,
      expertHidden,
      sharedExperts: 0,
      sharedHidden: 0,
      ...overrides.moe,
    },
  };
  checkPreset(preset);
  return preset;
}

/** Throws a RangeError listing every field of `p` that is not a usable size. */
export function checkPreset(p: ModelPreset): void {
  const bad: string[] = [];
  const positive = (field: string, v: number) => {
    if (!(Number.isInteger(v) && v >= 1)) bad.push(`${field} must be a positive integer; got ${v}`);
  };
  const nonNegative = (field: string, v: number) => {
    if (!(Number.isInteger(v) && v >= 0)) bad.push(`${field} must be a non-negative integer; got ${v}`);
  };
  positive('hidden', p.hidden);
  positive('vocab', p.vocab);
  positive('layers', p.layers);
  positive('denseFfnHidden', p.denseFfnHidden);
  nonNegative('denseLayers', p.denseLayers);
  if (p.layout === 'scmoe' && p.denseLayers !== 0) bad.push(`denseLayers must be 0 for layout 'scmoe'; got ${p.denseLayers}`);
  if (p.denseLayers > p.layers) bad.push(`denseLayers (${p.denseLayers}) must not exceed layers (${p.layers})`);
  const a = p.attention;
  positive('attention.heads', a.heads);
  if (a.kind === 'mla') {
    positive('attention.qLoraRank', a.qLoraRank);
    positive('attention.kvLoraRank', a.kvLoraRank);
    positive('attention.qkNopeHeadDim', a.qkNopeHeadDim);
    nonNegative('attention.qkRopeHeadDim', a.qkRopeHeadDim);
    positive('attention.vHeadDim', a.vHeadDim);
  } else {
    positive('attention.kvHeads', a.kvHeads);
    positive('attention.headDim', a.headDim);
    if (a.heads % a.kvHeads !== 0) bad.push(`attention.kvHeads (${a.kvHeads}) must divide attention.heads (${a.heads})`);
  }
  const m = p.moe;
  positive('moe.ffnExperts', m.ffnExperts);
  nonNegative('moe.zeroExperts', m.zeroExperts);
  positive('moe.topk', m.topk);
  positive('moe.expertHidden', m.expertHidden);
  nonNegative('moe.sharedExperts', m.sharedExperts);
  nonNegative('moe.sharedHidden', m.sharedHidden);
  if (m.topk > m.ffnExperts + m.zeroExperts) {
    bad.push(`moe.topk (${m.topk}) must not exceed ffnExperts + zeroExperts (${m.ffnExperts + m.zeroExperts})`);
  }
  if (m.sharedExperts > 0 && m.sharedHidden < 1) bad.push(`moe.sharedHidden must be positive when sharedExperts > 0; got ${m.sharedHidden}`);
  if (bad.length) throw new RangeError(`model preset '${p.name}': ${bad.join('; ')}`);
}

/** MoE layers: every layer for scmoe, layers - denseLayers for standard. */
export function moeLayerCount(model: ModelPreset): number {
  return model.layout === 'scmoe' ? model.layers : model.layers - model.denseLayers;
}

/** Attention blocks in the whole model (scmoe: 2 per layer). */
export function attentionBlockCount(model: ModelPreset): number {
  return model.layout === 'scmoe' ? 2 * model.layers : model.layers;
}

/** Dense FFN blocks in the whole model (scmoe: 2 per layer; standard: the leading dense layers). */
export function denseFfnBlockCount(model: ModelPreset): number {
  return model.layout === 'scmoe' ? 2 * model.layers : model.denseLayers;
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}
