// What `epsim fuse` does, as data: each step of the LongCat-Flash-Thinking fusion (normalise,
// weight, drop, erase) can be switched off, so the same code also gives plain task-vector
// averaging. The recipe is recorded in the fused checkpoint's config.json (run.origin). It lives
// in model/options/, not model/fusion/, so `epsim fuse --help` can show its choices and defaults
// without loading TensorFlow.js.
import { UsageError } from '../../sim/core/index.ts';
import type { CorpusDomain } from '../corpus/index.ts';

export const FUSION_WEIGHTINGS = ['uniform', 'performance'] as const;
/** uniform: w_i = 1/n; performance: w_i proportional to expert i's validation-loss gain on its own domain. */
export type FusionWeighting = (typeof FUSION_WEIGHTINGS)[number];

/** How erase elects the sign on an entry (fusion/erase.ts). */
export const SIGN_ELECTIONS = ['count', 'mass'] as const;
export type SignElection = (typeof SIGN_ELECTIONS)[number];

export const ERASE_MEANS = ['survivors', 'all'] as const;
export type EraseMean = (typeof ERASE_MEANS)[number];

export const ROUTER_BIAS_MODES = ['recalibrate', 'average', 'base'] as const;
/**
 * The router selection biases are controller state, not learned weights, so they are not fused
 * like a task vector. recalibrate: start from their weighted average, then run the budget
 * controller (bias-controller.ts, its rate decaying linearly to 0) on mixed-domain training
 * batches with the fused weights frozen; average: base + sum_i w_i (b_i - b_base); base: the
 * base's biases unchanged.
 */
export type RouterBiasMode = (typeof ROUTER_BIAS_MODES)[number];

export interface FusionRecipe {
  /**
   * L2 normalisation per tensor: each expert's task vector on a tensor is scaled to the mean L2
   * norm of the experts' non-zero task vectors on that tensor (so the scale is restored, not 1).
   * Default true.
   */
  normalize: boolean;
  /** How the experts' task vectors are weighted (the weights sum to 1). Default 'uniform'. */
  weights: FusionWeighting;
  /**
   * DARE: share P in [0, 1) of each task vector's entries zeroed at random; survivors are
   * multiplied by 1/(1-P) so the expected update is unchanged. Default 0 (off).
   */
  dropRate: number;
  /**
   * Erase: per entry, elect a sign (the side more experts take; on a tie in count, the sign of the
   * weighted sum) and zero the entries of the minority side. Default false.
   */
  erase: boolean;
  /**
   * After erasing: 'survivors' averages an entry's surviving updates over their own weights (the
   * disjoint mean of TIES and mergekit's SCE); 'all' keeps every expert's weight in the
   * denominator, erased ones counting as 0. Default 'survivors'.
   */
  eraseMean: EraseMean;
  /** How erase elects the sign: 'count' (one vote per expert, the article's rule) or 'mass' (TIES). Default 'count'. */
  signElection: SignElection;
  /** Seed of the drop masks (createRng(`${seed}:${tensor}:${expert}`)). Default 1. */
  seed: number;
  /** Router selection biases: see RouterBiasMode. Default 'recalibrate'. */
  routerBiases: RouterBiasMode;
  /** Controller steps (training batches, learning rate 0) for 'recalibrate'. Default 100. */
  recalibrationSteps: number;
}

export const DEFAULT_FUSION_RECIPE: Readonly<FusionRecipe> = {
  normalize: true,
  weights: 'uniform',
  dropRate: 0,
  erase: false,
  eraseMean: 'survivors',
  signElection: 'count',
  seed: 1,
  routerBiases: 'recalibrate',
  recalibrationSteps: 100,
};

/** Plain task-vector averaging: theta_base + mean_i(theta_i - theta_base) = mean_i theta_i. */
export const PLAIN_AVERAGE: Readonly<Pick<FusionRecipe, 'normalize' | 'weights' | 'dropRate' | 'erase'>> = {
  normalize: false,
  weights: 'uniform',
  dropRate: 0,
  erase: false,
};

/** Fills in the defaults and checks every field (one message per bad field). */
export function resolveRecipe(partial: Partial<FusionRecipe> = {}): FusionRecipe {
  const r: FusionRecipe = { ...DEFAULT_FUSION_RECIPE, ...partial };
  const problems: string[] = [];
  if (!(FUSION_WEIGHTINGS as readonly string[]).includes(r.weights)) {
    problems.push(`--weights must be one of ${FUSION_WEIGHTINGS.join(', ')}; got '${r.weights}'`);
  }
  if (!(Number.isFinite(r.dropRate) && r.dropRate >= 0 && r.dropRate < 1)) problems.push(`--drop-rate must be in [0, 1); got ${r.dropRate}`);
  if (!(ERASE_MEANS as readonly string[]).includes(r.eraseMean)) problems.push(`--erase-mean must be one of ${ERASE_MEANS.join(', ')}; got '${r.eraseMean}'`);
  if (!(SIGN_ELECTIONS as readonly string[]).includes(r.signElection)) {
    problems.push(`--sign-election must be one of ${SIGN_ELECTIONS.join(', ')}; got '${r.signElection}'`);
  }
  if (!Number.isInteger(r.seed)) problems.push(`--seed must be an integer; got ${r.seed}`);
  if (!(ROUTER_BIAS_MODES as readonly string[]).includes(r.routerBiases)) {
    problems.push(`--router-biases must be one of ${ROUTER_BIAS_MODES.join(', ')}; got '${r.routerBiases}'`);
  }
  if (!(Number.isInteger(r.recalibrationSteps) && r.recalibrationSteps >= 0)) {
    problems.push(`--recalibration-steps must be an integer >= 0; got ${r.recalibrationSteps}`);
  }
  if (problems.length) throw new UsageError(problems.join('; '));
  return r;
}

/** One line naming the steps that are on, e.g. "normalise + drop 0.3 + erase, uniform weights". */
export function describeRecipe(r: FusionRecipe): string {
  const steps = [r.normalize ? 'normalise' : '', r.dropRate > 0 ? `drop ${r.dropRate}` : '', r.erase ? `erase${r.signElection === 'count' ? '' : ` (${r.signElection} election)`}${r.eraseMean === 'survivors' ? '' : ' (mean over all)'}` : ''].filter(Boolean);
  const biases = r.routerBiases === 'recalibrate' ? `recalibrated biases (${r.recalibrationSteps} steps)` : `${r.routerBiases} biases`;
  return `${steps.length ? steps.join(' + ') : 'plain task-vector average'}, ${r.weights} weights, ${biases}`;
}

/** Provenance of a fused checkpoint (config.json `run.origin`). */
export interface FusionOrigin {
  kind: 'fusion';
  base: string;
  baseWeightsSha256: string;
  experts: { dir: string; domain?: CorpusDomain; weightsSha256: string; weight: number }[];
  recipe: FusionRecipe;
  /** Totals over every tensor: entries, share dropped, share erased. */
  stats: { entries: number; dropped: number; erased: number };
}
