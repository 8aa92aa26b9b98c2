// Published kernel-level measurements the `kernel-tables` compute model is built from. Each figure
// is copied from its source; nothing here is fitted to an end-to-end result (tokens/s, TPOT, MFU).
// kernel-time.ts turns them into efficiencies relative to a GPU's datasheet peaks.

/** H800 SXM5 datasheet peaks the tables below were measured against (lmsys Ant blog table, topologies/README.md). */
export const H800_PEAKS = { fp8Tflops: 1979, bf16Tflops: 989, hbmGBps: 3352 } as const;
/** H100 SXM5 datasheet peaks (the FlashAttention-3 figures were measured on it). */
export const H100_PEAKS = { bf16Tflops: 989, hbmGBps: 3352 } as const;

export interface GemmTableRow {
  /** Groups (1 for the dense table). */
  groups: number;
  /** Rows per group. */
  m: number;
  n: number;
  k: number;
  tflops: number;
}

/**
 * DeepGEMM FP8 GEMMs (1x128 activation and 128x128 weight scaling, BF16 output) on H800 SXM5,
 * NVCC 12.8: README "Performance", github.com/deepseek-ai/DeepGEMM, commit
 * 989c9e3694638dd02aa36b4d8cb42339305caa85 (2025-04-09; the last README with per-shape tables; the
 * M = 64 and 128 rows and both grouped tables are unchanged from 8002b769, 2025-03-25).
 * Bytes of a row: groups x (N K + M K + 2 M N), which reproduces the table's "Memory bandwidth"
 * column (e.g. masked 4 x 256 x 4096 x 7168: 64.5 µs, 2064 GB/s).
 */
export const DEEPGEMM_SOURCE = 'DeepGEMM README "Performance" (github.com/deepseek-ai/DeepGEMM @ 989c9e3), FP8, H800 SXM5';

/** "Normal GEMMs for dense models". */
export const DEEPGEMM_DENSE: readonly GemmTableRow[] = [
  { groups: 1, m: 64, n: 2112, k: 7168, tflops: 206 },
  { groups: 1, m: 64, n: 24576, k: 1536, tflops: 289 },
  { groups: 1, m: 64, n: 32768, k: 512, tflops: 219 },
  { groups: 1, m: 64, n: 7168, k: 16384, tflops: 336 },
  { groups: 1, m: 64, n: 4096, k: 7168, tflops: 287 },
  { groups: 1, m: 64, n: 7168, k: 2048, tflops: 295 },
  { groups: 1, m: 128, n: 2112, k: 7168, tflops: 352 },
  { groups: 1, m: 128, n: 24576, k: 1536, tflops: 535 },
  { groups: 1, m: 128, n: 32768, k: 512, tflops: 358 },
  { groups: 1, m: 128, n: 7168, k: 16384, tflops: 645 },
  { groups: 1, m: 128, n: 4096, k: 7168, tflops: 533 },
  { groups: 1, m: 128, n: 7168, k: 2048, tflops: 510 },
  { groups: 1, m: 4096, n: 2112, k: 7168, tflops: 1127 },
  { groups: 1, m: 4096, n: 24576, k: 1536, tflops: 1212 },
  { groups: 1, m: 4096, n: 32768, k: 512, tflops: 775 },
  { groups: 1, m: 4096, n: 7168, k: 16384, tflops: 1520 },
  { groups: 1, m: 4096, n: 4096, k: 7168, tflops: 1410 },
  { groups: 1, m: 4096, n: 7168, k: 2048, tflops: 1168 },
];

/** "Grouped GEMMs for MoE models (contiguous layout)". */
export const DEEPGEMM_CONTIGUOUS: readonly GemmTableRow[] = [
  { groups: 4, m: 8192, n: 4096, k: 7168, tflops: 1346 },
  { groups: 4, m: 8192, n: 7168, k: 2048, tflops: 1214 },
  { groups: 8, m: 4096, n: 4096, k: 7168, tflops: 1346 },
  { groups: 8, m: 4096, n: 7168, k: 2048, tflops: 1214 },
];

/** "Grouped GEMMs for MoE models (masked layout)". */
export const DEEPGEMM_MASKED: readonly GemmTableRow[] = [
  { groups: 1, m: 1024, n: 4096, k: 7168, tflops: 1233 },
  { groups: 1, m: 1024, n: 7168, k: 2048, tflops: 925 },
  { groups: 2, m: 512, n: 4096, k: 7168, tflops: 1040 },
  { groups: 2, m: 512, n: 7168, k: 2048, tflops: 916 },
  { groups: 4, m: 256, n: 4096, k: 7168, tflops: 932 },
  { groups: 4, m: 256, n: 7168, k: 2048, tflops: 815 },
];

/**
 * FlashMLA dense decoding kernel on H800 SXM5, CUDA 12.8 (github.com/deepseek-ai/FlashMLA README,
 * "Performance Update (2025.04.22)", commit a9444cd67d7dbbd5b1a5dc083657a155b88271b2): "up to
 * 3000 GB/s in memory-bound configuration and 660 TFLOPS in computation-bound configuration".
 * The kernel's query tile is 64 rows (docs/20250422-new-kernel-deep-dive.md: "Each 64 x 512 output
 * matrix"), so fewer than 64 query rows per KV head still cost a full tile of tensor-core work.
 */
export const FLASHMLA = {
  source: 'FlashMLA README 2025-04-22 (github.com/deepseek-ai/FlashMLA @ a9444cd), H800 SXM5, BF16',
  memoryGBps: 3000,
  computeTflops: 660,
  tileRows: 64,
} as const;

export interface FlashAttentionSeries {
  headDim: number;
  causal: boolean;
  pass: 'forward' | 'backward';
  /** TFLOP/s (FLOPs counted as FlashAttention does: causal = half) at sequenceTokens[i]. */
  tflops: readonly number[];
}

/**
 * FlashAttention-3 BF16 on H100 SXM5 (Shah et al., arXiv 2407.08608): the bar labels of Figure 5
 * (forward; panels without and with causal mask, head dim 64 / 128 / 256) and Figure 6 (backward,
 * without causal mask, head dim 64 / 128). Inputs in the paper: batch x sequence = 16k tokens,
 * heads x head dim = 2048.
 */
export const FA3_SOURCE = 'FlashAttention-3 (arXiv 2407.08608) Figures 5 and 6, BF16, H100 SXM5';
export const FA3_SEQUENCE_TOKENS: readonly number[] = [512, 1024, 2048, 4096, 8192, 16384];
export const FA3_SERIES: readonly FlashAttentionSeries[] = [
  { pass: 'forward', causal: false, headDim: 64, tflops: [333, 392, 460, 476, 496, 497] },
  { pass: 'forward', causal: false, headDim: 128, tflops: [467, 565, 625, 638, 646, 648] },
  { pass: 'forward', causal: false, headDim: 256, tflops: [482, 639, 707, 736, 746, 756] },
  { pass: 'forward', causal: true, headDim: 64, tflops: [197, 265, 371, 420, 460, 473] },
  { pass: 'forward', causal: true, headDim: 128, tflops: [292, 423, 521, 579, 602, 616] },
  { pass: 'forward', causal: true, headDim: 256, tflops: [286, 427, 537, 612, 628, 642] },
  { pass: 'backward', causal: false, headDim: 64, tflops: [272, 363, 422, 453, 472, 474] },
  { pass: 'backward', causal: false, headDim: 128, tflops: [316, 424, 501, 542, 559, 561] },
];
