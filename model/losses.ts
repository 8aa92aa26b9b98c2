// Training losses: next-token cross-entropy, LongCat's device-level balance loss and the hidden
// z-loss. All return scalars in nats (per token where it applies).
import * as tf from '@tensorflow/tfjs';
import type { RoutingChoice } from './layers/index.ts';

/**
 * Mean cross-entropy of `targets` under softmax(logits); logits [N, V], targets length N.
 * Written as -log(softmax(logits)[target]) rather than with logSoftmax: on wasm, Softmax is one
 * fused kernel (3.4 ms for [1024,1024] here) while logSoftmax is built from Exp & co (18 ms), and
 * softmax's gradient needs no Exp. Probabilities are floored at 1e-30 before the log.
 */
export function lmLoss(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  const [n, v] = logits.shape;
  const probs = tf.softmax(logits);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i * v + targets[i];
  const picked = tf.gather(tf.reshape(probs, [-1]), tf.tensor1d(idx, 'int32'));
  return tf.neg(tf.mean(tf.log(tf.maximum(picked, 1e-30)))) as tf.Scalar;
}

export interface BalanceShape {
  ffnExperts: number;
  zeroExperts: number;
  topK: number;
  targetFfnPerToken: number;
  balanceGroups: number;
}

/** Group of an expert: floor(e / (N/D)) for FFN experts, D for every zero expert. */
export function expertGroup(e: number, s: BalanceShape): number {
  return e < s.ffnExperts ? Math.floor(e / (s.ffnExperts / s.balanceGroups)) : s.balanceGroups;
}

/**
 * The load factors f[b][j] of the device-level balance loss, per sequence b and group j (D FFN
 * groups of G = N/D experts, plus the zero group), normalised so that the target allocation gives 1:
 *   f_j     = D / (K_e * T)     * (picks of group j in the sequence)   for j < D
 *   f_{D+1} = 1 / ((K - K_e) * T) * (picks of zero experts)
 */
export function balanceLoadFactors(choice: RoutingChoice, batch: number, seq: number, s: BalanceShape): Float32Array {
  const groups = s.balanceGroups + (s.zeroExperts > 0 ? 1 : 0);
  const f = new Float32Array(batch * groups);
  const ffnNorm = s.balanceGroups / (s.targetFfnPerToken * seq);
  const zeroTarget = s.topK - s.targetFfnPerToken;
  const zeroNorm = zeroTarget > 0 ? 1 / (zeroTarget * seq) : 0;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < seq; t++) {
      const tok = b * seq + t;
      for (let j = 0; j < choice.topK; j++) {
        const g = expertGroup(choice.experts[tok * choice.topK + j], s);
        f[b * groups + g] += g < s.balanceGroups ? ffnNorm : zeroNorm;
      }
    }
  }
  return f;
}

/** [N + Z, groups] one-hot membership matrix. */
function groupMatrix(s: BalanceShape): tf.Tensor2D {
  const groups = s.balanceGroups + (s.zeroExperts > 0 ? 1 : 0);
  const experts = s.ffnExperts + s.zeroExperts;
  const m = new Float32Array(experts * groups);
  for (let e = 0; e < experts; e++) m[e * groups + expertGroup(e, s)] = 1;
  return tf.tensor2d(m, [experts, groups]);
}

/**
 * L_LB = mean over sequences of sum_j f_j * P_j, with P_j the mean (over the sequence's tokens)
 * router probability mass of group j. f is a constant (it counts discrete picks); the gradient
 * flows through P into the router. A balanced sequence with matching probabilities gives 1.
 */
export function deviceBalanceLoss(
  probs: tf.Tensor2D,
  choice: RoutingChoice,
  batch: number,
  seq: number,
  s: BalanceShape,
): tf.Scalar {
  const groups = s.balanceGroups + (s.zeroExperts > 0 ? 1 : 0);
  const p = tf.mean(tf.reshape(tf.matMul(probs, groupMatrix(s)), [batch, seq, groups]), 1); // [B, groups]
  const f = tf.tensor2d(balanceLoadFactors(choice, batch, seq, s), [batch, groups]);
  return tf.div(tf.sum(tf.mul(f, p)), batch) as tf.Scalar;
}

/**
 * Hidden z-loss: mean over tokens of log(sum_i exp|z_t,i|)^2, on the last hidden state. The
 * row max is taken in JS as a constant shift (lse = m + log sum exp(|z| - m) has the same value
 * and gradient for any m), which avoids tfjs's Max gradient (an Equal mask, slow on wasm).
 */
export function hiddenZLoss(z: tf.Tensor2D): tf.Scalar {
  const [n, d] = z.shape;
  const values = z.dataSync();
  const shift = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    let m = 0;
    for (let i = 0; i < d; i++) m = Math.max(m, Math.abs(values[t * d + i]));
    shift[t] = m;
  }
  const m = tf.tensor2d(shift, [n, 1]);
  const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(tf.abs(z), m)), -1, true)), m);
  return tf.mean(tf.square(lse)) as tf.Scalar;
}
