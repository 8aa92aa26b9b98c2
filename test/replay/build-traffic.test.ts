import { describe, expect, it } from 'vitest';
import { buildLayerTraffic, createTrafficScratch } from '../../sim/replay/build-traffic.ts';
import { contiguousPlacement } from '../../sim/replay/placement.ts';
import { traceRoutingSource } from '../../sim/replay/trace-source.ts';
import type { ExpertPlacement } from '../../sim/replay/traffic.ts';
import { traceFromRows } from './fixtures.ts';

// 4 FFN experts (0..3) + 2 zero experts (4, 5), top-2, one layer; EP 2 contiguous:
// rank 0 hosts experts 0, 1; rank 1 hosts experts 2, 3.
const shape = { layers: 1, ffnExperts: 4, zeroExperts: 2, topk: 2 };
const hand = traceRoutingSource(
  traceFromRows(shape, [
    [[0, 1]], // t0: both experts on rank 0
    [[0, 2]], // t1: rank 0 and rank 1
    [[4, 5]], // t2: zero experts only
    [[3, 4]], // t3: rank 1 and a zero expert
    [[2, 3]], // t4: two experts on rank 1 -> sent once
  ]),
  { mapping: 'exact' },
);
const ep2 = contiguousPlacement(4, 2);
const tokensByRank = [Int32Array.of(0, 1, 2), Int32Array.of(3, 4)];

describe('buildLayerTraffic()', () => {
  it('counts tokens per destination rank once, including the diagonal (2 ranks, 1 layer, hand-checked)', () => {
    const t = buildLayerTraffic({ source: hand, layer: 0, tokensByRank, placement: ep2, gpusPerNode: 1, firstGpu: 0 });
    // Rank 0: t0 -> r0; t1 -> r0, r1; t2 -> nothing. Rank 1: t3 -> r1; t4 -> r1 (once).
    expect(Array.from(t.tokensToRank)).toEqual([2, 1, 0, 2]);
    // One GPU per node: only t1 crosses to the other node.
    expect(t.nodesInGroup).toBe(2);
    expect(Array.from(t.tokensToNode)).toEqual([0, 1, 0, 0]);
    // Rank 0 experts [0, 1]: e0 <- t0, t1; e1 <- t0. Rank 1 experts [2, 3]: e2 <- t1, t4; e3 <- t3, t4.
    expect(t.expertTokens.map((a) => Array.from(a))).toEqual([[2, 1], [2, 2]]);
    expect(Array.from(t.rankAssignments)).toEqual([3, 4]);
    expect(t.zeroOnlyTokens).toBe(1);
    expect(t.ffnExpertsPerToken).toBeCloseTo(7 / 5, 12);
  });

  it('leaves tokensToNode empty when the group fits in one node', () => {
    const t = buildLayerTraffic({ source: hand, layer: 0, tokensByRank, placement: ep2, gpusPerNode: 8, firstGpu: 0 });
    expect(t.nodesInGroup).toBe(1);
    expect(Array.from(t.tokensToNode)).toEqual([0, 0]);
    expect(Array.from(t.tokensToRank)).toEqual([2, 1, 0, 2]);
  });

  it('places ranks on nodes from firstGpu (a group starting mid-node spans two nodes)', () => {
    const t = buildLayerTraffic({ source: hand, layer: 0, tokensByRank, placement: ep2, gpusPerNode: 8, firstGpu: 7 });
    expect(t.nodesInGroup).toBe(2);
    expect(Array.from(t.tokensToNode)).toEqual([0, 1, 0, 0]);
  });

  it('sends a token with two experts on one rank once, but counts both GEMM assignments', () => {
    const t = buildLayerTraffic({ source: hand, layer: 0, tokensByRank: [Int32Array.of(4), new Int32Array(0)], placement: ep2, gpusPerNode: 1, firstGpu: 0 });
    expect(Array.from(t.tokensToRank)).toEqual([0, 1, 0, 0]);
    expect(Array.from(t.tokensToNode)).toEqual([0, 1, 0, 0]);
    expect(Array.from(t.rankAssignments)).toEqual([0, 2]);
  });

  it('makes no traffic and no GEMM work when every pick is a zero expert', () => {
    const zeros = traceRoutingSource(traceFromRows(shape, [[[4, 5]], [[5, 4]], [[4, 5]]]), { mapping: 'exact' });
    const t = buildLayerTraffic({ source: zeros, layer: 0, tokensByRank: [Int32Array.of(0, 1), Int32Array.of(2)], placement: ep2, gpusPerNode: 1, firstGpu: 0 });
    expect(Array.from(t.tokensToRank)).toEqual([0, 0, 0, 0]);
    expect(Array.from(t.tokensToNode)).toEqual([0, 0, 0, 0]);
    expect(t.expertTokens.map((a) => Array.from(a))).toEqual([[0, 0], [0, 0]]);
    expect(Array.from(t.rankAssignments)).toEqual([0, 0]);
    expect(t.zeroOnlyTokens).toBe(3);
    expect(t.ffnExpertsPerToken).toBe(0);
  });

  it('counts a token drawn twice twice (decode may draw a position more than once)', () => {
    const t = buildLayerTraffic({ source: hand, layer: 0, tokensByRank: [Int32Array.of(1, 1), new Int32Array(0)], placement: ep2, gpusPerNode: 1, firstGpu: 0 });
    expect(Array.from(t.tokensToRank)).toEqual([2, 2, 0, 0]);
  });

  it('is deterministic and independent of scratch reuse', () => {
    const scratch = createTrafficScratch();
    const a = buildLayerTraffic({ source: hand, layer: 0, tokensByRank, placement: ep2, gpusPerNode: 1, firstGpu: 0, scratch });
    const b = buildLayerTraffic({ source: hand, layer: 0, tokensByRank, placement: ep2, gpusPerNode: 1, firstGpu: 0, scratch });
    const c = buildLayerTraffic({ source: hand, layer: 0, tokensByRank, placement: ep2, gpusPerNode: 1, firstGpu: 0 });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('rejects token lists that do not match the EP size (a caller bug)', () => {
    expect(() => buildLayerTraffic({ source: hand, layer: 0, tokensByRank: [Int32Array.of(0)], placement: ep2, gpusPerNode: 1, firstGpu: 0 })).toThrow(
      /1 token lists for EP 2/,
    );
  });
});

describe('buildLayerTraffic() replica choice', () => {
  // One FFN expert (0) replicated on ranks 1 and 2 of a 4-rank group; expert 1 on rank 3;
  // rank 0 hosts expert 2 (never picked); 1 zero expert (id 3); top-1.
  const src = traceRoutingSource(traceFromRows({ layers: 1, ffnExperts: 3, zeroExperts: 1, topk: 1 }, [[[0]], [[0]], [[0]], [[0]]]), { mapping: 'exact' });
  const placement: ExpertPlacement = {
    ep: 4,
    ffnExperts: 3,
    replicasOf: [[1, 2], [3], [0]],
    expertsOn: [[2], [0], [0], [1]],
    kind: 'load-aware',
  };
  const four = Int32Array.of(0, 1, 2, 3);
  const none = new Int32Array(0);

  it('round-robins over the candidate replicas (those in the sender node, or all when none is)', () => {
    // One node of 4: both replicas are in the sender's node -> alternate rank 1, rank 2.
    const t = buildLayerTraffic({ source: src, layer: 0, tokensByRank: [four, none, none, none], placement, gpusPerNode: 4, firstGpu: 0 });
    expect(Array.from(t.tokensToRank.subarray(0, 4))).toEqual([0, 2, 2, 0]);
    // One GPU per node: neither replica is in the sender's node -> same alternation.
    const u = buildLayerTraffic({ source: src, layer: 0, tokensByRank: [four, none, none, none], placement, gpusPerNode: 1, firstGpu: 0 });
    expect(Array.from(u.tokensToRank.subarray(0, 4))).toEqual([0, 2, 2, 0]);
    expect(Array.from(u.tokensToNode.subarray(0, 4))).toEqual([0, 2, 2, 0]);
  });

  it('prefers a replica in the sender node, and the sender itself when it hosts one', () => {
    // Nodes {0,1} and {2,3}: rank 0 uses rank 1, rank 3 uses rank 2, ranks 1 and 2 keep their tokens.
    const t = buildLayerTraffic({ source: src, layer: 0, tokensByRank: [four, four, four, four], placement, gpusPerNode: 2, firstGpu: 0 });
    expect(Array.from(t.tokensToRank)).toEqual([0, 4, 0, 0, 0, 4, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0]);
    expect(Array.from(t.tokensToNode)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // Expert 0's 16 assignments split 8 / 8 between its replicas.
    expect(t.expertTokens.map((a) => Array.from(a))).toEqual([[0], [8], [8], [0]]);
  });
});
