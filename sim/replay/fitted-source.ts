// A statistical fit of a routing trace, and a RoutingSource that samples from it. Used when the
// scenario's model has another layer count, expert count or top-k than the traced model and the
// scenario says `traceMapping: fit` (docs/background.md "Routing traces and fitted routing": epsim never pretends).
//
// What is fitted, per trace layer:
//   - expert popularity: how many tokens picked each FFN expert;
//   - the FFN-experts-per-token distribution: how many of a token's k picks are FFN experts
//     (the rest are zero experts);
// and across layers:
//   - one number, rho: the mean over pairs of trace layers of the Pearson correlation between a
//     token's FFN-expert counts at the two layers.
//
// How tokens are sampled (a Gaussian copula with a per-token latent "difficulty"):
//   z_t ~ N(0,1) once per token; at model layer l, y = sqrt(rho) z_t + sqrt(1 - rho) eps_{t,l},
//   u = Phi(y), the token's FFN-expert count f = the u-quantile of that layer's count
//   distribution; then f distinct FFN experts are drawn by popularity (weighted, without
//   replacement) and k - f distinct zero experts uniformly. So a token that is "hard" (many FFN
//   experts) at one layer tends to be hard at every layer, with the same correlation between
//   any two layers.
//
// Mapping the fit onto a different model (documented rules):
//   - layers: model layer l uses trace layer floor(l * Lt / Lm) (stretched, so early model
//     layers use early trace layers; 28 over 4 = 7 consecutive model layers per trace layer;
//     fewer model layers than trace layers take evenly spaced trace layers);
//   - FFN experts, same count: each expert keeps its trace id and its observed count (+0.5, so an
//     expert the trace never saw is rare rather than impossible);
//   - FFN experts, other count N': the sorted popularity curve is resampled onto N' ranks through
//     its cumulative share (the top x% of experts keep the same share of picks, so the skew is
//     preserved), and ranks are given to expert ids by a seeded shuffle per model layer (a real
//     model's hot experts have no relation to their ids);
//   - top-k, same k: the empirical count distribution; other k': a beta-binomial with the trace's
//     mean FFN share f/k and its overdispersion (binomial when the trace is not overdispersed);
//   - a count the model cannot realise (more FFN picks than FFN experts, or more zero picks than
//     zero experts) is clamped to the nearest feasible count.
//
// Limits (say them when quoting results): co-occurrence of experts within a token, any link
// between a token's FFN count and which experts it picks, and correlation between consecutive
// tokens of a document are not modelled; drawing without replacement slightly flattens the
// popularity of experts that a large share of tokens pick; rho is fitted on counts, and the
// discreteness of counts makes the resampled correlation come out a little below rho.
//
// Sampling is lazy in blocks of 1024 pool tokens: the first expertsOf() for a token draws its
// block's latent difficulties (rng seeded by (seed, block)) and, per model layer, that block's
// picks (rng seeded by (seed, layer, block)), so results do not depend on the order in which
// tokens and layers are asked for. Pool tokens are independent draws from the fit, so a step
// takes one run of consecutive pool tokens from a random start (decode included): a 2,048-token
// decode step then samples 2 or 3 blocks per layer instead of the whole pool (65,536 tokens by
// default), which took 1.7 s per scenario load on the 28-layer LongCat model.
import { createRng, type Rng } from '../core/index.ts';
import type { RoutingTrace } from '../trace/index.ts';
import type { RoutingSource } from './routing-source.ts';
import { checkShape, describeShape, shapeOfTrace, type SimulatedMoeShape } from './shape.ts';

export interface LayerFit {
  /** Picks per FFN expert (length = trace FFN experts). */
  expertCounts: Float64Array;
  /** Tokens with f FFN picks, f = 0..k (length k + 1). */
  ffnCountHist: Float64Array;
  meanFfnPerToken: number;
  varFfnPerToken: number;
}

export interface RoutingFit {
  /** The trace's model name and shape. */
  traceModel: string;
  traceShape: SimulatedMoeShape;
  traceTokens: number;
  layers: LayerFit[];
  /** Mean pairwise correlation of a token's FFN-expert count between trace layers, clamped to [0, 0.99]. */
  layerCorrelation: number;
  /** The unclamped mean pairwise correlation (NaN when there is no pair of layers to measure). */
  layerCorrelationRaw: number;
}

/** Fits per-layer popularity, the FFN-experts-per-token distribution and inter-layer correlation. */
export function fitRoutingTrace(trace: RoutingTrace): RoutingFit {
  const { layers: lt, ffnExperts: n, topk: k } = trace.model;
  const t = trace.tokens;
  if (t < 1) throw new RangeError('fitRoutingTrace: the trace has no tokens');
  const counts = new Uint16Array(t * lt); // FFN picks of token t at layer l, [l][t]
  const layers: LayerFit[] = [];
  for (let l = 0; l < lt; l++) {
    const expertCounts = new Float64Array(n);
    const hist = new Float64Array(k + 1);
    let sum = 0;
    let sumSq = 0;
    for (let tok = 0; tok < t; tok++) {
      const base = (tok * lt + l) * k;
      let f = 0;
      for (let j = 0; j < k; j++) {
        const e = trace.experts[base + j]!;
        if (e < n) {
          expertCounts[e]!++;
          f++;
        }
      }
      counts[l * t + tok] = f;
      hist[f]!++;
      sum += f;
      sumSq += f * f;
    }
    const mean = sum / t;
    layers.push({ expertCounts, ffnCountHist: hist, meanFfnPerToken: mean, varFfnPerToken: Math.max(0, sumSq / t - mean * mean) });
  }
  let total = 0;
  let pairs = 0;
  for (let a = 0; a < lt; a++) {
    for (let b = a + 1; b < lt; b++) {
      const r = pearson(counts, a * t, b * t, t, layers[a]!, layers[b]!);
      if (Number.isFinite(r)) {
        total += r;
        pairs++;
      }
    }
  }
  const raw = pairs > 0 ? total / pairs : Number.NaN;
  return {
    traceModel: trace.model.name,
    traceShape: shapeOfTrace(trace.model),
    traceTokens: t,
    layers,
    layerCorrelation: Number.isFinite(raw) ? Math.min(0.99, Math.max(0, raw)) : 0,
    layerCorrelationRaw: raw,
  };
}

function pearson(x: Uint16Array, a: number, b: number, n: number, la: LayerFit, lb: LayerFit): number {
  if (la.varFfnPerToken <= 0 || lb.varFfnPerToken <= 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[a + i]! - la.meanFfnPerToken) * (x[b + i]! - lb.meanFfnPerToken);
  return s / n / Math.sqrt(la.varFfnPerToken * lb.varFfnPerToken);
}

export interface FittedSourceOptions {
  seed: number | string;
  /** Trace file name, for the description. */
  file?: string;
  /** Synthetic tokens drawn per layer (default 65536); sampleTokens draws from this pool. */
  poolTokens?: number;
}

export interface FittedRoutingSource extends RoutingSource {
  kind: 'fitted';
  fit: RoutingFit;
  /** The trace layer whose statistics model layer `layer` uses. */
  traceLayerOf(layer: number): number;
  /** P(f FFN picks) at model layer `layer`, f = 0..topk, after rescaling and clamping. */
  ffnCountPmf(layer: number): Float64Array;
  /** Sampling weight of each FFN expert at model layer `layer` (sums to 1). */
  expertWeights(layer: number): Float64Array;
  /** Every pool token's picks at model layer `layer`, [token][k] (samples the whole pool: for tests and analysis). */
  poolLayer(layer: number): Uint16Array;
}

/** Pool tokens sampled together (one rng per block and layer). */
export const FIT_BLOCK_TOKENS = 1024;

const DEFAULT_POOL = 65536;

/** A RoutingSource for the model `model` that samples from `fit` (see the header for the rules). */
export function fittedRoutingSource(fit: RoutingFit, model: SimulatedMoeShape, options: FittedSourceOptions): FittedRoutingSource {
  checkShape(model, 'fitted routing source');
  const lm = model.modelLayers;
  const lt = fit.layers.length;
  const n = model.ffnExperts;
  const z = model.zeroExperts;
  const k = model.topk;
  const pool = options.poolTokens ?? DEFAULT_POOL;
  if (!Number.isInteger(pool) || pool < 1) throw new RangeError(`poolTokens must be a positive integer; got ${pool}`);
  const rho = fit.layerCorrelation;
  const traceLayerOf = (l: number): number => Math.min(lt - 1, Math.floor((l * lt) / lm));

  // Per trace layer: the count pmf (for model k) and the popularity weights (for model N);
  // per model layer only the id shuffle differs, so share what can be shared.
  const pmfByTraceLayer = fit.layers.map((lf) => clampPmf(countPmf(lf, fit.traceShape.topk, k), n, z));
  const cdfByTraceLayer = pmfByTraceLayer.map(cumulative);
  const sortedShareByTraceLayer = fit.layers.map((lf) =>
    n === fit.traceShape.ffnExperts ? null : rescaleSortedShares(lf.expertCounts, n),
  );
  const weightsCache: (Float64Array | undefined)[] = new Array(lm);
  const weightsOf = (l: number): Float64Array => {
    let w = weightsCache[l];
    if (w) return w;
    const tl = traceLayerOf(l);
    const shares = sortedShareByTraceLayer[tl];
    if (!shares) {
      const c = fit.layers[tl]!.expertCounts;
      w = new Float64Array(n);
      let s = 0;
      for (let e = 0; e < n; e++) s += (w[e] = c[e]! + 0.5);
      for (let e = 0; e < n; e++) w[e]! /= s;
    } else {
      const perm = shuffledIds(n, createRng(`${options.seed}:fit:ids:${l}`));
      w = new Float64Array(n);
      for (let r = 0; r < n; r++) w[perm[r]!] = shares[r]!;
    }
    weightsCache[l] = w;
    return w;
  };

  // Per block: the shared latent difficulty of its tokens; per layer: which blocks are drawn.
  const blocks = Math.ceil(pool / FIT_BLOCK_TOKENS);
  const blockSize = (block: number) => Math.min(FIT_BLOCK_TOKENS, pool - block * FIT_BLOCK_TOKENS);
  const latentBlocks: (Float64Array | undefined)[] = new Array(blocks);
  const latentOf = (block: number): Float64Array => {
    let lat = latentBlocks[block];
    if (lat) return lat;
    const rng = createRng(`${options.seed}:fit:latent:${block}`);
    lat = new Float64Array(blockSize(block));
    for (let i = 0; i < lat.length; i++) lat[i] = gaussian(rng);
    latentBlocks[block] = lat;
    return lat;
  };

  const columns: (Uint16Array | undefined)[] = new Array(lm);
  const drawn: (Uint8Array | undefined)[] = new Array(lm);
  const aliases: (Alias | undefined)[] = new Array(lm);
  /** Layer `l`'s column with block `block` drawn. */
  const columnWith = (l: number, block: number): Uint16Array => {
    let col = columns[l];
    let done = drawn[l];
    if (!col || !done) {
      col = columns[l] = new Uint16Array(pool * k);
      done = drawn[l] = new Uint8Array(blocks);
    }
    if (!done[block]) {
      sampleBlock(l, block, col);
      done[block] = 1;
    }
    return col;
  };

  function sampleBlock(l: number, block: number, out: Uint16Array): void {
    const rng = createRng(`${options.seed}:fit:layer:${l}:block:${block}`);
    const cdf = cdfByTraceLayer[traceLayerOf(l)]!;
    const alias = (aliases[l] ??= buildAlias(weightsOf(l)));
    const latent = latentOf(block);
    const zeroIds = new Uint16Array(z);
    for (let i = 0; i < z; i++) zeroIds[i] = n + i;
    const a = Math.sqrt(rho);
    const b = Math.sqrt(1 - rho);
    const first = block * FIT_BLOCK_TOKENS;
    for (let i = 0; i < latent.length; i++) {
      const u = normalCdf(a * latent[i]! + b * gaussian(rng));
      let f = 0;
      while (f < k && cdf[f]! < u) f++;
      const base = (first + i) * k;
      // f distinct FFN experts by popularity.
      for (let j = 0; j < f; j++) {
        let e = -1;
        for (let attempt = 0; attempt < 64 && e < 0; attempt++) {
          const c = drawAlias(alias, rng);
          if (!contains(out, base, base + j, c)) e = c;
        }
        if (e < 0) {
          // Fallback (only when a few experts hold nearly all the mass): the next unchosen id.
          e = rng.int(n);
          while (contains(out, base, base + j, e)) e = (e + 1) % n;
        }
        out[base + j] = e;
      }
      // k - f distinct zero experts, uniformly (partial Fisher-Yates over a persistent deck).
      for (let j = f; j < k; j++) {
        const pick = j - f + rng.int(z - (j - f));
        const tmp = zeroIds[j - f]!;
        zeroIds[j - f] = zeroIds[pick]!;
        zeroIds[pick] = tmp;
        out[base + j] = zeroIds[j - f]!;
      }
    }
  }

  const ts = fit.traceShape;
  const sameExperts = n === ts.ffnExperts;
  const meanTrace = fit.layers.reduce((s, lf) => s + lf.meanFfnPerToken, 0) / lt;
  const where = options.file ?? `model ${fit.traceModel}`;
  const corr = Number.isFinite(fit.layerCorrelationRaw)
    ? `shared per-token difficulty rho=${fit.layerCorrelation.toFixed(2)}${fit.layerCorrelationRaw < 0 ? ` (measured ${fit.layerCorrelationRaw.toFixed(2)}, clamped)` : ''}`
    : 'no inter-layer correlation (nothing to measure it on)';
  const description =
    `fitted from trace ${where} (${fit.traceTokens} tokens; ${describeShape(ts)}) to ${describeShape(model)}: ` +
    `per-layer expert popularity (${sameExperts ? 'expert ids kept' : `sorted curve rescaled ${ts.ffnExperts}->${n} experts, ids shuffled per layer`}), ` +
    `FFN experts/token (trace mean ${meanTrace.toFixed(2)} of ${ts.topk}${ts.topk === k ? ', empirical' : `, beta-binomial rescaled to top-${k}`}), ` +
    `${corr}; model layer l uses trace layer floor(l*${lt}/${lm}); pool ${pool} tokens, seed ${options.seed}`;

  return {
    kind: 'fitted',
    description,
    ffnExperts: n,
    zeroExperts: z,
    topk: k,
    layers: lm,
    fit,
    traceLayerOf,
    ffnCountPmf: (l) => pmfByTraceLayer[traceLayerOf(l)]!.slice(),
    expertWeights: (l) => weightsOf(l).slice(),
    // Pool tokens are independent draws, so one run is as random as scattered picks (see header).
    sampleTokens: (rng: Rng, count: number) => samplePositions(rng, pool, count, true),
    expertsOf(token: number, layer: number, out: Uint16Array): void {
      const col = columnWith(layer, Math.floor(token / FIT_BLOCK_TOKENS));
      const base = token * k;
      for (let j = 0; j < k; j++) out[j] = col[base + j]!;
    },
    poolLayer(layer: number): Uint16Array {
      for (let block = 0; block < blocks; block++) columnWith(layer, block);
      return columns[layer]!;
    },
  };
}

/** Decode: `count` independent uniform positions in [0, size); prefill: one run from a random start, wrapping. */
export function samplePositions(rng: Rng, size: number, count: number, contiguous: boolean): Int32Array {
  const out = new Int32Array(count);
  if (contiguous) {
    let p = rng.int(size);
    for (let i = 0; i < count; i++) {
      out[i] = p;
      if (++p === size) p = 0;
    }
  } else {
    for (let i = 0; i < count; i++) out[i] = rng.int(size);
  }
  return out;
}

/** P(f FFN picks out of `toK`) from a layer fit recorded with top-`fromK`. */
export function countPmf(lf: LayerFit, fromK: number, toK: number): Float64Array {
  const total = lf.ffnCountHist.reduce((s, v) => s + v, 0);
  if (fromK === toK) return lf.ffnCountHist.map((v) => v / total);
  const p = lf.meanFfnPerToken / fromK;
  const out = new Float64Array(toK + 1);
  if (p <= 0) {
    out[0] = 1;
    return out;
  }
  if (p >= 1) {
    out[toK] = 1;
    return out;
  }
  // Beta-binomial intra-class correlation from var = k p (1-p) (1 + (k-1) c).
  const c = fromK > 1 ? (lf.varFfnPerToken / (fromK * p * (1 - p)) - 1) / (fromK - 1) : 0;
  out[0] = 1;
  if (c > 1e-9) {
    const cc = Math.min(c, 0.999);
    const alpha = p * (1 / cc - 1);
    const beta = (1 - p) * (1 / cc - 1);
    for (let f = 0; f < toK; f++) out[f + 1] = (out[f]! * ((toK - f) / (f + 1)) * (f + alpha)) / (toK - f - 1 + beta);
  } else {
    for (let f = 0; f < toK; f++) out[f + 1] = (out[f]! * ((toK - f) / (f + 1)) * p) / (1 - p);
  }
  const s = out.reduce((a, v) => a + v, 0);
  return out.map((v) => v / s);
}

/** Moves mass the model cannot realise (f > N, or k - f > Z) to the nearest feasible count. */
function clampPmf(pmf: Float64Array, n: number, z: number): Float64Array {
  const k = pmf.length - 1;
  const lo = Math.max(0, k - z);
  const hi = Math.min(k, n);
  const out = new Float64Array(k + 1);
  for (let f = 0; f <= k; f++) out[Math.min(hi, Math.max(lo, f))]! += pmf[f]!;
  return out;
}

function cumulative(pmf: Float64Array): Float64Array {
  const out = new Float64Array(pmf.length);
  let s = 0;
  for (let i = 0; i < pmf.length; i++) out[i] = s += pmf[i]!;
  out[pmf.length - 1] = 1;
  return out;
}

/**
 * The trace's popularity curve (counts + 0.5, sorted descending) resampled onto `toN` ranks:
 * rank r gets C((r+1)/toN) - C(r/toN), C(x) = share of picks of the top x fraction of experts
 * (piecewise linear). Sums to 1; non-increasing.
 */
export function rescaleSortedShares(counts: Float64Array, toN: number): Float64Array {
  const from = Array.from(counts, (c) => c + 0.5).sort((a, b) => b - a);
  const m = from.length;
  const total = from.reduce((s, v) => s + v, 0);
  const cum = new Float64Array(m + 1);
  for (let i = 0; i < m; i++) cum[i + 1] = cum[i]! + from[i]! / total;
  const at = (x: number): number => {
    const pos = x * m;
    const i = Math.min(m - 1, Math.floor(pos));
    return cum[i]! + (pos - i) * (cum[i + 1]! - cum[i]!);
  };
  const out = new Float64Array(toN);
  for (let r = 0; r < toN; r++) out[r] = at((r + 1) / toN) - at(r / toN);
  return out;
}

function shuffledIds(n: number, rng: Rng): Int32Array {
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = ids[i]!;
    ids[i] = ids[j]!;
    ids[j] = tmp;
  }
  return ids;
}

function contains(a: Uint16Array, from: number, to: number, v: number): boolean {
  for (let i = from; i < to; i++) if (a[i] === v) return true;
  return false;
}

interface Alias {
  prob: Float64Array;
  alias: Int32Array;
}

/** Walker's alias table for weights summing to ~1. */
function buildAlias(w: Float64Array): Alias {
  const n = w.length;
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i]!;
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < n; i++) {
    scaled[i] = (w[i]! * n) / s;
    (scaled[i]! < 1 ? small : large).push(i);
  }
  while (small.length > 0 && large.length > 0) {
    const a = small.pop()!;
    const b = large.pop()!;
    prob[a] = scaled[a]!;
    alias[a] = b;
    scaled[b] = scaled[b]! + scaled[a]! - 1;
    (scaled[b]! < 1 ? small : large).push(b);
  }
  for (const i of large) prob[i] = 1;
  for (const i of small) prob[i] = 1;
  return { prob, alias };
}

/** One uniform serves both the column (integer part) and the coin (fraction; 32-bit rng, >= 2^-23 resolution for N <= 512). */
function drawAlias(t: Alias, rng: Rng): number {
  const x = rng.next() * t.prob.length;
  const i = Math.floor(x);
  // The coin's outcome is random, so choosing by arithmetic beats a branch that mispredicts.
  const alias = t.alias[i]!;
  return alias + (i - alias) * Number(x - i < t.prob[i]!);
}

/** Standard normal by Box-Muller (one value per call; simple beats fast here). */
function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Standard normal CDF via erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const y = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * y);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-y * y);
  return 0.5 * (1 + s * erf);
}
