// The MoE router: softmax scores over N FFN + Z zero experts, a per-expert selection bias that
// changes which experts win but not their gate weights, and top-k. Selection runs in plain JS
// (tfjs has no gradient for TopK); gates are re-gathered from the probs tensor so they stay
// differentiable.
import * as tf from '@tensorflow/tfjs';

/** The k experts each token chose (layout [token][k], best first) and their unbiased gates. */
export interface RoutingChoice {
  tokens: number;
  topK: number;
  /** Expert ids, length tokens * topK. */
  experts: Int32Array;
  /** Gate weights = softmax probabilities of the chosen experts (without the bias). */
  gates: Float32Array;
}

/**
 * Top-k of `scores[t, e] + bias[e]` per token; the gates are `probs` at the chosen experts
 * (`probs` defaults to `scores`, i.e. the bias is added to the probabilities themselves). Ties go
 * to the lower expert id, so the result is deterministic. Arrays are [tokens, experts] row-major.
 */
export function selectExperts(
  scores: ArrayLike<number>,
  bias: ArrayLike<number>,
  tokens: number,
  experts: number,
  topK: number,
  probs: ArrayLike<number> = scores,
): RoutingChoice {
  if (topK > experts) throw new Error(`selectExperts: topK ${topK} > experts ${experts}`);
  const outExperts = new Int32Array(tokens * topK);
  const outGates = new Float32Array(tokens * topK);
  const bestScore = new Float64Array(topK);
  const bestId = new Int32Array(topK);
  for (let t = 0; t < tokens; t++) {
    const row = t * experts;
    let filled = 0;
    for (let e = 0; e < experts; e++) {
      const s = scores[row + e] + bias[e];
      if (filled === topK && s <= bestScore[topK - 1]) continue;
      // Insertion into the sorted (descending) short list; equal scores keep the earlier id first.
      let i = filled < topK ? filled++ : topK - 1;
      while (i > 0 && bestScore[i - 1] < s) {
        bestScore[i] = bestScore[i - 1];
        bestId[i] = bestId[i - 1];
        i--;
      }
      bestScore[i] = s;
      bestId[i] = e;
    }
    for (let j = 0; j < topK; j++) {
      outExperts[t * topK + j] = bestId[j];
      outGates[t * topK + j] = probs[row + bestId[j]];
    }
  }
  return { tokens, topK, experts: outExperts, gates: outGates };
}

/** Router logits x W_r and probabilities softmax(x W_r): [tokens, N + Z] each. */
export function routerScores(x: tf.Tensor2D, routerWeight: tf.Tensor2D): { logits: tf.Tensor2D; probs: tf.Tensor2D } {
  const logits = tf.matMul(x, routerWeight) as tf.Tensor2D;
  return { logits, probs: tf.softmax(logits) as tf.Tensor2D };
}

/**
 * The chosen experts' gate weights as a differentiable [tokens * topK] tensor, gathered from the
 * flattened probs (the gather gradient is the JS UnsortedSegmentSum kernel).
 */
export function gatherGates(probs: tf.Tensor2D, choice: RoutingChoice): tf.Tensor1D {
  const experts = probs.shape[1];
  const flat = new Int32Array(choice.experts.length);
  for (let i = 0; i < flat.length; i++) flat[i] = Math.floor(i / choice.topK) * experts + choice.experts[i];
  return tf.gather(tf.reshape(probs, [-1]), tf.tensor1d(flat, 'int32')) as tf.Tensor1D;
}

/** FFN experts (ids < ffnExperts) chosen by each token. */
export function ffnExpertsPerToken(choice: RoutingChoice, ffnExperts: number): Uint8Array {
  const counts = new Uint8Array(choice.tokens);
  for (let t = 0; t < choice.tokens; t++) {
    let c = 0;
    for (let j = 0; j < choice.topK; j++) if (choice.experts[t * choice.topK + j] < ffnExperts) c++;
    counts[t] = c;
  }
  return counts;
}
