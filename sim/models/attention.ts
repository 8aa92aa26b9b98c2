// Per-GPU cost of one attention block. T = tokens, C = contextTokens, H = hidden, nh = heads / tp
// (heads and the column/row-parallel weights are split tp ways), GEMM cost as in op-cost.ts.
//
// MLA (qr = qLoraRank, kr = kvLoraRank, dn/dr/dv = nope/rope/v head dims):
// * decode uses the weight-absorbed form. The KV cache holds only the compressed latent
//   (kr + dr = 576 values per token per block, BF16), and W_UK / W_UV are applied to the query and
//   to the attention output instead of to every cached token. The naive form would up-project all
//   C cached latents every step (2 C kr nh (dn+dv) FLOPs per sequence). This is what FlashMLA and
//   SGLang's forward_absorb do in decode.
//     qkv  = q_a [T,H->qr] + kv_a [T,H->kr+dr] (both replicated across tp)
//            + q_b [T,qr->nh(dn+dr)] + absorb W_UK: nh x [T,dn->kr]
//     core = flops 2 T nh C (kr+dr) [scores] + 2 T nh C kr [softmax.V];
//            bytes (T/Q) C (kr+dr) 2 [latent cache, read once per sequence; Q = queriesPerSequence]
//            + T nh (kr+dr) 2 [q] + T nh kr 2 [out]. Each tp rank reads the whole latent (it is
//            shared by all heads), so these bytes do not shrink with tp.
//     out  = W_UV: nh x [T,kr->dv] + o_proj [T,nh dv->H] (row-parallel; the tp all-reduce is a
//            communication op, not costed here)
// * prefill/train use the naive form (SGLang forward_normal): with T ~ C, up-projecting the
//   chunk's own latents is cheaper than attending at width kr+dr.
//     qkv  = q_a + kv_a (replicated) + q_b + kv_b [T,kr->nh(dn+dv)]
//     core = causal over a chunk of C tokens: a token attends on average (C+1)/2 keys;
//            flops 2 T nh (C+1)/2 (dn+dr) + 2 T nh (C+1)/2 dv;
//            bytes T nh (2(dn+dr) + 2 dv) 2 (q, k, v read once, o written once: FlashAttention
//            style, K/V re-reads across query tiles ignored since prefill is compute-bound)
//     out  = o_proj
// MHA (nkv = kv heads per GPU = kvHeads/tp, or 1 replicated head when kvHeads < tp, hd = headDim):
//     qkv  = [T,H->(nh+2 nkv) hd];  out = [T,nh hd->H]
//     core decode  = flops 4 T nh C hd; bytes (T/Q) C 2 nkv hd 2 + 2 T nh hd 2
//     core prefill = flops 4 T nh (C+1)/2 hd; bytes T (2 nh + 2 nkv) hd 2
// Core attention runs in BF16 whatever the weight dtype; softmax exponentials are not tensor-core
// FLOPs and are not counted. `all` = qkv + core + out (sumCosts: 'bf16' when fp8 parts are mixed in).
import type { Dtype } from '../core/index.ts';
import type { AttentionSpec, ModelPreset } from './model-preset.ts';
import { BF16_BYTES, checkCount, checkSplit, gemmCost, scaleCost, sumCosts, type OpCost } from './op-cost.ts';

export type AttentionPart = 'qkv' | 'core' | 'out' | 'all';
export type AttentionPhase = 'decode' | 'prefill' | 'train';

export interface AttentionCostOptions {
  part: AttentionPart;
  /** Query tokens on this GPU (decode: sequences x queriesPerSequence). */
  tokens: number;
  /** Decode: KV-cache length each sequence attends over. Prefill/train: the causal chunk length. */
  contextTokens: number;
  phase: AttentionPhase;
  /** Tensor-parallel degree of attention; heads and weights are split tp ways (per-GPU cost). */
  tp: number;
  weights: Dtype;
  /**
   * Decode only: query tokens per sequence that share one read of its KV cache (MTP verification:
   * 1 + draft tokens). Default 1. `tokens` must be a multiple of it.
   */
  queriesPerSequence?: number;
}

export function attentionCost(model: ModelPreset, o: AttentionCostOptions): OpCost {
  checkCount('attention tokens', o.tokens);
  checkCount('attention contextTokens', o.contextTokens);
  const q = o.queriesPerSequence ?? 1;
  if (!(Number.isInteger(q) && q >= 1 && o.tokens % q === 0)) {
    throw new RangeError(`queriesPerSequence must be a positive integer dividing tokens (${o.tokens}); got ${q}`);
  }
  const a = model.attention;
  const parts = a.kind === 'mla' ? mlaParts(model, a, o, q) : mhaParts(model, a, o, q);
  if (o.part === 'all') return sumCosts([parts.qkv(), parts.core(), parts.out()]);
  return parts[o.part]();
}

interface Parts {
  qkv(): OpCost;
  core(): OpCost;
  out(): OpCost;
}

type MlaSpec = Extract<AttentionSpec, { kind: 'mla' }>;
type MhaSpec = Extract<AttentionSpec, { kind: 'mha' }>;

function mlaParts(model: ModelPreset, a: MlaSpec, o: AttentionCostOptions, queriesPerSequence: number): Parts {
  checkSplit(`attention.heads of '${model.name}'`, a.heads, o.tp);
  const H = model.hidden;
  const nh = a.heads / o.tp;
  const { qLoraRank: qr, kvLoraRank: kr, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv } = a;
  const T = o.tokens;
  const C = o.contextTokens;
  const w = o.weights;
  const decode = o.phase === 'decode';
  return {
    qkv: () => {
      const common = [
        gemmCost({ m: T, k: H, n: qr, weights: w }), // q_a (replicated)
        gemmCost({ m: T, k: H, n: kr + dr, weights: w }), // kv_a_proj_with_mqa (replicated)
        gemmCost({ m: T, k: qr, n: nh * (dn + dr), weights: w }), // q_b (column-parallel)
      ];
      return decode
        ? sumCosts([...common, scaleCost(gemmCost({ m: T, k: dn, n: kr, weights: w }), nh)]) // absorb W_UK
        : sumCosts([...common, gemmCost({ m: T, k: kr, n: nh * (dn + dv), weights: w })]); // kv_b
    },
    core: () => {
      if (decode) {
        const sequences = T / queriesPerSequence;
        return {
          flops: 2 * T * nh * C * (kr + dr) + 2 * T * nh * C * kr,
          bytes: (sequences * C * (kr + dr) + T * nh * (kr + dr) + T * nh * kr) * BF16_BYTES,
          dtype: 'bf16',
        };
      }
      const keys = (C + 1) / 2;
      return {
        flops: 2 * T * nh * keys * (dn + dr) + 2 * T * nh * keys * dv,
        bytes: T * nh * (2 * (dn + dr) + 2 * dv) * BF16_BYTES,
        dtype: 'bf16',
      };
    },
    out: () => {
      const oProj = gemmCost({ m: T, k: nh * dv, n: H, weights: w });
      return decode ? sumCosts([scaleCost(gemmCost({ m: T, k: kr, n: dv, weights: w }), nh), oProj]) : oProj;
    },
  };
}

function mhaParts(model: ModelPreset, a: MhaSpec, o: AttentionCostOptions, queriesPerSequence: number): Parts {
  checkSplit(`attention.heads of '${model.name}'`, a.heads, o.tp);
  let nkv: number;
  if (a.kvHeads >= o.tp) {
    checkSplit(`attention.kvHeads of '${model.name}'`, a.kvHeads, o.tp);
    nkv = a.kvHeads / o.tp;
  } else {
    if (o.tp % a.kvHeads !== 0) throw new RangeError(`attention.kvHeads (${a.kvHeads}) must divide tp (${o.tp})`);
    nkv = 1;
  }
  const H = model.hidden;
  const nh = a.heads / o.tp;
  const hd = a.headDim;
  const T = o.tokens;
  const C = o.contextTokens;
  const w = o.weights;
  return {
    qkv: () => gemmCost({ m: T, k: H, n: (nh + 2 * nkv) * hd, weights: w }),
    core: () => {
      if (o.phase === 'decode') {
        const sequences = T / queriesPerSequence;
        return {
          flops: 4 * T * nh * C * hd,
          bytes: (sequences * C * 2 * nkv * hd + 2 * T * nh * hd) * BF16_BYTES,
          dtype: 'bf16',
        };
      }
      const keys = (C + 1) / 2;
      return { flops: 4 * T * nh * keys * hd, bytes: T * (2 * nh + 2 * nkv) * hd * BF16_BYTES, dtype: 'bf16' };
    },
    out: () => gemmCost({ m: T, k: nh * hd, n: H, weights: w }),
  };
}

/** KV-cache bytes one token adds to one attention block (MLA: the BF16 latent kr + dr; MHA: K and V). */
export function kvBytesPerTokenPerBlock(model: ModelPreset, tp = 1): number {
  const a = model.attention;
  if (a.kind === 'mla') return (a.kvLoraRank + a.qkRopeHeadDim) * BF16_BYTES;
  const nkv = a.kvHeads >= tp ? a.kvHeads / tp : 1;
  return 2 * nkv * a.headDim * BF16_BYTES;
}
