// The pure fusion steps on hand-written tensors, with exact expected outputs: normalisation, the
// seeded drop, the sign election and erase, the weights and the combination, and their
// degenerate cases (a zero task vector, all experts agreeing, ties).
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../sim/core/rng.ts';
import { combineTaskVectors, performanceWeights, uniformWeights } from '../../../model/fusion/combine.ts';
import { dropEntries } from '../../../model/fusion/drop.ts';
import { electSigns, eraseMinority } from '../../../model/fusion/erase.ts';
import { normalizeTaskVectors } from '../../../model/fusion/normalize.ts';
import { applyTaskVector, l2Norm, taskVector } from '../../../model/fusion/task-vectors.ts';

const f32 = (...xs: number[]) => Float32Array.from(xs);

describe('taskVector() / applyTaskVector()', () => {
  it('tau = theta - base and back', () => {
    const base = f32(1, 2, 3);
    const tau = taskVector(f32(1.5, 2, 1), base);
    expect(tau).toEqual(f32(0.5, 0, -2));
    expect(applyTaskVector(base, tau)).toEqual(f32(1.5, 2, 1));
    expect(l2Norm(f32(3, 4))).toBe(5);
  });
});

describe('normalizeTaskVectors()', () => {
  it('scales every task vector to the mean L2 norm of the non-zero ones: ||[3,4]|| = 5, ||[0,1]|| = 1 -> s = 3', () => {
    const r = normalizeTaskVectors([f32(3, 4), f32(0, 1)]);
    expect(r.norms).toEqual([5, 1]);
    expect(r.scale).toBe(3);
    // [3,4] * 3/5 and [0,1] * 3/1
    expect(r.vectors).toEqual([f32(1.8, 2.4), f32(0, 3)]);
  });

  it('leaves a zero task vector zero and does not let it shrink the others', () => {
    const r = normalizeTaskVectors([f32(0, 0), f32(3, 4)]);
    expect(r.scale).toBe(5);
    expect(r.vectors).toEqual([f32(0, 0), f32(3, 4)]);
  });

  it('returns zeros and scale 0 when every task vector is zero', () => {
    const r = normalizeTaskVectors([f32(0, 0, 0), f32(0, 0, 0)]);
    expect(r.scale).toBe(0);
    expect(r.vectors).toEqual([f32(0, 0, 0), f32(0, 0, 0)]);
  });

  it('changes nothing when the norms already agree', () => {
    const r = normalizeTaskVectors([f32(3, -4), f32(0, 5)]);
    expect(r.vectors).toEqual([f32(3, -4), f32(0, 5)]);
  });
});

describe('dropEntries()', () => {
  it('zeroes the entries the seeded Rng picks and rescales the survivors by 1/(1-P)', () => {
    const r = dropEntries(f32(1, 2, 3, 4, 5, 6, 7, 8), 0.5, createRng(42));
    expect(r.vector).toEqual(f32(0, 4, 0, 8, 10, 12, 0, 0));
    expect(r.dropped).toBe(4);
    const r2 = dropEntries(f32(0.4, -0.8, 1.2, 0, 2), 0.2, createRng('drop'));
    // x 1/(1 - 0.2) = x 1.25; the last entry was dropped.
    expect(r2.vector).toEqual(f32(0.5, -1, 1.5, 0, 0));
    expect(r2.dropped).toBe(1);
  });

  it('draws once per entry whatever its value, so a zero task vector consumes the same mask', () => {
    const a = dropEntries(f32(1, 2, 3, 4, 5, 6, 7, 8), 0.5, createRng(42));
    const z = dropEntries(new Float32Array(8), 0.5, createRng(42));
    expect(z.vector).toEqual(new Float32Array(8));
    expect(z.dropped).toBe(a.dropped);
  });

  it('is the identity at P = 0 and deterministic for a seed', () => {
    expect(dropEntries(f32(1, -2), 0, createRng(1))).toEqual({ vector: f32(1, -2), dropped: 0 });
    const x = Float32Array.from({ length: 64 }, (_, i) => i - 30);
    expect(dropEntries(x, 0.3, createRng(9))).toEqual(dropEntries(x, 0.3, createRng(9)));
    expect(dropEntries(x, 0.3, createRng(9)).vector).not.toEqual(dropEntries(x, 0.3, createRng(10)).vector);
  });

  it.each([-0.1, 1, Number.NaN])('refuses rate %s', (rate) => {
    expect(() => dropEntries(f32(1), rate, createRng(1))).toThrow(/rate must be in \[0, 1\)/);
  });
});

describe('electSigns() and eraseMinority()', () => {
  it("erases the article's minority: +0.2 and +0.25 against -0.8 elect +, the -0.8 goes", () => {
    const taus = [f32(0.2), f32(0.25), f32(-0.8)];
    const signs = electSigns(taus, uniformWeights(3));
    expect(signs).toEqual(Int8Array.from([1]));
    const r = eraseMinority(taus, signs);
    expect(r.vectors).toEqual([f32(0.2), f32(0.25), f32(0)]);
    expect(r.erased).toEqual([Uint8Array.from([0]), Uint8Array.from([0]), Uint8Array.from([1])]);
    expect(r.count).toBe(1);
  });

  it("with the mass election (TIES) keeps the article's -0.8 instead: (0.2 + 0.25 - 0.8) / 3 < 0", () => {
    const taus = [f32(0.2), f32(0.25), f32(-0.8)];
    const signs = electSigns(taus, uniformWeights(3), 'mass');
    expect(signs).toEqual(Int8Array.from([-1]));
    expect(eraseMinority(taus, signs).vectors).toEqual([f32(0), f32(0), f32(-0.8)]);
  });

  it('per entry, on a hand-made 3 x 4 example', () => {
    const taus = [f32(1, -1, 0.5, 0), f32(2, -3, -0.5, 0), f32(-1, 1, 0, 0)];
    // entry 0: 2 up vs 1 down -> +; entry 1: 2 down vs 1 up -> -;
    // entry 2: 1 vs 1 (the 0 does not vote), sum 0 -> no election; entry 3: all zero -> none.
    const signs = electSigns(taus, uniformWeights(3));
    expect(signs).toEqual(Int8Array.from([1, -1, 0, 0]));
    const r = eraseMinority(taus, signs);
    expect(r.vectors).toEqual([f32(1, -1, 0.5, 0), f32(2, -3, -0.5, 0), f32(0, 0, 0, 0)]);
    expect(r.count).toBe(2);
  });

  it('erases nothing when all experts agree', () => {
    const taus = [f32(1, -2, 0), f32(3, -1, 0), f32(0.5, -0.5, 0)];
    const signs = electSigns(taus, uniformWeights(3));
    expect(signs).toEqual(Int8Array.from([1, -1, 0]));
    const r = eraseMinority(taus, signs);
    expect(r.count).toBe(0);
    expect(r.vectors).toEqual(taus);
  });

  it('breaks a tie in count by the weighted sum (two experts that disagree)', () => {
    const taus = [f32(0.3), f32(-0.5)];
    expect(electSigns(taus, [0.5, 0.5])).toEqual(Int8Array.from([-1]));
    // 0.7 * 0.3 - 0.3 * 0.5 = 0.06 > 0
    expect(electSigns(taus, [0.7, 0.3])).toEqual(Int8Array.from([1]));
    expect(eraseMinority(taus, Int8Array.from([-1])).vectors).toEqual([f32(0), f32(-0.5)]);
  });

  it('elects nothing and erases nothing on an exact tie', () => {
    const taus = [f32(0.5), f32(-0.5)];
    const signs = electSigns(taus, [0.5, 0.5]);
    expect(signs).toEqual(Int8Array.from([0]));
    expect(eraseMinority(taus, signs)).toEqual({ vectors: taus, erased: [Uint8Array.from([0]), Uint8Array.from([0])], count: 0 });
  });

  it('lets a zero task vector neither vote nor be erased', () => {
    const taus = [f32(0, 0), f32(1, -1), f32(2, 1)];
    const signs = electSigns(taus, uniformWeights(3));
    // entry 0: +,+ -> +; entry 1: 1 vs 1, sum (-1 + 1)/3 = 0 -> none
    expect(signs).toEqual(Int8Array.from([1, 0]));
    expect(eraseMinority(taus, signs).count).toBe(0);
  });
});

describe('uniformWeights() / performanceWeights()', () => {
  it('uniform: 1/n each', () => {
    expect(uniformWeights(4)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('performance: proportional to the positive gains, a loss counted as 0', () => {
    expect(performanceWeights([0.125, 0.375, -0.25])).toEqual({ weights: [0.25, 0.75, 0], fellBack: false });
  });

  it('performance: falls back to uniform when no expert gained', () => {
    expect(performanceWeights([0, -0.1])).toEqual({ weights: [0.5, 0.5], fellBack: true });
  });
});

describe('combineTaskVectors()', () => {
  it('without erasing is the weighted average (uniform: plain task-vector averaging)', () => {
    expect(combineTaskVectors([f32(1, 2), f32(3, -2)], [0.5, 0.5])).toEqual(f32(2, 0));
    expect(combineTaskVectors([f32(1, 2), f32(3, -2)], [0.75, 0.25])).toEqual(f32(1.5, 1));
  });

  it("after erasing averages the survivors over their own weights: the article's example gives (0.2 + 0.25) / 2", () => {
    const taus = [f32(0.2), f32(0.25), f32(0)];
    const erased = [Uint8Array.from([0]), Uint8Array.from([0]), Uint8Array.from([1])];
    expect(combineTaskVectors(taus, uniformWeights(3), erased)).toEqual(f32(0.225));
    // Without the erase mask the erased zero would dilute the update to 0.45 / 3.
    expect(combineTaskVectors(taus, uniformWeights(3))).toEqual(f32(0.15));
  });

  it('gives 0 for an entry every expert left at 0', () => {
    expect(combineTaskVectors([f32(0), f32(0)], [0.5, 0.5], [Uint8Array.from([0]), Uint8Array.from([0])])).toEqual(f32(0));
  });
});
