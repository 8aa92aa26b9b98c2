// One optimisation step: forward + losses under the tape, gradients, Adam, then the router-bias
// controller. Returns plain numbers for the logs; no tensor outlives the call except the model's
// parameters and the optimizer state.
import * as tf from '@tensorflow/tfjs';
import { expertLoads, updateBiases } from './bias-controller.ts';
import type { TrainConfig } from './config.ts';
import type { RoutingChoice } from './layers/index.ts';
import { deviceBalanceLoss, hiddenZLoss, lmLoss } from './losses.ts';
import { adamUpdate, globalNorm, type AdamState } from './optimizer.ts';
import type { ParamMap } from './params.ts';
import { routingStats, type RoutingStats } from './routing-stats.ts';
import type { TokenBatch } from './batches.ts';
import { forward, type ForwardOptions, type MoeModel } from './transformer.ts';

export interface StepStats extends RoutingStats {
  /** Total loss (LM + weighted balance + weighted z-loss). */
  loss: number;
  lmLoss: number;
  balanceLoss: number;
  zLoss: number;
  gradNorm: number;
  learningRate: number;
  tokens: number;
}

type LossWeights = Pick<TrainConfig, 'balanceLossWeight' | 'zLossWeight'>;

/** Forward + the three losses; the scalars in `parts` are kept (the caller disposes them). */
export function computeLosses(
  model: MoeModel,
  batch: TokenBatch,
  weights: LossWeights,
  options: ForwardOptions = {},
): { total: tf.Scalar; parts: { lm: tf.Scalar; balance: tf.Scalar; z: tf.Scalar }; choices: RoutingChoice[] } {
  const c = model.config;
  const out = forward(model, batch.inputs, batch.batch, batch.seq, options);
  const lm = lmLoss(out.logits!, batch.targets);
  let balance: tf.Scalar = tf.scalar(0);
  for (const m of out.moe) balance = tf.add(balance, deviceBalanceLoss(m.probs, m.choice, batch.batch, batch.seq, c));
  balance = tf.div(balance, out.moe.length);
  const z = hiddenZLoss(out.lastHidden);
  const total = tf.addN([lm, tf.mul(balance, weights.balanceLossWeight), tf.mul(z, weights.zLossWeight)]) as tf.Scalar;
  return { total, parts: { lm: tf.keep(lm), balance: tf.keep(balance), z: tf.keep(z) }, choices: out.moe.map((m) => m.choice) };
}

export function trainStep(
  model: MoeModel,
  optimizer: AdamState,
  batch: TokenBatch,
  train: TrainConfig,
  learningRate: number,
  options: Omit<ForwardOptions, 'params'> = {},
): StepStats {
  const names = [...model.params.keys()];
  let choices: RoutingChoice[] = [];
  let parts: { lm: tf.Scalar; balance: tf.Scalar; z: tf.Scalar } | undefined;
  const { value, grads } = tf.tidy(() =>
    tf.valueAndGrads((...xs: tf.Tensor[]) => {
      const params: ParamMap = new Map(names.map((n, i) => [n, xs[i]]));
      const r = computeLosses(model, batch, train, { ...options, params });
      choices = r.choices;
      parts = r.parts;
      return r.total;
    })(names.map((n) => model.params.get(n)!)),
  );
  const gradMap = new Map(names.map((n, i) => [n, grads[i]]));
  const gradNorm = globalNorm(gradMap);
  const scale = train.gradClip > 0 && gradNorm > train.gradClip ? train.gradClip / gradNorm : 1;
  adamUpdate(
    model.params,
    gradMap,
    optimizer,
    learningRate,
    { beta1: train.adamBeta1, beta2: train.adamBeta2, epsilon: train.adamEpsilon },
    scale,
  );
  const loss = value.dataSync()[0];
  const p = parts!;
  const [lm, balance, z] = [p.lm.dataSync()[0], p.balance.dataSync()[0], p.z.dataSync()[0]];
  tf.dispose([value, ...grads, p.lm, p.balance, p.z]);

  const c = model.config;
  const tokens = batch.batch * batch.seq;
  choices.forEach((choice, l) => {
    const loads = expertLoads(choice.experts, c.ffnExperts + c.zeroExperts);
    model.routerBiases[l] = updateBiases(model.routerBiases[l], loads, tokens, c, train.biasRate);
  });
  return {
    loss,
    lmLoss: lm,
    balanceLoss: balance,
    zLoss: z,
    gradNorm,
    learningRate,
    tokens,
    ...routingStats(choices, c.ffnExperts),
  };
}
