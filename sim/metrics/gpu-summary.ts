// Per-GPU figures of one step and the stragglers among them: which GPUs compute longest, and what
// waiting for them costs. In an expert-parallel step every GPU waits at each layer's combine for
// the tokens the others' experts return, so the GPU whose experts got the most tokens sets the
// pace of that layer; the rest idle (or expose communication) in the meantime.
//
//   busy            = |union of the GPU's compute-kind spans| (as busyTime)
//   exposed comm    = |its comm-kind spans minus busy|         (as busyTime)
//   expert GEMM     = sum of its expert-gemm span durations
//   expert tokens   = token-expert assignments its experts computed (all layers and micro-batches)
//   expert imbalance = sum over layers of (max over GPUs - mean over GPUs) of the layer's
//                      expert-GEMM time: how much longer the step's expert work takes than it
//                      would with every GPU at the mean load, if nothing hid it.
import type { Span } from '../ops/index.ts';
import { busyTime } from './busy-time.ts';
import { round } from './per-layer.ts';

export interface GpuSummary {
  busyNs: number[];
  exposedCommNs: number[];
  expertGemmNs: number[];
  /** Empty when the caller has no routing to count (a timeline alone does not say). */
  expertTokens: number[];
  /** Per layer (index = layer), [max, mean] of the GPUs' expert-GEMM time, ns; layers without experts are absent. */
  expertGemmByLayer: Map<number, { maxNs: number; meanNs: number }>;
}

export interface StragglerGpu {
  gpu: number;
  busyUs: number;
  expertGemmUs: number;
  exposedCommUs: number;
  expertTokens?: number;
}

export interface Stragglers {
  /** The GPUs with the most compute-busy time, slowest first (ties: more expert GEMM, then lower id). */
  slowest: StragglerGpu[];
  meanBusyUs: number;
  meanExpertGemmUs: number;
  meanExposedCommUs: number;
  meanExpertTokens?: number;
  /** Slowest GPU's busy time minus the mean, µs. */
  slowestOverMeanUs: number;
  /** Sum over layers of (max - mean) expert-GEMM time across GPUs, µs, and its share of the step. */
  expertImbalanceUs: number;
  expertImbalanceShare: number;
}

export function gpuSummary(spans: readonly Span[], gpus: number, expertTokens?: ArrayLike<number>): GpuSummary {
  const busy = busyTime(spans, gpus);
  const expertGemmNs = new Array<number>(gpus).fill(0);
  const byLayer = new Map<number, Float64Array>();
  for (const s of spans) {
    if (s.kind !== 'expert-gemm') continue;
    const d = s.endNs - s.startNs;
    expertGemmNs[s.gpu]! += d;
    if (s.layer === undefined) continue;
    let perGpu = byLayer.get(s.layer);
    if (!perGpu) byLayer.set(s.layer, (perGpu = new Float64Array(gpus)));
    perGpu[s.gpu]! += d;
  }
  const expertGemmByLayer = new Map<number, { maxNs: number; meanNs: number }>();
  for (const layer of [...byLayer.keys()].sort((a, b) => a - b)) {
    const perGpu = byLayer.get(layer)!;
    let max = 0;
    let sum = 0;
    for (const v of perGpu) {
      max = Math.max(max, v);
      sum += v;
    }
    expertGemmByLayer.set(layer, { maxNs: max, meanNs: sum / gpus });
  }
  return {
    busyNs: Array.from(busy.computeNs),
    exposedCommNs: Array.from(busy.exposedCommNs),
    expertGemmNs,
    expertTokens: expertTokens ? Array.from(expertTokens) : [],
    expertGemmByLayer,
  };
}

export function stragglers(summary: GpuSummary, makespanNs: number, top = 5): Stragglers {
  const gpus = summary.busyNs.length;
  const mean = (a: number[]) => (a.length === 0 ? 0 : a.reduce((x, y) => x + y, 0) / a.length);
  const us = (ns: number) => round(ns / 1000);
  const order = Array.from({ length: gpus }, (_, g) => g).sort(
    (a, b) => summary.busyNs[b]! - summary.busyNs[a]! || summary.expertGemmNs[b]! - summary.expertGemmNs[a]! || a - b,
  );
  const hasTokens = summary.expertTokens.length === gpus;
  const slowest = order.slice(0, top).map(
    (gpu): StragglerGpu => ({
      gpu,
      busyUs: us(summary.busyNs[gpu]!),
      expertGemmUs: us(summary.expertGemmNs[gpu]!),
      exposedCommUs: us(summary.exposedCommNs[gpu]!),
      ...(hasTokens ? { expertTokens: summary.expertTokens[gpu]! } : {}),
    }),
  );
  let imbalanceNs = 0;
  for (const { maxNs, meanNs } of summary.expertGemmByLayer.values()) imbalanceNs += maxNs - meanNs;
  const meanBusy = mean(summary.busyNs);
  return {
    slowest,
    meanBusyUs: us(meanBusy),
    meanExpertGemmUs: us(mean(summary.expertGemmNs)),
    meanExposedCommUs: us(mean(summary.exposedCommNs)),
    ...(hasTokens ? { meanExpertTokens: round(mean(summary.expertTokens), 1) } : {}),
    slowestOverMeanUs: gpus === 0 ? 0 : us(summary.busyNs[order[0]!]! - meanBusy),
    expertImbalanceUs: us(imbalanceNs),
    expertImbalanceShare: makespanNs > 0 ? round(imbalanceNs / makespanNs, 4) : 0,
  };
}
