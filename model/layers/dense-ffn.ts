// The dense FFN of a ScMoE layer: W2 relu(W1 x), two flag-free rank-2 matMuls (XNNPACK on wasm).
import * as tf from '@tensorflow/tfjs';

export function denseFfn(x: tf.Tensor2D, w1: tf.Tensor2D, w2: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(tf.relu(tf.matMul(x, w1)), w2);
}
