// The fusion pipeline over named tensors (Float32Arrays, no tfjs): for every tensor, task vectors
// tau_i = theta_i - theta_base, then normalise (per tensor), drop (DARE, rescaled), erase (sign
// election), combine with the weights (over the survivors of the erase, or over all experts), and
// theta_fused = theta_base + delta. Each step is skipped
// when the recipe switches it off. The drop mask of expert i on tensor `name` comes from
// createRng(`${seed}:${name}:${i}`), so it does not depend on the order tensors are visited in.
import { createRng } from '../../sim/core/index.ts';
import { combineTaskVectors } from './combine.ts';
import { dropEntries } from './drop.ts';
import { electSigns, eraseMinority } from './erase.ts';
import { normalizeTaskVectors } from './normalize.ts';
import type { FusionRecipe } from '../options/index.ts';
import { applyTaskVector, l2Norm, taskVector } from './task-vectors.ts';

export type TensorSteps = Pick<FusionRecipe, 'normalize' | 'dropRate' | 'erase' | 'seed'> & Partial<Pick<FusionRecipe, 'signElection' | 'eraseMean'>>;

export interface TensorFusionStats {
  name: string;
  entries: number;
  /** ||tau_i|| per expert, before normalisation. */
  norms: number[];
  /** Task-vector entries zeroed by the drop, and by the erase (summed over experts). */
  dropped: number;
  erased: number;
}

export function fuseTensor(
  name: string,
  base: Float32Array,
  experts: readonly Float32Array[],
  weights: readonly number[],
  steps: TensorSteps,
): { fused: Float32Array; stats: TensorFusionStats } {
  let taus = experts.map((e) => taskVector(e, base));
  const norms = taus.map(l2Norm);
  if (steps.normalize) taus = normalizeTaskVectors(taus).vectors;
  let dropped = 0;
  if (steps.dropRate > 0) {
    taus = taus.map((tau, i) => {
      const r = dropEntries(tau, steps.dropRate, createRng(`${steps.seed}:${name}:${i}`));
      dropped += r.dropped;
      return r.vector;
    });
  }
  let erased: Uint8Array[] | undefined;
  let erasedCount = 0;
  if (steps.erase) {
    const r = eraseMinority(taus, electSigns(taus, weights, steps.signElection ?? 'count'));
    taus = r.vectors;
    erased = r.erased;
    erasedCount = r.count;
  }
  const delta = combineTaskVectors(taus, weights, steps.eraseMean === 'all' ? undefined : erased);
  return { fused: applyTaskVector(base, delta), stats: { name, entries: base.length, norms, dropped, erased: erasedCount } };
}

export interface ParamsFusion {
  params: Map<string, Float32Array>;
  perTensor: TensorFusionStats[];
  /** Totals: tensor entries, and task-vector entries dropped / erased (over all experts). */
  entries: number;
  dropped: number;
  erased: number;
}

/** Fuses every tensor of `base` (in its order); the experts must hold the same names and lengths. */
export function fuseParams(
  base: ReadonlyMap<string, Float32Array>,
  experts: readonly ReadonlyMap<string, Float32Array>[],
  weights: readonly number[],
  steps: TensorSteps,
): ParamsFusion {
  const params = new Map<string, Float32Array>();
  const perTensor: TensorFusionStats[] = [];
  let entries = 0;
  let dropped = 0;
  let erased = 0;
  for (const [name, b] of base) {
    const xs = experts.map((e, i) => {
      const x = e.get(name);
      if (!x) throw new Error(`fuseParams: expert ${i} has no tensor '${name}'`);
      return x;
    });
    const r = fuseTensor(name, b, xs, weights, steps);
    params.set(name, r.fused);
    perTensor.push(r.stats);
    entries += r.stats.entries;
    dropped += r.stats.dropped;
    erased += r.stats.erased;
  }
  return { params, perTensor, entries, dropped, erased };
}
