// One MoE block: router (softmax + selection bias + top-k), N FFN experts (variance-compensated
// by gamma = m) and Z zero-computation experts:
//   MoE(x) = gamma * sum_{FFN picks} g_i E_i(x) + sum_{zero picks} g_i x
// gamma scales only the FFN experts (the fine-grained ones it compensates); the zero experts
// return input x gate exactly. (HF's LongCat code folds gamma into all gates as
// routed_scaling_factor; the recorded trace gates are the unscaled softmax probabilities.)
import * as tf from '@tensorflow/tfjs';
import { expertFfn, ffnAssignments } from './expert-ffn.ts';
import { expertFfnCapacity, planCapacity } from './expert-ffn-capacity.ts';
import { gatherGates, routerScores, selectExperts, type RoutingChoice } from './router.ts';
import type { RouterBiasSpace } from '../index.ts';
import { zeroExperts, zeroSlotMask } from './zero-experts.ts';

export interface MoeWeights {
  router: tf.Tensor2D;
  w1: tf.Tensor3D;
  w2: tf.Tensor3D;
}

export interface MoeShape {
  ffnExperts: number;
  zeroExperts: number;
  topK: number;
  gamma: number;
  /** Where the selection bias is added: to the router logits (default) or to the softmax probabilities. */
  biasSpace?: RouterBiasSpace;
}

/** 'fused-js' is the model's design; 'capacity' is the measured alternative (bench only). */
export type ExpertImpl = 'fused-js' | 'capacity';

export interface MoeResult {
  y: tf.Tensor2D;
  /** Router probabilities [tokens, N + Z] (differentiable; the balance loss uses them). */
  probs: tf.Tensor2D;
  choice: RoutingChoice;
  /** Assignments dropped for lack of capacity ('capacity' design only; always 0 for 'fused-js'). */
  dropped: number;
}

export function moe(
  x: tf.Tensor2D,
  w: MoeWeights,
  bias: Float32Array,
  s: MoeShape,
  impl: ExpertImpl = 'fused-js',
): MoeResult {
  const tokens = x.shape[0];
  const { logits, probs } = routerScores(x, w.router);
  // Selection in plain JS (tfjs has no TopK gradient); the gates are gathered back from `probs`.
  const probValues = probs.dataSync();
  const scores = (s.biasSpace ?? 'logits') === 'logits' ? logits.dataSync() : probValues;
  const choice = selectExperts(scores, bias, tokens, s.ffnExperts + s.zeroExperts, s.topK, probValues);
  const gates = gatherGates(probs, choice);
  const assignments = ffnAssignments(choice, s.ffnExperts);
  let ffnOut: tf.Tensor2D;
  let dropped = 0;
  if (impl === 'fused-js') {
    ffnOut = expertFfn(x, gates, w.w1, w.w2, assignments);
  } else {
    const plan = planCapacity(assignments, s.ffnExperts, tokens, gates.shape[0], 1.25);
    dropped = plan.dropped;
    ffnOut = expertFfnCapacity(x, gates, w.w1, w.w2, plan);
  }
  let y = tf.mul(ffnOut, s.gamma) as tf.Tensor2D;
  if (s.zeroExperts > 0) y = tf.add(y, zeroExperts(x, gates, zeroSlotMask(choice, s.ffnExperts), s.topK));
  return { y, probs, choice, dropped };
}
