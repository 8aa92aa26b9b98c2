// Zero-computation experts: each returns its input scaled by its gate (no parameters, no FLOPs
// beyond the scale, no network traffic in expert parallelism). A token's zero picks add up to
// x * (sum of their gates).
import * as tf from '@tensorflow/tfjs';
import type { RoutingChoice } from './router.ts';

/** 1 where slot [token][j] chose a zero expert (id >= ffnExperts), else 0; shape [tokens, topK]. */
export function zeroSlotMask(choice: RoutingChoice, ffnExperts: number): Float32Array {
  const mask = new Float32Array(choice.experts.length);
  for (let s = 0; s < mask.length; s++) mask[s] = choice.experts[s] >= ffnExperts ? 1 : 0;
  return mask;
}

/** x [tokens, hidden] times each token's summed zero-expert gate; gates is [tokens * topK]. */
export function zeroExperts(x: tf.Tensor2D, gates: tf.Tensor1D, mask: Float32Array, topK: number): tf.Tensor2D {
  const tokens = x.shape[0];
  const g = tf.reshape(gates, [tokens, topK]);
  const m = tf.tensor2d(mask, [tokens, topK]);
  return tf.mul(x, tf.sum(tf.mul(g, m), 1, true));
}
