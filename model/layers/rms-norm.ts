// RMSNorm: x / sqrt(mean(x^2) + eps) * gain, over the last axis.
import * as tf from '@tensorflow/tfjs';

export const RMS_EPS = 1e-6;

export function rmsNorm(x: tf.Tensor2D, gain: tf.Tensor1D, eps = RMS_EPS): tf.Tensor2D {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), gain);
}
