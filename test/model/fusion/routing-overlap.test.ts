import { describe, expect, it } from 'vitest';
import { defaultTopK, jaccard, topExpertOverlap, topExperts } from '../../../model/fusion/routing-overlap.ts';

describe('topExperts() / jaccard() / topExpertOverlap()', () => {
  it('topExperts() picks the k largest loads, ties to the lower id, ids ascending', () => {
    expect(topExperts([5, 9, 9, 1, 7], 3)).toEqual([1, 2, 4]);
    expect(topExperts([2, 2, 2, 2], 2)).toEqual([0, 1]);
    expect(topExperts([1, 2], 5)).toEqual([0, 1]);
  });

  it('jaccard() is |A n B| / |A u B|', () => {
    expect(jaccard([1, 2, 3], [2, 3, 4])).toBe(0.5);
    expect(jaccard([1], [2])).toBe(0);
    expect(jaccard([], [])).toBe(1);
  });

  it('topExpertOverlap() averages the per-layer Jaccard indices', () => {
    const a = [Int32Array.from([9, 8, 0, 0]), Int32Array.from([0, 0, 5, 6])];
    const b = [Int32Array.from([9, 0, 8, 0]), Int32Array.from([0, 0, 6, 5])];
    // layer 0: {0,1} vs {0,2} -> 1/3; layer 1: {2,3} vs {2,3} -> 1
    expect(topExpertOverlap(a, b, 2)).toBeCloseTo(2 / 3, 12);
    expect(defaultTopK(32)).toBe(8);
    expect(defaultTopK(512)).toBe(128);
    expect(defaultTopK(2)).toBe(1);
  });
});
