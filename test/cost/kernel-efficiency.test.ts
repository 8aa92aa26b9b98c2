// The kernel-tables compute model against its own sources: the DeepGEMM rows come back exactly,
// efficiency never falls as rows are added, small expert GEMMs are bound by their weight bytes,
// FlashMLA's two regimes and its 64-row tile, FlashAttention-3's figure points.
import { describe, expect, it } from 'vitest';
import type { GemmKernel, GemmLayout, KernelDtype } from '../../sim/hardware/kernel-shapes.ts';
import { DEEPGEMM_CONTIGUOUS, DEEPGEMM_DENSE, DEEPGEMM_MASKED, FA3_SEQUENCE_TOKENS, FA3_SERIES, type GemmTableRow } from '../../sim/hardware/kernel-tables.ts';
import { MID_M_SATURATION, decodeAttentionTimeNs, flashAttentionEfficiency, gemmTimeNs, kernelTimeNs, nearestGemmSeries } from '../../sim/hardware/kernel-time.ts';
import { computeTimeNs, opTimeNs } from '../../sim/hardware/roofline.ts';
import type { GpuSpec } from '../../sim/hardware/topology.ts';
import { expertGemmCost } from '../../sim/models/experts.ts';
import { gemmCost } from '../../sim/models/op-cost.ts';
import { longcatFlash } from '../../sim/models/presets.ts';

const h800: GpuSpec = {
  name: 'H800',
  sms: 132,
  memoryBytes: 80e9,
  hbmGBps: { peak: 3352, achieved: 2800 },
  bf16Tflops: { peak: 989, achieved: 660 },
  fp8Tflops: { peak: 1979, achieved: 1280 },
  launchOverheadNs: 2600,
};
// A GPU with a lower ridge (H20-like: little compute, more bandwidth) and one with a higher ridge.
const lowRidge: GpuSpec = { ...h800, hbmGBps: { peak: 4000, achieved: 3400 }, bf16Tflops: { peak: 148, achieved: 120 }, fp8Tflops: { peak: 296, achieved: 240 } };
const highRidge: GpuSpec = { ...h800, hbmGBps: { peak: 8000, achieved: 6000 }, bf16Tflops: { peak: 2250, achieved: 1500 }, fp8Tflops: { peak: 4500, achieved: 3000 } };

/** A GEMM kernel shaped like a DeepGEMM row, with the README's byte count (FP8 in, BF16 out). */
function tableKernel(r: GemmTableRow, layout: GemmLayout): GemmKernel {
  const weightBytes = r.groups * r.n * r.k;
  return {
    kind: 'gemm',
    m: r.m,
    n: r.n,
    k: r.k,
    groups: r.groups,
    layout,
    dtype: 'fp8',
    flops: 2 * r.groups * r.m * r.n * r.k,
    bytes: weightBytes + r.groups * (r.m * r.k + 2 * r.m * r.n),
    weightBytes,
  };
}

/** A GEMM of `groups` x m rows of width n, depth k (activations 1 B/elem for fp8, 2 for bf16). */
function gemm(m: number, n: number, k: number, dtype: KernelDtype, layout: GemmLayout, groups = 1): GemmKernel {
  const b = dtype === 'fp8' ? 1 : 2;
  const weightBytes = groups * n * k * b;
  return { kind: 'gemm', m, n, k, groups, layout, dtype, flops: 2 * groups * m * n * k, bytes: weightBytes + groups * (m * k * b + 2 * m * n), weightBytes };
}

describe('GEMM efficiency from the DeepGEMM tables', () => {
  const tables: [GemmLayout, readonly GemmTableRow[]][] = [
    ['dense', DEEPGEMM_DENSE],
    ['contiguous', DEEPGEMM_CONTIGUOUS],
    ['masked', DEEPGEMM_MASKED],
  ];
  for (const [layout, rows] of tables) {
    it(`reproduces every ${layout} row's TFLOPS on an H800`, () => {
      for (const r of rows) {
        const k = tableKernel(r, layout);
        expect(k.flops / gemmTimeNs(k, h800) / 1e3).toBeCloseTo(r.tflops, 6);
        // and the op-level time (at least one launch) is the same: every row takes longer than 2.6 µs
        expect(kernelTimeNs(k, h800)).toBeCloseTo(gemmTimeNs(k, h800), 6);
      }
    });
  }

  it('is monotone in M at fixed N, K: FLOP rate and time never fall as rows are added', () => {
    const ms = Array.from({ length: 45 }, (_, i) => Math.round(2 ** (i / 3)));
    const shapes: [number, number][] = [
      [2112, 7168],
      [4096, 7168],
      [7168, 2048],
      [24576, 1536],
      [32768, 512],
      [7168, 16384],
      [1536, 6144], // not in the table: nearest series
      [4096, 6144],
      [64, 64],
    ];
    for (const gpu of [h800, lowRidge, highRidge]) {
      for (const layout of ['dense', 'contiguous', 'masked'] as const) {
        for (const [n, k] of shapes) {
          for (const dtype of ['fp8', 'bf16'] as const) {
            for (const groups of layout === 'dense' ? [1] : [1, 8, 32]) {
              let lastRate = 0;
              let lastTime = 0;
              for (const m of ms) {
                const kern = gemm(m, n, k, dtype, layout, groups);
                const t = kernelTimeNs(kern, gpu);
                const rate = kern.flops / t;
                const where = `${gpu.name} ${layout} ${dtype} G=${groups} M=${m} N=${n} K=${k}`;
                expect(rate, where).toBeGreaterThanOrEqual(lastRate * (1 - 1e-12));
                expect(t, where).toBeGreaterThanOrEqual(lastTime * (1 - 1e-12));
                lastRate = rate;
                lastTime = t;
              }
            }
          }
        }
      }
    }
  });

  it('a small-M expert GEMM is bound by the weight bytes of the experts it touches', () => {
    // LongCat-Flash decode on EP128: 4 experts per GPU, a few tokens each, BF16 weights, masked layout.
    const at = (tokens: number) => expertGemmCost(longcatFlash, { tokensPerExpert: [tokens, tokens, tokens, tokens], part: 'up', weights: 'bf16', layout: 'masked' });
    const c8 = at(8);
    const kernel = c8.kernels![0]! as GemmKernel;
    expect(kernel).toMatchObject({ kind: 'gemm', layout: 'masked', groups: 4, m: 8, n: 2 * 2048, k: 6144 });
    const t8 = opTimeNs(c8, h800, 'kernel-tables');
    const t16 = opTimeNs(at(16), h800, 'kernel-tables');
    // Memory-bound: the time is the bytes at the first knot's streaming efficiency, far above the FLOP time,
    const eta = nearestGemmSeries('masked', 4096, 6144).knots[0]!.eta;
    expect(t8).toBe(Math.ceil(c8.bytes / h800.hbmGBps.peak / eta));
    expect(c8.flops / (h800.bf16Tflops.peak * 1e3)).toBeLessThan(t8 / 20);
    // doubling the tokens adds only their activation bytes (the weights dominate),
    expect(t16 / t8).toBeLessThan(1.01);
    // and the kernel reaches under 5% of the tensor-core peak.
    expect(c8.flops / t8 / (h800.bf16Tflops.peak * 1e3)).toBeLessThan(0.05);
  });

  it('fills the dense table between 128 and 4096 rows from how far the masked single-group 1024-row GEMMs saturate', () => {
    // (ln 1233/533) / (ln 1410/533) = 0.862 and (ln 925/510) / (ln 1168/510) = 0.719: mean 0.790
    expect(MID_M_SATURATION).toBeCloseTo((Math.log(1233 / 533) / Math.log(1410 / 533) + Math.log(925 / 510) / Math.log(1168 / 510)) / 2, 12);
    // a dense 1024 x 4096 x 7168 GEMM: 533 x (1410/533)^0.79 = 1150 TFLOPS, near the masked table's 1233
    const k = tableKernel({ groups: 1, m: 1024, n: 4096, k: 7168, tflops: 0 }, 'dense');
    expect(k.flops / gemmTimeNs(k, h800) / 1e3).toBeCloseTo(533 * (1410 / 533) ** MID_M_SATURATION, 6);
  });

  it('is slower than the roofline near the ridge and never faster than the datasheet roofline', () => {
    // M = 128 rows of (2112, 7168) sits near the H800 FP8 ridge: the table's 352 TFLOPS is 45% of its roofline.
    const k = tableKernel({ groups: 1, m: 128, n: 2112, k: 7168, tflops: 352 }, 'dense');
    const roofline = Math.max(k.flops / (h800.fp8Tflops.peak * 1e3), k.bytes / h800.hbmGBps.peak);
    expect(roofline / gemmTimeNs(k, h800)).toBeCloseTo(0.45, 2);
    for (const m of [1, 16, 64, 100, 128, 1000, 4096, 50000]) {
      const q = gemm(m, 7168, 2048, 'fp8', 'dense');
      expect(gemmTimeNs(q, h800)).toBeGreaterThanOrEqual(Math.max(q.flops / (h800.fp8Tflops.peak * 1e3), q.bytes / h800.hbmGBps.peak));
    }
  });
});

describe('decode attention from FlashMLA', () => {
  // DeepSeek-V3 MLA decode: 128 heads on a GPU, one latent KV head of 576, context 4096.
  const mla = (sequences: number, heads: number, queries: number) => {
    const C = 4096;
    const T = sequences * queries;
    const flops = 2 * T * heads * C * 576 + 2 * T * heads * C * 512;
    const bytes = (sequences * C * 576 + T * heads * 576 + T * heads * 512) * 2;
    return { kind: 'decode-attention' as const, rowsPerKvHead: heads * queries, flops, bytes };
  };

  it('memory-bound at few query rows: the latent cache at 3000 GB/s (scaled to the GPU) plus one launch', () => {
    const k = mla(64, 16, 1);
    expect(decodeAttentionTimeNs(k, h800)).toBeCloseTo(k.bytes / 3000 + 2600, 6);
  });

  it('compute-bound at 128 heads x 2 queries: 660 TFLOPS plus one launch', () => {
    const k = mla(64, 128, 2);
    expect(decodeAttentionTimeNs(k, h800)).toBeCloseTo(k.flops / 660e3 + 2600, 6);
  });

  it('pads query rows to the 64-row tile: 16 heads cost a 64-row tile of tensor-core work', () => {
    // On a GPU with little compute both are compute-bound; 16 and 64 heads then take the same time.
    const t16 = decodeAttentionTimeNs(mla(64, 16, 1), lowRidge);
    const t64 = decodeAttentionTimeNs(mla(64, 64, 1), lowRidge);
    expect(t16).toBeCloseTo(t64, -1);
    expect(decodeAttentionTimeNs(mla(64, 65, 1), lowRidge)).toBeGreaterThan(1.9 * t64 - 2600);
  });
});

describe('prefill and training attention from FlashAttention-3', () => {
  it('equals the figure points at the measured sequence lengths and head sizes', () => {
    for (const s of FA3_SERIES) {
      FA3_SEQUENCE_TOKENS.forEach((n, i) => {
        expect(flashAttentionEfficiency(s.pass, s.causal, s.headDim, n)).toBeCloseTo(s.tflops[i]! / 989, 12);
      });
    }
  });

  it('grows with the sequence length, and is clamped outside the measured range', () => {
    let last = 0;
    for (const n of [128, 512, 700, 1024, 3000, 4096, 9000, 16384, 65536]) {
      const e = flashAttentionEfficiency('forward', true, 160, n);
      expect(e).toBeGreaterThanOrEqual(last);
      last = e;
    }
    expect(flashAttentionEfficiency('forward', true, 128, 100)).toBe(292 / 989);
    expect(flashAttentionEfficiency('forward', true, 128, 1e6)).toBe(616 / 989);
  });

  it('the causal backward takes the forward causal/non-causal ratio', () => {
    expect(flashAttentionEfficiency('backward', true, 128, 4096)).toBeCloseTo((542 * (579 / 638)) / 989, 12);
  });
});

describe('the roofline model', () => {
  it('is what the op gets under compute.model roofline, kernels or not', () => {
    const c = gemmCost({ m: 64, k: 7168, n: 2112, weights: 'fp8' });
    expect(opTimeNs(c, h800, 'roofline')).toBe(computeTimeNs(c, h800));
    expect(opTimeNs({ flops: c.flops, bytes: c.bytes, dtype: 'fp8' }, h800, 'kernel-tables')).toBe(computeTimeNs(c, h800));
  });
});
