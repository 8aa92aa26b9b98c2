// Routing traces for the replay tests (tests only): hand-written ones and a seeded generator.
import { createRng } from '../../sim/core/rng.ts';
import type { RoutingTrace } from '../../sim/trace/routing-trace.ts';

export interface FixtureShape {
  layers: number;
  ffnExperts: number;
  zeroExperts: number;
  topk: number;
}

/** A trace from explicit picks: rows[token][layer] = the k expert ids. */
export function traceFromRows(shape: FixtureShape, rows: number[][][], name = 'hand-made'): RoutingTrace {
  const { layers, topk } = shape;
  const experts = new Uint16Array(rows.length * layers * topk);
  rows.forEach((perLayer, t) => {
    if (perLayer.length !== layers) throw new Error(`token ${t}: ${perLayer.length} layers, expected ${layers}`);
    perLayer.forEach((ids, l) => {
      if (ids.length !== topk) throw new Error(`token ${t} layer ${l}: ${ids.length} ids, expected ${topk}`);
      ids.forEach((e, j) => (experts[(t * layers + l) * topk + j] = e));
    });
  });
  return {
    model: { name, ...shape },
    provenance: { createdBy: 'test/replay/fixtures.ts' },
    tokens: rows.length,
    experts,
    gates: new Float32Array(experts.length).fill(1 / topk),
  };
}

export interface RandomTraceOptions extends FixtureShape {
  tokens: number;
  seed: number | string;
  /** Popularity of FFN expert of rank r ~ 1 / (1 + r)^skew (ids shuffled); 0 = uniform. */
  skew?: number;
  /** Weight of a per-token difficulty shared by all layers, 0..1 (0 = layers independent). */
  difficultyWeight?: number;
  /** Mean share of FFN picks, 0..1 (default N / (N + Z)). */
  ffnShare?: number;
}

/**
 * A seeded random trace: each token has a difficulty d in [0,1); at each layer its FFN share is
 * w*d + (1-w)*u (u fresh per layer), its FFN count is round(k * clamp(share * 2 * ffnShare)),
 * its FFN experts are drawn by a skewed popularity (distinct), its other picks uniform zero experts.
 */
export function randomTrace(o: RandomTraceOptions): RoutingTrace {
  const rng = createRng(`fixture:${o.seed}`);
  const { layers, ffnExperts: n, zeroExperts: z, topk: k, tokens } = o;
  const skew = o.skew ?? 1;
  const w = o.difficultyWeight ?? 0.7;
  const share = o.ffnShare ?? n / (n + z);
  const perLayerIds: number[][] = [];
  for (let l = 0; l < layers; l++) {
    const ids = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    perLayerIds.push(ids);
  }
  const cum: number[] = [];
  let s = 0;
  for (let r = 0; r < n; r++) cum.push((s += 1 / Math.pow(1 + r, skew)));
  const drawRank = (): number => {
    const u = rng.next() * s;
    let r = 0;
    while (cum[r]! < u) r++;
    return r;
  };
  const rows: number[][][] = [];
  for (let t = 0; t < tokens; t++) {
    const d = rng.next();
    const perLayer: number[][] = [];
    for (let l = 0; l < layers; l++) {
      const mix = w * d + (1 - w) * rng.next();
      let f = Math.round(k * Math.min(1, Math.max(0, mix * 2 * share)));
      f = Math.min(f, n, k);
      f = Math.max(f, k - z);
      const picks: number[] = [];
      while (picks.length < f) {
        const e = perLayerIds[l]![drawRank()]!;
        if (!picks.includes(e)) picks.push(e);
      }
      while (picks.length < k) {
        const e = n + rng.int(z);
        if (!picks.includes(e)) picks.push(e);
      }
      perLayer.push(picks);
    }
    rows.push(perLayer);
  }
  return traceFromRows(o, rows, `random-${o.seed}`);
}
