// The cost of one compute op on one GPU: dense FLOPs (2 per multiply-add) and HBM bytes moved
// (weights read + activations read and written), plus the tensor-core rate it runs at. The
// schedules turn an OpCost into time with sim/cost/roofline.ts computeTimeNs().
//
// Byte sizes per element (the only constants here):
//   bf16 weight or activation: 2 B.
//   fp8 weight: 1 B + one FP32 scale per 128x128 block = 1 + 4/16384 B (DeepSeek-V3 tech report
//     §3.3 fine-grained quantization; config quantization_config weight_block_size [128, 128]).
//   fp8 activation (GEMM input): 1 B + one FP32 scale per 1x128 group = 1 + 4/128 B (same section;
//     also what DeepEP sends for an FP8 token: hidden + hidden/128 * 4 bytes).
// One GEMM y[m,n] = x[m,k] W[k,n]:
//   flops = 2 m k n
//   bytes = k n * weightB + m k * activationB(input) + m n * outB   (outB = 2: BF16 output)
// i.e. every operand crosses HBM exactly once (no re-reads across tiles, no L2 reuse across ops).
// Each cost also lists the kernels the op launches (sim/hardware kernel-shapes.ts), so the
// kernel-tables compute model can time each by its shape; their FLOPs and bytes sum to the op's.
import type { Dtype } from '../core/index.ts';
import type { GemmLayout, KernelShape } from '../hardware/index.ts';

export interface OpCost {
  /** Dense FLOPs, 2 per multiply-add. */
  flops: number;
  /** HBM bytes read plus written. */
  bytes: number;
  /** Which tensor-core rate the FLOPs run at. */
  dtype: Dtype;
  /** The op's kernels in launch order (absent: timed by its FLOPs and bytes alone). */
  kernels?: readonly KernelShape[];
}

export const BF16_BYTES = 2;
export const FP32_BYTES = 4;
/** FP8 block-scaling granularity (DeepSeek-V3 §3.3: 1x128 activation tiles, 128x128 weight blocks). */
export const FP8_GROUP = 128;

/** Bytes per weight parameter stored in `dtype`, including FP8 block scales. */
export function weightBytesPerParam(dtype: Dtype): number {
  return dtype === 'fp8' ? 1 + FP32_BYTES / (FP8_GROUP * FP8_GROUP) : BF16_BYTES;
}

/** Bytes per activation element fed to a GEMM that runs in `dtype`, including FP8 group scales. */
export function activationBytesPerElement(dtype: Dtype): number {
  return dtype === 'fp8' ? 1 + FP32_BYTES / FP8_GROUP : BF16_BYTES;
}

export const ZERO_COST: OpCost = Object.freeze({ flops: 0, bytes: 0, dtype: 'bf16' });

export interface GemmShape {
  /** Rows of the activation (tokens). */
  m: number;
  /** Reduction dimension. */
  k: number;
  /** Output columns. */
  n: number;
  /** Weight and compute dtype (FP8 GEMMs read FP8-quantised inputs). */
  weights: Dtype;
  /** Bytes per output element; default 2 (BF16). */
  outBytesPerElement?: number;
  /** Read the weight matrix (false for a GEMM whose weights another op already counted). */
  readWeights?: boolean;
}

/** One dense GEMM y[m,n] = x[m,k] W[k,n] (formula in the header). */
export function gemmCost(g: GemmShape): OpCost {
  const { m, k, n, weights } = g;
  const outB = g.outBytesPerElement ?? BF16_BYTES;
  const weightBytes = g.readWeights === false ? 0 : k * n * weightBytesPerParam(weights);
  const flops = 2 * m * k * n;
  const bytes = weightBytes + m * k * activationBytesPerElement(weights) + m * n * outB;
  return { flops, bytes, dtype: weights, kernels: [{ kind: 'gemm', m, n, k, groups: 1, layout: 'dense', dtype: weights, flops, bytes, weightBytes }] };
}

/** A grouped GEMM: `groups` weight matrices [k,n], `rows` token rows in all (bytes as the caller counts them). */
export function groupedGemmKernel(o: { rows: number; groups: number; n: number; k: number; layout: GemmLayout; dtype: Dtype; bytes: number; weightBytes: number }): KernelShape {
  return {
    kind: 'gemm',
    m: o.groups > 0 ? o.rows / o.groups : 0,
    n: o.n,
    k: o.k,
    groups: o.groups,
    layout: o.layout,
    dtype: o.dtype,
    flops: 2 * o.rows * o.n * o.k,
    bytes: o.bytes,
    weightBytes: o.weightBytes,
  };
}

/** The kernels of a cost; a cost without a list counts as one plain kernel of its FLOPs and bytes. */
export function kernelsOf(c: OpCost): readonly KernelShape[] {
  if (c.kernels) return c.kernels;
  return c.flops > 0 || c.bytes > 0 ? [{ kind: 'plain', dtype: c.dtype, flops: c.flops, bytes: c.bytes }] : [];
}

/**
 * Sum of several ops run as one. The dtype is theirs when they agree; when FP8 and BF16 parts are
 * mixed it is 'bf16', which times the FP8 FLOPs at the BF16 rate (at most 2x too slow on the compute
 * side; the memory side is exact). Schedules that care cost the parts separately.
 */
export function sumCosts(costs: readonly OpCost[]): OpCost {
  let flops = 0;
  let bytes = 0;
  const dtypes = new Set<Dtype>();
  const kernels: KernelShape[] = [];
  let anyKernels = false;
  for (const c of costs) {
    flops += c.flops;
    bytes += c.bytes;
    if (c.flops > 0 || c.bytes > 0) dtypes.add(c.dtype);
    if (c.kernels) anyKernels = true;
    kernels.push(...kernelsOf(c));
  }
  const dtype: Dtype = dtypes.size === 1 ? [...dtypes][0] : 'bf16';
  return anyKernels ? { flops, bytes, dtype, kernels } : { flops, bytes, dtype };
}

/**
 * `times` identical copies of an op run as one batched launch (e.g. one small GEMM per attention
 * head): a GEMM becomes a grouped GEMM with `times` x the groups (masked layout: every group has
 * the same rows), any other kernel `times` as much work.
 */
export function scaleCost(c: OpCost, times: number): OpCost {
  const out: OpCost = { flops: c.flops * times, bytes: c.bytes * times, dtype: c.dtype };
  if (!c.kernels) return out;
  out.kernels = c.kernels.map((k): KernelShape =>
    k.kind === 'gemm'
      ? { ...k, groups: k.groups * times, layout: 'masked', flops: k.flops * times, bytes: k.bytes * times, weightBytes: k.weightBytes * times }
      : { ...k, flops: k.flops * times, bytes: k.bytes * times },
  );
  return out;
}

/** Throws unless `value` is a finite number >= 0 (integer when asked), naming the field. */
export function checkCount(field: string, value: number, integer = true): void {
  if (!(Number.isFinite(value) && value >= 0 && (!integer || Number.isInteger(value)))) {
    throw new RangeError(`${field} must be a ${integer ? 'non-negative integer' : 'finite number >= 0'}; got ${value}`);
  }
}

/** Throws unless `tp` is a positive integer dividing `total`, naming both. */
export function checkSplit(what: string, total: number, tp: number): void {
  if (!(Number.isInteger(tp) && tp >= 1)) throw new RangeError(`tp must be a positive integer; got ${tp}`);
  if (total % tp !== 0) throw new RangeError(`tp=${tp} must divide ${what} (${total})`);
}
