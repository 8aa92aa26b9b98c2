// Invariants of buildLayerTraffic over random small traces, placements and node layouts, checked
// against a naive reference written with Sets (same replica rule, no typed-array tricks).
import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/core/rng.ts';
import { buildLayerTraffic } from '../../sim/replay/build-traffic.ts';
import { contiguousPlacement, expertLoadFromSource, loadAwarePlacement } from '../../sim/replay/placement.ts';
import type { RoutingSource } from '../../sim/replay/routing-source.ts';
import { sampleStepTokens } from '../../sim/replay/sample-step.ts';
import { traceRoutingSource } from '../../sim/replay/trace-source.ts';
import type { ExpertPlacement } from '../../sim/replay/traffic.ts';
import { randomTrace } from './fixtures.ts';

function reference(source: RoutingSource, layer: number, tokensByRank: Int32Array[], p: ExpertPlacement, gpusPerNode: number, firstGpu: number) {
  const ep = p.ep;
  const nodeOf = (r: number) => Math.floor((firstGpu + r) / gpusPerNode) - Math.floor(firstGpu / gpusPerNode);
  const nodes = nodeOf(ep - 1) + 1;
  const toRank = new Array<number>(ep * ep).fill(0);
  const toNode = new Array<number>(ep * nodes).fill(0);
  const expertTokens = p.expertsOn.map((l) => new Array<number>(l.length).fill(0));
  const uses = new Map<number, number>();
  let picks = 0;
  let tokens = 0;
  let zeroOnly = 0;
  const out = new Uint16Array(source.topk);
  tokensByRank.forEach((list, src) => {
    for (const t of list) {
      tokens++;
      source.expertsOf(t, layer, out);
      const ranks = new Set<number>();
      let f = 0;
      for (const e of out) {
        if (e >= p.ffnExperts) continue;
        f++;
        const reps = p.replicasOf[e]!;
        let dst: number;
        if (reps.length === 1) dst = reps[0]!;
        else if (reps.includes(src)) dst = src;
        else {
          const local = reps.filter((r) => nodeOf(r) === nodeOf(src));
          const cands = local.length > 0 ? local : reps;
          const u = uses.get(e) ?? 0;
          uses.set(e, u + 1);
          dst = cands[u % cands.length]!;
        }
        if (reps.length > 1 && reps.includes(src)) uses.set(e, (uses.get(e) ?? 0) + 1);
        ranks.add(dst);
        expertTokens[dst]![p.expertsOn[dst]!.indexOf(e)]!++;
      }
      picks += f;
      if (f === 0) zeroOnly++;
      for (const r of ranks) toRank[src * ep + r]!++;
      for (const n of new Set([...ranks].map(nodeOf))) if (n !== nodeOf(src)) toNode[src * nodes + n]!++;
    }
  });
  return { toRank, toNode, expertTokens, picks, tokens, zeroOnly };
}

describe('buildLayerTraffic() properties over random traces', () => {
  it('matches a naive reference and keeps its conservation laws (60 random cases)', () => {
    const rng = createRng('replay-properties');
    for (let c = 0; c < 60; c++) {
      const ffnExperts = [4, 6, 8, 12, 16][rng.int(5)]!;
      const zeroExperts = rng.int(5);
      const topk = 1 + rng.int(Math.min(6, ffnExperts + zeroExperts));
      const layers = 1 + rng.int(3);
      const trace = randomTrace({ layers, ffnExperts, zeroExperts, topk, tokens: 20 + rng.int(60), seed: `p${c}`, skew: rng.next() * 2 });
      const source = traceRoutingSource(trace, { mapping: 'exact' });
      const divisors = [1, 2, 4].filter((d) => ffnExperts % d === 0);
      const loadAware = rng.next() < 0.5;
      const ep = loadAware ? 1 + rng.int(6) : divisors[rng.int(divisors.length)]!;
      const layer = rng.int(layers);
      const placement = loadAware
        ? loadAwarePlacement(expertLoadFromSource(source, layer, source.sampleTokens(rng, 50, false)), ep, rng.int(Math.min(4, ffnExperts * ep - ffnExperts + 1)))
        : contiguousPlacement(ffnExperts, ep);
      const gpusPerNode = 1 + rng.int(4);
      const firstGpu = rng.int(8);
      const tokensByRank = sampleStepTokens(source, rng, ep, 1 + rng.int(12), rng.next() < 0.5);
      const got = buildLayerTraffic({ source, layer, tokensByRank, placement, gpusPerNode, firstGpu });
      const want = reference(source, layer, tokensByRank, placement, gpusPerNode, firstGpu);
      const ctx = `case ${c}: N=${ffnExperts} Z=${zeroExperts} k=${topk} ep=${ep} ${placement.kind} gpn=${gpusPerNode} first=${firstGpu}`;
      expect(Array.from(got.tokensToRank), ctx).toEqual(want.toRank);
      expect(Array.from(got.tokensToNode), ctx).toEqual(want.toNode);
      expect(got.expertTokens.map((a) => Array.from(a)), ctx).toEqual(want.expertTokens);
      expect(got.zeroOnlyTokens, ctx).toBe(want.zeroOnly);

      // Conservation: every FFN pick is one GEMM assignment somewhere.
      const assigned = got.expertTokens.reduce((s, a) => s + a.reduce((x, y) => x + y, 0), 0);
      expect(assigned, ctx).toBe(want.picks);
      expect(got.rankAssignments.reduce((x, y) => x + y, 0), ctx).toBe(want.picks);
      expect(got.ffnExpertsPerToken * want.tokens, ctx).toBeCloseTo(want.picks, 9);
      // Each token with an FFN pick reaches at least one rank and at most one per pick.
      for (let src = 0; src < ep; src++) {
        const row = Array.from(got.tokensToRank.subarray(src * ep, (src + 1) * ep)).reduce((x, y) => x + y, 0);
        const out = new Uint16Array(topk);
        let withFfn = 0;
        let picks = 0;
        for (const t of tokensByRank[src]!) {
          source.expertsOf(t, layer, out);
          const f = Array.from(out).filter((e) => e < ffnExperts).length;
          picks += f;
          if (f > 0) withFfn++;
        }
        expect(row, ctx).toBeGreaterThanOrEqual(withFfn);
        expect(row, ctx).toBeLessThanOrEqual(picks);
      }
    }
  });
});
