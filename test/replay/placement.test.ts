import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../sim/core/errors.ts';
import { contiguousPlacement, expertLoadFromSource, layerPlacements, loadAwarePlacement, rankLoadOf } from '../../sim/replay/placement.ts';
import { traceRoutingSource } from '../../sim/replay/trace-source.ts';
import { traceFromRows } from './fixtures.ts';

describe('contiguousPlacement()', () => {
  it('puts expert e on rank floor(e / (N / ep))', () => {
    const p = contiguousPlacement(8, 4);
    expect(p.expertsOn).toEqual([[0, 1], [2, 3], [4, 5], [6, 7]]);
    expect(p.replicasOf).toEqual([[0], [0], [1], [1], [2], [2], [3], [3]]);
    expect(p.kind).toBe('contiguous');
  });

  it('refuses an EP size that does not divide the experts, naming the key and a fix', () => {
    expect(() => contiguousPlacement(512, 48)).toThrow(ConfigError);
    expect(() => contiguousPlacement(512, 48)).toThrow(
      'parallel.ep: contiguous expert placement needs the EP group size to divide the 512 FFN experts; got 48 ' +
        '(512 / 48 = 10.67 experts per rank). Use an EP size that divides 512 (e.g. 4, 8, 16, 32, 64, 128) or placement: load-aware',
    );
  });
});

describe('loadAwarePlacement()', () => {
  // Loads 10, 4, 3, 1 on 2 ranks with 1 redundant slot (3 slots per rank, one left free).
  // Contiguous: rank 0 = {0, 1} = 14, rank 1 = {2, 3} = 4.
  // EPLB: replicate expert 0 (5 + 5); pack 5 -> r0, 5 -> r1 (r0 already hosts 0), 4 -> r0 (tie 5/5: lower
  // rank; r0 = 9), 3 -> r1 (5 < 9; r1 = 8), 1 -> r1 (8 < 9): rank 0 = {0, 1} = 9, rank 1 = {0, 2, 3} = 9.
  const loads = [10, 4, 3, 1];

  it('replicates the hottest expert and packs heaviest-first onto the least-loaded rank (hand example)', () => {
    const p = loadAwarePlacement(loads, 2, 1);
    expect(p.kind).toBe('load-aware');
    expect(p.expertsOn).toEqual([[0, 1], [0, 2, 3]]);
    expect(p.replicasOf).toEqual([[0, 1], [0], [1], [1]]);
    expect(Array.from(rankLoadOf(p, loads))).toEqual([9, 9]);
    expect(Math.max(...rankLoadOf(contiguousPlacement(4, 2), loads))).toBe(14);
  });

  it('without redundant slots packs within N / ep slots per rank', () => {
    const p = loadAwarePlacement(loads, 2, 0);
    // 2 slots per rank: 10 -> r0, 4 -> r1, 3 -> r1 (full), 1 -> r0: 11 vs 7 (contiguous: 14 vs 4).
    expect(p.expertsOn).toEqual([[0, 3], [1, 2]]);
    expect(Array.from(rankLoadOf(p, loads))).toEqual([11, 7]);
  });

  it('gives a very hot expert several replicas (highest load per replica first)', () => {
    const p = loadAwarePlacement([90, 1, 1, 1], 4, 4);
    expect(p.replicasOf[0]).toEqual([0, 1, 2, 3]);
    expect(Math.max(...rankLoadOf(p, [90, 1, 1, 1]))).toBeLessThan(24);
  });

  it('breaks ties deterministically (equal loads: expert order onto rank order)', () => {
    const p = loadAwarePlacement([1, 1, 1, 1], 2, 0);
    expect(p.expertsOn).toEqual([[0, 2], [1, 3]]);
    expect(loadAwarePlacement([1, 1, 1, 1], 2, 0)).toEqual(p);
  });

  it('refuses more redundant slots than ranks can take', () => {
    expect(() => loadAwarePlacement([1, 1], 2, 3)).toThrow(/parallel.redundantExperts: 3 redundant slots cannot be filled/);
  });
});

describe('expertLoadFromSource()', () => {
  it('counts FFN picks per expert and ignores zero experts', () => {
    const src = traceRoutingSource(traceFromRows({ layers: 1, ffnExperts: 3, zeroExperts: 1, topk: 2 }, [[[0, 1]], [[0, 3]], [[2, 0]]]), { mapping: 'exact' });
    expect(Array.from(expertLoadFromSource(src, 0, Int32Array.of(0, 1, 2, 2)))).toEqual([4, 1, 2]);
  });
});

describe('layerPlacements()', () => {
  const src = traceRoutingSource(
    traceFromRows({ layers: 2, ffnExperts: 4, zeroExperts: 0, topk: 1 }, [[[0], [3]], [[0], [3]], [[1], [2]]]),
    { mapping: 'exact' },
  );

  it('places each layer by its own loads (load-aware) or shares one contiguous placement', () => {
    const la = layerPlacements({ source: src, kind: 'load-aware', ep: 2, redundantExperts: 0, calibrationTokens: Int32Array.of(0, 1, 2) });
    // Layer 0 loads [2, 1, 0, 0]; layer 1 loads [0, 0, 1, 2].
    expect(la.map((p) => p.expertsOn)).toEqual([[[0, 3], [1, 2]], [[1, 3], [0, 2]]]);
    const c = layerPlacements({ source: src, kind: 'contiguous', ep: 2 });
    expect(c[0]).toBe(c[1]);
  });
});
