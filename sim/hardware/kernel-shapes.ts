// What a compute op launches, kernel by kernel, in enough detail for a shape-dependent efficiency
// model (kernel-time.ts): the GEMM's M, N, K and layout, the decode attention's batch, heads and
// context, the prefill attention's sequence length and head size. Every kernel also carries its own
// FLOPs and HBM bytes; an op's FLOPs and bytes are the sums over its kernels.
// The cost functions in sim/models build these; the roofline model ignores them.

export type KernelDtype = 'bf16' | 'fp8';

/**
 * How a GEMM's rows are laid out (DeepGEMM's terms, README "Interfaces"): `dense` one matrix;
 * `contiguous` grouped GEMM whose groups' rows are concatenated (MoE prefill and training, each
 * expert its own weights); `masked` grouped GEMM over fixed-size per-group slots of which only the
 * valid rows are computed (MoE decode behind DeepEP's low-latency kernels, and batched per-head GEMMs).
 */
export type GemmLayout = 'dense' | 'contiguous' | 'masked';

export interface GemmKernel {
  kind: 'gemm';
  /** Rows per group (tokens; for a grouped GEMM, the mean over the groups that have rows). */
  m: number;
  /** Output columns. */
  n: number;
  /** Reduction dimension. */
  k: number;
  /** Groups with their own weight matrix (1 for a dense GEMM). */
  groups: number;
  layout: GemmLayout;
  dtype: KernelDtype;
  flops: number;
  bytes: number;
  /** The part of `bytes` that does not grow with m (weight matrices read). */
  weightBytes: number;
}

/** Decode attention over a KV cache (MLA in FlashMLA's absorbed form, or GQA/MHA). */
export interface DecodeAttentionKernel {
  kind: 'decode-attention';
  /** Query rows that share one KV head's reads: q heads per KV head x queries per sequence. */
  rowsPerKvHead: number;
  flops: number;
  bytes: number;
}

/** FlashAttention-style causal attention over whole sequences (prefill and training). */
export interface FlashAttentionKernel {
  kind: 'flash-attention';
  pass: 'forward' | 'backward';
  /** Keys a sequence's last query sees (its length, cached prefix included). */
  sequenceTokens: number;
  /** Head size the kernel runs at (MLA: the mean of the QK and V head sizes). */
  headDim: number;
  causal: boolean;
  flops: number;
  bytes: number;
}

/** Everything else (softmax, top-k, norms, elementwise): bound by its bytes or FLOPs alone. */
export interface PlainKernel {
  kind: 'plain';
  dtype: KernelDtype;
  flops: number;
  bytes: number;
}

export type KernelShape = GemmKernel | DecodeAttentionKernel | FlashAttentionKernel | PlainKernel;

/** The compute-time model a scenario chooses (`compute.model`). */
export const COMPUTE_MODELS = ['kernel-tables', 'roofline'] as const;
export type ComputeModel = (typeof COMPUTE_MODELS)[number];
export const DEFAULT_COMPUTE_MODEL: ComputeModel = 'kernel-tables';
