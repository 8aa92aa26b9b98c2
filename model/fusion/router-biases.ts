// The router selection biases of a fused model. They are not weights learned by gradient but the
// budget controller's state (bias-controller.ts), each expert's set calibrated to that expert's
// router weights and its training data, so they are handled apart from the task vectors:
//   average:      b = b_base + sum_i w_i (b_i - b_base) (no normalise/drop/erase: they are offsets
//                 on a common logit scale, and dropping a bias entry would just move an expert);
//   base:         the base's biases;
//   recalibrate:  start from the average, then run the budget controller on mixed-domain training
//                 batches with the fused weights frozen (forward only, no gradient), so the biases
//                 fit the fused router weights the way a training run would have left them. The
//                 controller's rate decays linearly from mu to 0 over the steps: at a constant mu
//                 the biases keep jittering with the batch-to-batch load noise (measured on tiny:
//                 100 steps at mu = 6 ended anywhere in 4.0-4.1 FFN experts per token), and the
//                 decay lets them settle on the fixed point instead.
import * as tf from '@tensorflow/tfjs';
import { expertLoads, updateBiases } from '../index.ts';
import type { TokenBatch } from '../index.ts';
import type { RoutingChoice } from '../layers/index.ts';
import { routingStats } from '../index.ts';
import { forward, type MoeModel } from '../index.ts';
import { combineTaskVectors } from './combine.ts';
import { applyTaskVector, taskVector } from './task-vectors.ts';

/** Per MoE layer, b_base + sum_i w_i (b_i - b_base). */
export function averageBiases(base: readonly Float32Array[], experts: readonly (readonly Float32Array[])[], weights: readonly number[]): Float32Array[] {
  return base.map((b, l) =>
    applyTaskVector(
      b,
      combineTaskVectors(
        experts.map((e) => taskVector(e[l], b)),
        weights,
      ),
    ),
  );
}

export interface RecalibrationResult {
  steps: number;
  /** FFN experts per token on the first and the last calibration batch. */
  ffnPerTokenFirst: number;
  ffnPerTokenLast: number;
}

/**
 * Runs the budget controller over `batches` (one update per batch, as in training, at rate
 * mu * (1 - s/steps) for batch s of `steps`), updating model.routerBiases in place; the weights do
 * not change.
 */
export function recalibrateBiases(model: MoeModel, batches: Iterable<TokenBatch>, mu: number, totalSteps: number): RecalibrationResult {
  const c = model.config;
  let steps = 0;
  let first = NaN;
  let last = NaN;
  for (const batch of batches) {
    const choices: RoutingChoice[] = [];
    tf.tidy(() => {
      for (const m of forward(model, batch.inputs, batch.batch, batch.seq, { routingOnly: true }).moe) choices.push(m.choice);
    });
    const tokens = batch.batch * batch.seq;
    const rate = mu * Math.max(0, 1 - steps / totalSteps);
    choices.forEach((choice, l) => {
      model.routerBiases[l] = updateBiases(model.routerBiases[l], expertLoads(choice.experts, c.ffnExperts + c.zeroExperts), tokens, c, rate);
    });
    last = routingStats(choices, c.ffnExperts).ffnPerTokenMean;
    if (steps === 0) first = last;
    steps++;
  }
  return { steps, ffnPerTokenFirst: first, ffnPerTokenLast: last };
}
