// Gradient of BatchMatMul without transpose flags. tfjs's own gradient calls matMul with
// transposeA/B, which the wasm backend runs in a scalar loop (~2 GFLOP/s) instead of XNNPACK
// (~10-30 GFLOP/s, rank-2 and flag-free only); explicit transposes keep rank-2 products fast.
import * as tf from '@tensorflow/tfjs';

/** Swaps the last two axes. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

/** Sums a broadcast gradient back down to the operand's shape (batch dims only). */
function reduceTo(grad: tf.Tensor, shape: number[]): tf.Tensor {
  if (grad.rank === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const lead = grad.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.rank - 2; i++) {
    const target = i - lead >= 0 ? shape[i - lead] : 1;
    if (i < lead || (target === 1 && grad.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? tf.sum(grad, axes, true) : grad;
  return tf.reshape(summed, shape);
}

const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
const T = transposeLast2;

export const batchMatMulGradConfig: tf.GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const g = dy as tf.Tensor;
    let da: () => tf.Tensor;
    let db: () => tf.Tensor;
    if (!transposeA && !transposeB) {
      da = () => mm(g, T(b));
      db = () => mm(T(a), g);
    } else if (!transposeA && transposeB) {
      da = () => mm(g, b);
      db = () => mm(T(g), a);
    } else if (transposeA && !transposeB) {
      da = () => mm(b, T(g));
      db = () => mm(a, g);
    } else {
      da = () => mm(T(b), T(g));
      db = () => mm(T(g), T(a));
    }
    return { a: () => reduceTo(da(), a.shape), b: () => reduceTo(db(), b.shape) };
  },
};

/** Replaces tfjs's BatchMatMul gradient (global, for every backend). */
export function registerMatMulGradient(): void {
  tf.registerGradient(batchMatMulGradConfig);
}
