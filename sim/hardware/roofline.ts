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

/**
 * A string naming everything opTimeNs reads from a cost (for caches of op times): the fields' bits,
 * four UTF-16 code units per number (strings as small codes), not their decimal text. Printing a
 * dozen numbers per kernel cost microseconds per op; this is a copy. Equal costs give equal keys;
 * costs that differ in any field read give different keys (-0 and 0 differ too, costing a miss).
 */
export function opCostKey(cost: ComputeCost): string {
  keyLength = 0;
  put(cost.flops);
  put(cost.bytes);
  put(codeOf(cost.dtype));
  for (const k of cost.kernels ?? []) {
    put(codeOf(k.kind));
    if (k.kind === 'gemm') {
      put(k.m), put(k.n), put(k.k), put(k.groups), put(codeOf(k.layout)), put(codeOf(k.dtype)), put(k.flops), put(k.bytes), put(k.weightBytes);
    } else if (k.kind === 'decode-attention') put(k.rowsPerKvHead), put(k.flops), put(k.bytes);
    else if (k.kind === 'flash-attention') put(codeOf(k.pass)), put(k.sequenceTokens), put(k.headDim), put(k.causal ? 1 : 0), put(k.flops), put(k.bytes);
    else put(codeOf(k.dtype)), put(k.flops), put(k.bytes);
  }
  return String.fromCharCode.apply(null, keyCodes.subarray(0, 4 * keyLength) as unknown as number[]);
}

// The key being built: its numbers so far (module state, not a closure per call: this runs per op).
let keyWords = new Float64Array(64);
let keyCodes = new Uint16Array(keyWords.buffer);
let keyLength = 0;

function put(x: number): void {
  if (keyLength === keyWords.length) growKey();
  keyWords[keyLength++] = x;
}

function growKey(): void {
  const grown = new Float64Array(2 * keyWords.length);
  grown.set(keyWords);
  keyWords = grown;
  keyCodes = new Uint16Array(grown.buffer);
}

/** Small numbers for the strings in a cost (dtypes, layouts, kinds), assigned on first sight. */
const stringCodes = new Map<string, number>();
function codeOf(s: string): number {
  let code = stringCodes.get(s);
  if (code === undefined) stringCodes.set(s, (code = stringCodes.size));
  return code;
}
