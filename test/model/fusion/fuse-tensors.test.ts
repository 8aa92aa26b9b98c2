// The whole per-tensor pipeline: identities (a model fused with itself; one expert), the plain
// average baseline, a hand-worked normalise + erase example, and determinism of the drop.
import { describe, expect, it } from 'vitest';
import { fuseParams, fuseTensor, type TensorSteps } from '../../../model/fusion/fuse-tensors.ts';
import { averageBiases } from '../../../model/fusion/router-biases.ts';

const f32 = (...xs: number[]) => Float32Array.from(xs);
const ALL_ON: TensorSteps = { normalize: true, dropRate: 0.4, erase: true, seed: 3 };
const ALL_OFF: TensorSteps = { normalize: false, dropRate: 0, erase: false, seed: 3 };

function randomMap(seed: number): Map<string, Float32Array> {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return new Map([
    ['embed', Float32Array.from({ length: 12 }, next)],
    ['L0.moe.router', Float32Array.from({ length: 6 }, next)],
    ['final.norm', Float32Array.from({ length: 3 }, next)],
  ]);
}

describe('fuseTensor()', () => {
  it('returns the model itself when every expert is the base, whatever the steps', () => {
    const base = f32(0.5, -1.25, 3, 0);
    for (const steps of [ALL_ON, ALL_OFF, { ...ALL_ON, dropRate: 0.9 }]) {
      const r = fuseTensor('w', base, [base, Float32Array.from(base), Float32Array.from(base)], [1 / 3, 1 / 3, 1 / 3], steps);
      expect(r.fused).toEqual(base);
    }
  });

  it('returns the expert when there is one and nothing is dropped', () => {
    const base = f32(1, 2, 3);
    const expert = f32(1.5, 1, 3.25);
    expect(fuseTensor('w', base, [expert], [1], { ...ALL_ON, dropRate: 0 }).fused).toEqual(expert);
    expect(fuseTensor('w', base, [expert], [1], ALL_OFF).fused).toEqual(expert);
  });

  it('with every step off is plain task-vector averaging, i.e. the mean of the experts', () => {
    const base = f32(0, 0, 1);
    const r = fuseTensor('w', base, [f32(1, 2, 1), f32(3, -2, 2)], [0.5, 0.5], ALL_OFF);
    expect(r.fused).toEqual(f32(2, 0, 1.5));
  });

  it('normalise then erase, by hand', () => {
    const base = f32(0, 0);
    // tau_1 = [3, 4] (norm 5), tau_2 = [0, -1] (norm 1); s = 3 -> [1.8, 2.4] and [0, -3].
    // entry 0: only tau_1 votes, nothing erased; tau_2's 0 is a real "no change" and keeps its
    // weight -> (1.8 + 0) / 2 = 0.9. entry 1: tie 1 vs 1, weighted sum (2.4 - 3)/2 < 0 -> '-'
    // elected, tau_1's 2.4 erased and its weight left out -> (-3 / 2) / (1/2) = -3.
    const r = fuseTensor('w', base, [f32(3, 4), f32(0, -1)], [0.5, 0.5], { normalize: true, dropRate: 0, erase: true, seed: 1 });
    expect(r.fused).toEqual(f32(0.9, -3));
    expect(r.stats).toEqual({ name: 'w', entries: 2, norms: [5, 1], dropped: 0, erased: 1 });
    // With --erase-mean all the erased 2.4 still counts in the denominator: entry 1 -> -3/2.
    expect(fuseTensor('w', base, [f32(3, 4), f32(0, -1)], [0.5, 0.5], { normalize: true, dropRate: 0, erase: true, eraseMean: 'all', seed: 1 }).fused).toEqual(f32(0.9, -1.5));
    // The same without normalising: entry 0 -> 3/2; entry 1 is 4 vs -1, '+' wins -> (4/2) / (1/2) = 4.
    expect(fuseTensor('w', base, [f32(3, 4), f32(0, -1)], [0.5, 0.5], { normalize: false, dropRate: 0, erase: true, seed: 1 }).fused).toEqual(f32(1.5, 4));
  });
});

describe('fuseParams()', () => {
  it('is deterministic for a seed and changes with it', () => {
    const base = randomMap(1);
    const experts = [randomMap(2), randomMap(3), randomMap(4)];
    const w = [1 / 3, 1 / 3, 1 / 3];
    const a = fuseParams(base, experts, w, ALL_ON);
    const b = fuseParams(base, experts, w, ALL_ON);
    expect([...a.params]).toEqual([...b.params]);
    expect(a.dropped).toBeGreaterThan(0);
    const c = fuseParams(base, experts, w, { ...ALL_ON, seed: 4 });
    expect(c.params.get('embed')).not.toEqual(a.params.get('embed'));
  });

  it('does not depend on the order the tensors are listed in (each drop mask is seeded by its tensor name)', () => {
    const reorder = (m: Map<string, Float32Array>) => new Map([...m].reverse());
    const base = randomMap(1);
    const experts = [randomMap(2), randomMap(3)];
    const a = fuseParams(base, experts, [0.5, 0.5], ALL_ON);
    const b = fuseParams(reorder(base), experts.map(reorder), [0.5, 0.5], ALL_ON);
    for (const [name, v] of a.params) expect(b.params.get(name)).toEqual(v);
  });

  it('counts entries, drops and erases over every tensor', () => {
    const base = randomMap(1);
    const r = fuseParams(base, [randomMap(2), randomMap(3)], [0.5, 0.5], { ...ALL_OFF, erase: true });
    expect(r.entries).toBe(21);
    expect(r.dropped).toBe(0);
    expect(r.erased).toBe(r.perTensor.reduce((n, t) => n + t.erased, 0));
    expect(r.perTensor.map((t) => t.name)).toEqual(['embed', 'L0.moe.router', 'final.norm']);
  });
});

describe('averageBiases()', () => {
  it('moves each MoE layer\'s biases by the weighted mean of the experts\' changes, nothing else', () => {
    const base = [f32(0, 1, -1), f32(2, 2, 2)];
    const experts = [
      [f32(1, 1, -1), f32(2, 4, 2)],
      [f32(-1, 3, -1), f32(2, 2, 0)],
    ];
    expect(averageBiases(base, experts, [0.75, 0.25])).toEqual([f32(0.5, 1.5, -1), f32(2, 3.5, 1.5)]);
    expect(averageBiases(base, [base, base], [0.5, 0.5])).toEqual(base);
  });
});
