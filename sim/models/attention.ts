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
//     Causal attention is per sequence: the T tokens are sequences of n new tokens, each with p
//     tokens of its prefix already in the KV cache (prefix-cache hits, or the earlier chunks of a
//     chunked prefill). Attended (query, key) pairs: S = sum over sequences of n p + n (n+1)/2
//     (a token sees the cached prefix and the new tokens up to itself). P = sum of p (cached rows).
//     qkv  = q_a + kv_a (replicated) + q_b + kv_b [T+P,kr->nh(dn+dv)] (the cached latents are
//            up-projected too, as SGLang's chunked-prefix path does)
//     core = flops 2 S nh (dn+dr) + 2 S nh dv;
//            bytes (T nh (2(dn+dr) + 2 dv) + P nh ((dn+dr) + dv)) 2 (q, k, v read once, o written
//            once, the prefix's k and v read: FlashAttention style, K/V re-reads across query tiles
//            ignored since prefill is compute-bound)
//     out  = o_proj
//   Without a sequence description, T tokens are T / C sequences of C tokens (S = T (C+1)/2).
// MHA (nkv = kv heads per GPU = kvHeads/tp, or 1 replicated head when kvHeads < tp, hd = headDim):
//     qkv  = [T,H->(nh+2 nkv) hd];  out = [T,nh hd->H]
//     core decode  = flops 4 T nh C hd; bytes (T/Q) C 2 nkv hd 2 + 2 T nh hd 2
//     core prefill = flops 4 S nh hd; bytes (T (2 nh + 2 nkv) + 2 P nkv) hd 2
// Kernels: every projection is a GEMM (the per-head absorb GEMMs one batched launch); decode core
// attention is one decode-attention kernel (query rows per KV head = heads per KV head x Q); prefill
// core attention one causal FlashAttention kernel at the sequences' mean length (p + n).
// Core attention runs in BF16 whatever the weight dtype; softmax exponentials are not tensor-core
// FLOPs and are not counted. `all` = qkv + core + out (sumCosts: 'bf16' when fp8 parts are mixed in).
import type { Dtype } from '../core/index.ts';
import type { AttentionSpec, ModelPreset } from './model-preset.ts';
import { BF16_BYTES, checkCount, checkSplit, gemmCost, scaleCost, sumCosts, type OpCost } from './op-cost.ts';

/** Sequences of a prefill or training batch: `count` sequences of `tokens` new tokens after `cached` tokens in the KV cache. */
export interface SequenceGroup {
  tokens: number;
  cached: number;
  count: number;
}

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
  /**
   * Prefill/train: the sequences the tokens belong to (their new tokens must add up to `tokens`).
   * Default: tokens / contextTokens sequences of contextTokens tokens, nothing cached.
   */
  sequences?: readonly SequenceGroup[];
  /**
   * Prefill/train: the prefix's keys and values arrive already projected (context-parallel peers
   * send them), so kv_b up-projects only this GPU's own tokens. Default false (cached latents).
   */
  prefixProjected?: boolean;
}

/** Attended pairs, cached rows and the mean sequence length (cached + new) of a prefill batch. */
export function causalWork(sequences: readonly SequenceGroup[]): { pairs: number; cachedRows: number; tokens: number; meanLength: number } {
  let pairs = 0;
  let cachedRows = 0;
  let tokens = 0;
  let lengthWeighted = 0;
  for (const s of sequences) {
    pairs += s.count * (s.tokens * s.cached + (s.tokens * (s.tokens + 1)) / 2);
    cachedRows += s.count * s.cached;
    tokens += s.count * s.tokens;
    lengthWeighted += s.count * s.tokens * (s.cached + s.tokens);
  }
  return { pairs, cachedRows, tokens, meanLength: tokens > 0 ? lengthWeighted / tokens : 0 };
}

function sequencesOf(o: AttentionCostOptions): readonly SequenceGroup[] {
  if (o.sequences) {
    const total = o.sequences.reduce((s, g) => s + g.tokens * g.count, 0);
    if (Math.abs(total - o.tokens) > 1e-6 * Math.max(1, o.tokens)) {
      throw new RangeError(`attention sequences hold ${total} new tokens; tokens is ${o.tokens}`);
    }
    return o.sequences;
  }
  const C = Math.max(1, o.contextTokens);
  return [{ tokens: C, cached: 0, count: o.tokens / C }];
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
  const work = decode ? undefined : causalWork(sequencesOf(o));
  return {
    qkv: () => {
      const common = [
        gemmCost({ m: T, k: H, n: qr, weights: w }), // q_a (replicated)
        gemmCost({ m: T, k: H, n: kr + dr, weights: w }), // kv_a_proj_with_mqa (replicated)
        gemmCost({ m: T, k: qr, n: nh * (dn + dr), weights: w }), // q_b (column-parallel)
      ];
      return decode
        ? sumCosts([...common, scaleCost(gemmCost({ m: T, k: dn, n: kr, weights: w }), nh)]) // absorb W_UK
        : sumCosts([...common, gemmCost({ m: T + (o.prefixProjected ? 0 : work!.cachedRows), k: kr, n: nh * (dn + dv), weights: w })]); // kv_b
    },
    core: () => {
      if (decode) {
        const sequences = T / queriesPerSequence;
        const flops = 2 * T * nh * C * (kr + dr) + 2 * T * nh * C * kr;
        const bytes = (sequences * C * (kr + dr) + T * nh * (kr + dr) + T * nh * kr) * BF16_BYTES;
        // One latent KV head shared by all nh heads: nh x Q query rows per KV read (FlashMLA's MQA mode).
        return { flops, bytes, dtype: 'bf16', kernels: [{ kind: 'decode-attention', rowsPerKvHead: nh * queriesPerSequence, flops, bytes }] };
      }
      const { pairs, cachedRows, meanLength } = work!;
      const flops = 2 * pairs * nh * (dn + dr) + 2 * pairs * nh * dv;
      const bytes = (T * nh * (2 * (dn + dr) + 2 * dv) + cachedRows * nh * (dn + dr + dv)) * BF16_BYTES;
      return {
        flops,
        bytes,
        dtype: 'bf16',
        kernels: [{ kind: 'flash-attention', pass: 'forward', sequenceTokens: meanLength, headDim: (dn + dr + dv) / 2, causal: true, flops, bytes }],
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
  const decode = o.phase === 'decode';
  const work = decode ? undefined : causalWork(sequencesOf(o));
  return {
    qkv: () => gemmCost({ m: T, k: H, n: (nh + 2 * nkv) * hd, weights: w }),
    core: () => {
      if (decode) {
        const sequences = T / queriesPerSequence;
        const flops = 4 * T * nh * C * hd;
        const bytes = (sequences * C * 2 * nkv * hd + 2 * T * nh * hd) * BF16_BYTES;
        return { flops, bytes, dtype: 'bf16', kernels: [{ kind: 'decode-attention', rowsPerKvHead: (nh / nkv) * queriesPerSequence, flops, bytes }] };
      }
      const { pairs, cachedRows, meanLength } = work!;
      const flops = 4 * pairs * nh * hd;
      const bytes = (T * (2 * nh + 2 * nkv) + 2 * cachedRows * nkv) * hd * BF16_BYTES;
      return { flops, bytes, dtype: 'bf16', kernels: [{ kind: 'flash-attention', pass: 'forward', sequenceTokens: meanLength, headDim: hd, causal: true, flops, bytes }] };
    },
    out: () => gemmCost({ m: T, k: nh * hd, n: H, weights: w }),
  };
}

/**
 * What selective recomputation re-runs before an attention block's backward: MLA's up-projections
 * q_b and kv_b (DeepSeek-V3 report §3.2.3 recomputes them and the RMSNorms, which are not GEMMs
 * and are not counted), or for MHA the core attention (Megatron-LM's selective recomputation).
 */
export function attentionRecomputeCost(model: ModelPreset, o: AttentionCostOptions): OpCost {
  const a = model.attention;
  if (a.kind !== 'mla') return attentionCost(model, { ...o, part: 'core' });
  const nh = a.heads / o.tp;
  const rows = o.tokens + (o.prefixProjected || o.phase === 'decode' ? 0 : causalWork(sequencesOf(o)).cachedRows);
  return sumCosts([
    gemmCost({ m: o.tokens, k: a.qLoraRank, n: nh * (a.qkNopeHeadDim + a.qkRopeHeadDim), weights: o.weights }),
    gemmCost({ m: rows, k: a.kvLoraRank, n: nh * (a.qkNopeHeadDim + a.vHeadDim), weights: o.weights }),
  ]);
}

/**
 * Bytes of one token's keys and values that context-parallel ranks exchange, BF16, per GPU: MLA's
 * up-projected per-head keys and values (nh (dn + dv)) plus the RoPE key shared by all heads (dr);
 * MHA's K and V of the GPU's kv heads.
 */
export function contextParallelKvBytesPerToken(model: ModelPreset, tp = 1): number {
  const a = model.attention;
  if (a.kind === 'mla') return ((a.heads / tp) * (a.qkNopeHeadDim + a.vHeadDim) + a.qkRopeHeadDim) * BF16_BYTES;
  const nkv = a.kvHeads >= tp ? a.kvHeads / tp : 1;
  return 2 * nkv * a.headDim * BF16_BYTES;
}

/** KV-cache bytes one token adds to one attention block (MLA: the BF16 latent kr + dr; MHA: K and V). */
export function kvBytesPerTokenPerBlock(model: ModelPreset, tp = 1): number {
  const a = model.attention;
  if (a.kind === 'mla') return (a.kvLoraRank + a.qkRopeHeadDim) * BF16_BYTES;
  const nkv = a.kvHeads >= tp ? a.kvHeads / tp : 1;
  return 2 * nkv * a.headDim * BF16_BYTES;
}
