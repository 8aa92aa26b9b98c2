// The `kernel-tables` compute model: the time of each kernel from its shape, by published
// kernel-level measurements (kernel-tables.ts), instead of one achieved FLOP/s per GPU.
//
// Efficiency of a measured point = its roofline time at the measuring GPU's datasheet peaks divided
// by its measured time: eta = max(F / P, B / W) / t, so eta <= 1 and it is lowest near the ridge,
// where a kernel can neither stream nor compute at full rate. A query is timed against its own
// GPU's peaks, r = max(F / P_gpu, B / W_gpu), divided by the efficiency the table gives its shape.
//
// GEMMs (DeepGEMM, H800): a series is the table's points for one (N, K) and layout, ordered by rows
// per group M; a query uses the series nearest in (log N, log K). At the series' knots M_j the
// query's time is T_j = r(M_j) / eta_j; between knots its FLOP rate is interpolated linearly in
// log M - log rate; below the first knot eta_1 is kept (the kernel is bound by its weight bytes, so
// its time follows r); above the last knot the last knot's FLOP rate is kept (saturated). Knot rates
// are made non-decreasing and knot times non-decreasing (a guard for GPUs whose ridge sits elsewhere
// than the H800's; it never changes the H800's own points), so the efficiency is monotone in M and
// the time never falls when rows are added. A grouped query's M is its rows per group.
//   dense:      the dense table (M = 64, 128, 4096), with a knot at M = 1024 from how far the masked
//               table's single-group 1024-row GEMMs have saturated (MID_M_SATURATION)
//   contiguous: the dense table's M = 64, 128 for the same (N, K), the same M = 1024 knot, then the
//               contiguous table (M = 4096, 8192)
//   masked:     the dense table's M = 64, 128, then the masked table (M = 256, 512, 1024)
// DeepGEMM is FP8; a BF16 GEMM is given the same efficiency against the BF16 peak.
//
// Decode attention (FlashMLA, H800): max(F' / (660/989 P_bf16), B / (3000/3352 W)) + launch, where
// F' pads the query rows per KV head up to the kernel's 64-row tile.
//
// Prefill and training attention (FlashAttention-3, H100): FLOP rate from Figure 5 (forward) or 6
// (backward) interpolated in log sequence length and log head size, clamped to the measured range,
// as a share of the 989 TFLOP/s peak; the causal backward takes the forward's causal/non-causal ratio
// at the same point (the paper plots no causal backward). Time = max(F / rate, B / W).
//
// Plain kernels (softmax, top-k): the roofline on the GPU's achieved figures.
// An op's time is the sum of its kernels' times, at least one launch overhead.
import type { GpuSpec } from './topology.ts';
import {
  DEEPGEMM_CONTIGUOUS,
  DEEPGEMM_DENSE,
  DEEPGEMM_MASKED,
  FA3_SEQUENCE_TOKENS,
  FA3_SERIES,
  FLASHMLA,
  H100_PEAKS,
  H800_PEAKS,
  type GemmTableRow,
} from './kernel-tables.ts';
import type { DecodeAttentionKernel, FlashAttentionKernel, GemmKernel, GemmLayout, KernelDtype, KernelShape, PlainKernel } from './kernel-shapes.ts';

interface Knot {
  m: number;
  eta: number;
}

interface GemmSeries {
  n: number;
  k: number;
  knots: Knot[];
}

/** Efficiency of one DeepGEMM row against the H800 FP8 roofline (header). */
export function tableRowEfficiency(row: GemmTableRow): number {
  const { groups: g, m, n, k } = row;
  const flops = 2 * g * m * n * k;
  const bytes = g * (n * k + m * k + 2 * m * n);
  const measuredNs = flops / (row.tflops * 1e3);
  const rooflineNs = Math.max(flops / (H800_PEAKS.fp8Tflops * 1e3), bytes / H800_PEAKS.hbmGBps);
  return rooflineNs / measuredNs;
}

const key = (n: number, k: number) => `${n}x${k}`;

function seriesOf(rows: readonly GemmTableRow[]): Map<string, GemmTableRow[]> {
  const out = new Map<string, GemmTableRow[]>();
  for (const r of rows) {
    const list = out.get(key(r.n, r.k)) ?? [];
    list.push(r);
    out.set(key(r.n, r.k), list);
  }
  return out;
}

/**
 * How far a GEMM has saturated at M = 1024, between the dense table's M = 128 and M = 4096 rows, in
 * log FLOP rate: the masked table's single-group rows (1 x 1024, a dense GEMM of 1024 rows behind
 * a mask) measure it for the two shapes both tables have: (ln R1024 - ln R128) / (ln R4096 - ln R128)
 * = 0.86 for N 4096 / K 7168 and 0.72 for N 7168 / K 2048. The mean fills the dense table's gap
 * for every (N, K); without it, interpolating in log M from 128 to 4096 would put a 1024-row GEMM
 * 20-25% below what DeepGEMM measures there.
 */
export const MID_M = 1024;
export const MID_M_SATURATION = (() => {
  const dense = seriesOf(DEEPGEMM_DENSE);
  const fractions = DEEPGEMM_MASKED.filter((r) => r.groups === 1 && r.m === MID_M).map((r) => {
    const rows = dense.get(key(r.n, r.k))!;
    const at = (m: number) => rows.find((x) => x.m === m)!.tflops;
    return Math.log(r.tflops / at(128)) / Math.log(at(4096) / at(128));
  });
  return fractions.reduce((a, b) => a + b, 0) / fractions.length;
})();

/** A knot at M = 1024 rows per group between an M = 128 row and a large-M row of the same (N, K) (see MID_M_SATURATION). */
function midKnot(low: GemmTableRow, high: GemmTableRow, groups: number): Knot {
  const tflops = Math.exp(Math.log(low.tflops) + MID_M_SATURATION * (Math.log(high.tflops) - Math.log(low.tflops)));
  return { m: MID_M, eta: tableRowEfficiency({ groups, m: MID_M, n: low.n, k: low.k, tflops }) };
}

function buildSeries(layout: GemmLayout): GemmSeries[] {
  const dense = seriesOf(DEEPGEMM_DENSE);
  const grouped = layout === 'contiguous' ? seriesOf(DEEPGEMM_CONTIGUOUS) : layout === 'masked' ? seriesOf(DEEPGEMM_MASKED) : dense;
  const out: GemmSeries[] = [];
  for (const rows of grouped.values()) {
    const { n, k } = rows[0]!;
    const own = layout === 'dense' ? [] : rows;
    const lowest = Math.min(...own.map((r) => r.m), Infinity);
    const smallDense = (dense.get(key(n, k)) ?? []).filter((r) => r.m < lowest);
    const all = [...smallDense, ...own].sort((a, b) => a.m - b.m);
    const knots = all.map((r) => ({ m: r.m, eta: tableRowEfficiency(r) }));
    // The dense and contiguous series jump from 128 to 4096 rows: fill in M = 1024.
    const low = all.find((r) => r.m === 128);
    const high = all.find((r) => r.m >= 4096);
    if (layout !== 'masked' && low && high && !all.some((r) => r.m === MID_M)) {
      knots.push(midKnot(low, high, high.groups));
      knots.sort((a, b) => a.m - b.m);
    }
    out.push({ n, k, knots });
  }
  return out;
}

const SERIES: Record<GemmLayout, GemmSeries[]> = {
  dense: buildSeries('dense'),
  contiguous: buildSeries('contiguous'),
  masked: buildSeries('masked'),
};

/** The table series a GEMM of width n and depth k is timed by: the nearest in (log N, log K). */
export function nearestGemmSeries(layout: GemmLayout, n: number, k: number): { n: number; k: number; knots: readonly Knot[] } {
  let best = SERIES[layout][0]!;
  let bestD = Infinity;
  for (const s of SERIES[layout]) {
    const d = Math.abs(Math.log(n / s.n)) + Math.abs(Math.log(k / s.k));
    if (d < bestD) [best, bestD] = [s, d];
  }
  return best;
}

function peakFlopsPerNs(gpu: GpuSpec, dtype: KernelDtype): number {
  return (dtype === 'fp8' ? gpu.fp8Tflops.peak : gpu.bf16Tflops.peak) * 1e3;
}

/** GEMM time in ns (not rounded, no launch floor): see the header. */
export function gemmTimeNs(g: GemmKernel, gpu: GpuSpec): number {
  if (g.flops <= 0 && g.bytes <= 0) return 0;
  if (!(g.m > 0)) return g.bytes / gpu.hbmGBps.peak;
  const P = peakFlopsPerNs(gpu, g.dtype);
  const W = gpu.hbmGBps.peak;
  const rowBytes = (g.bytes - g.weightBytes) / g.m;
  const flopsAt = (m: number) => (g.flops * m) / g.m;
  const rooflineAt = (m: number) => Math.max(flopsAt(m) / P, (g.weightBytes + rowBytes * m) / W);
  const knots = nearestGemmSeries(g.layout, g.n, g.k).knots;
  const first = knots[0]!;
  if (g.m <= first.m) return rooflineAt(g.m) / first.eta;
  // FLOP rates at the knots for this query, kept non-decreasing and with non-decreasing times.
  const rates: number[] = [];
  knots.forEach((kn, j) => {
    let rate = flopsAt(kn.m) / (rooflineAt(kn.m) / kn.eta);
    if (j > 0) {
      const prev = rates[j - 1]!;
      rate = Math.min(Math.max(rate, prev), (prev * kn.m) / knots[j - 1]!.m);
    }
    rates.push(rate);
  });
  const last = knots.length - 1;
  if (g.m >= knots[last]!.m) return g.flops / rates[last]!;
  let j = 1;
  while (knots[j]!.m < g.m) j++;
  const x0 = Math.log(knots[j - 1]!.m);
  const x1 = Math.log(knots[j]!.m);
  const f = (Math.log(g.m) - x0) / (x1 - x0);
  const rate = Math.exp(Math.log(rates[j - 1]!) * (1 - f) + Math.log(rates[j]!) * f);
  return g.flops / rate;
}

/** Decode attention (FlashMLA's figures, 64-row tiles), ns with the launch overhead. */
export function decodeAttentionTimeNs(a: DecodeAttentionKernel, gpu: GpuSpec): number {
  if (a.flops <= 0 && a.bytes <= 0) return 0;
  const rows = Math.max(1, a.rowsPerKvHead);
  const padded = Math.ceil(rows / FLASHMLA.tileRows) * FLASHMLA.tileRows;
  const computeRate = gpu.bf16Tflops.peak * 1e3 * (FLASHMLA.computeTflops / H800_PEAKS.bf16Tflops);
  const memoryRate = gpu.hbmGBps.peak * (FLASHMLA.memoryGBps / H800_PEAKS.hbmGBps);
  return Math.max((a.flops * padded) / rows / computeRate, a.bytes / memoryRate) + gpu.launchOverheadNs;
}

/** FlashAttention-3 efficiency (share of the BF16 peak) at a shape: see the header. */
export function flashAttentionEfficiency(pass: 'forward' | 'backward', causal: boolean, headDim: number, sequenceTokens: number): number {
  if (pass === 'backward') {
    const base = flashAttentionEfficiency2D('backward', false, headDim, sequenceTokens);
    if (!causal) return base;
    return (base * flashAttentionEfficiency2D('forward', true, headDim, sequenceTokens)) / flashAttentionEfficiency2D('forward', false, headDim, sequenceTokens);
  }
  return flashAttentionEfficiency2D('forward', causal, headDim, sequenceTokens);
}

function flashAttentionEfficiency2D(pass: 'forward' | 'backward', causal: boolean, headDim: number, sequenceTokens: number): number {
  const series = FA3_SERIES.filter((s) => s.pass === pass && s.causal === causal).sort((a, b) => a.headDim - b.headDim);
  const atSeq = series.map((s) => ({ x: Math.log(s.headDim), y: interpolateClamped(FA3_SEQUENCE_TOKENS.map(Math.log), s.tflops, Math.log(Math.max(1, sequenceTokens))) }));
  const tflops = interpolateClamped(atSeq.map((p) => p.x), atSeq.map((p) => p.y), Math.log(Math.max(1, headDim)));
  return tflops / H100_PEAKS.bf16Tflops;
}

/** Piecewise-linear interpolation of ys over increasing xs, constant beyond the ends. */
function interpolateClamped(xs: readonly number[], ys: readonly number[], x: number): number {
  if (x <= xs[0]!) return ys[0]!;
  const last = xs.length - 1;
  if (x >= xs[last]!) return ys[last]!;
  let j = 1;
  while (xs[j]! < x) j++;
  const f = (x - xs[j - 1]!) / (xs[j]! - xs[j - 1]!);
  return ys[j - 1]! * (1 - f) + ys[j]! * f;
}

export function flashAttentionTimeNs(a: FlashAttentionKernel, gpu: GpuSpec): number {
  if (a.flops <= 0 && a.bytes <= 0) return 0;
  const rate = flashAttentionEfficiency(a.pass, a.causal, a.headDim, a.sequenceTokens) * gpu.bf16Tflops.peak * 1e3;
  return Math.max(a.flops / rate, a.bytes / gpu.hbmGBps.peak);
}

function plainTimeNs(p: PlainKernel, gpu: GpuSpec): number {
  const tflops = p.dtype === 'fp8' ? gpu.fp8Tflops.achieved : gpu.bf16Tflops.achieved;
  return Math.max(p.flops / (tflops * 1e3), p.bytes / gpu.hbmGBps.achieved);
}

/** One kernel's time in ns (not rounded); GEMMs are at least one launch overhead. */
export function kernelTimeNs(k: KernelShape, gpu: GpuSpec): number {
  switch (k.kind) {
    case 'gemm':
      return k.flops <= 0 && k.bytes <= 0 ? 0 : Math.max(gemmTimeNs(k, gpu), gpu.launchOverheadNs);
    case 'decode-attention':
      return decodeAttentionTimeNs(k, gpu);
    case 'flash-attention':
      return flashAttentionTimeNs(k, gpu);
    case 'plain':
      return plainTimeNs(k, gpu);
  }
}

/** An op's time under the kernel-tables model: its kernels in sequence, at least one launch, integer ns. */
export function kernelsTimeNs(kernels: readonly KernelShape[], gpu: GpuSpec): number {
  let ns = 0;
  for (const k of kernels) ns += kernelTimeNs(k, gpu);
  return Math.ceil(Math.max(ns, gpu.launchOverheadNs));
}
