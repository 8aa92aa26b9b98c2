// Roofline time of one compute op on one GPU, in integer ns:
//
//   timeNs = ceil( max(flops / achieved FLOP/s, bytes / achieved HBM B/s) / smShare + launchOverheadNs )
//
// flops / (tflops * 1e12) s = flops / (tflops * 1e3) ns; bytes / (GBps * 1e9) s = bytes / GBps ns.
// smShare (0, 1] is the fraction of SMs the op keeps while communication kernels hold the rest;
// it slows the whole roofline, not just the FLOP side, since HBM bandwidth is driven by the SMs
// that issue the loads. The launch overhead is a fixed per-kernel cost and does not scale with it.
// Rounded up once, here, so time stays an integer (docs/design.md: integer ns, rounded once).
import type { GpuSpec } from './topology.ts';
import { SimInvariantError } from '../core/index.ts';
import type { ComputeModel, KernelShape } from './kernel-shapes.ts';
import { kernelsTimeNs } from './kernel-time.ts';

export type ComputeDtype = 'bf16' | 'fp8';

export interface ComputeCost {
  flops: number;
  /** HBM bytes read plus written. */
  bytes: number;
  /** Which tensor-core rate the FLOPs run at. */
  dtype: ComputeDtype;
  /** The kernels the op launches, for the kernel-tables model (their FLOPs and bytes sum to the op's). */
  kernels?: readonly KernelShape[];
}

export function computeTimeNs(cost: ComputeCost, gpu: GpuSpec, smShare = 1): number {
  const { flops, bytes, dtype } = cost;
  if (!(flops >= 0 && bytes >= 0 && smShare > 0 && smShare <= 1)) {
    throw new SimInvariantError(`computeTimeNs: need flops >= 0, bytes >= 0, 0 < smShare <= 1; got flops=${flops}, bytes=${bytes}, smShare=${smShare}`);
  }
  const tflops = dtype === 'fp8' ? gpu.fp8Tflops.achieved : gpu.bf16Tflops.achieved;
  const computeNs = flops / (tflops * 1e3);
  const memoryNs = bytes / gpu.hbmGBps.achieved;
  return Math.ceil(Math.max(computeNs, memoryNs) / smShare + gpu.launchOverheadNs);
}

/**
 * An op's time under the scenario's compute model: `roofline` (above, the GPU's achieved figures,
 * one launch per op) or `kernel-tables` (kernel-time.ts, each kernel's efficiency by its shape). An
 * op without a kernel list is timed by the roofline under either model.
 */
export function opTimeNs(cost: ComputeCost, gpu: GpuSpec, model: ComputeModel): number {
  if (model === 'roofline' || !cost.kernels || cost.kernels.length === 0) return computeTimeNs(cost, gpu);
  return kernelsTimeNs(cost.kernels, gpu);
}

/** A string naming everything opTimeNs reads from a cost (for caches of op times). */
export function opCostKey(cost: ComputeCost): string {
  const base = `${cost.flops}/${cost.bytes}/${cost.dtype}`;
  if (!cost.kernels) return base;
  let s = base;
  for (const k of cost.kernels) {
    s += k.kind === 'gemm' ? `|g${k.m},${k.n},${k.k},${k.groups},${k.layout},${k.dtype},${k.flops},${k.bytes},${k.weightBytes}`
      : k.kind === 'decode-attention' ? `|d${k.rowsPerKvHead},${k.flops},${k.bytes}`
      : k.kind === 'flash-attention' ? `|f${k.pass},${k.sequenceTokens},${k.headDim},${k.causal},${k.flops},${k.bytes}`
      : `|p${k.dtype},${k.flops},${k.bytes}`;
  }
  return s;
}
