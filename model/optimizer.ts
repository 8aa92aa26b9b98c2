// Adam (bias-corrected, epsilon 1e-16 as LongCat uses) over a named parameter map, with
// global-norm gradient clipping. Its state is plain named tensors, so checkpoints can save it.
import * as tf from '@tensorflow/tfjs';
import type { ParamMap } from './params.ts';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export interface AdamState {
  /** Updates applied so far (t in the bias correction). */
  step: number;
  m: Map<string, tf.Tensor>;
  v: Map<string, tf.Tensor>;
}

export function createAdamState(params: ParamMap): AdamState {
  const m = new Map<string, tf.Tensor>();
  const v = new Map<string, tf.Tensor>();
  for (const [name, p] of params) {
    m.set(name, tf.zerosLike(p));
    v.set(name, tf.zerosLike(p));
  }
  return { step: 0, m, v };
}

export function disposeAdamState(state: AdamState): void {
  for (const t of state.m.values()) t.dispose();
  for (const t of state.v.values()) t.dispose();
}

/** sqrt(sum of squared gradients) over all parameters. */
export function globalNorm(grads: Map<string, tf.Tensor>): number {
  const norm = tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    for (const g of grads.values()) total = tf.add(total, tf.sum(tf.square(g)));
    return tf.sqrt(total);
  });
  const value = norm.dataSync()[0];
  norm.dispose();
  return value;
}

/**
 * One Adam update: replaces the tensors in `params`, `state.m` and `state.v` (disposing the old
 * ones). Gradients are scaled by `gradScale` first (for clipping). Returns nothing; `grads` stay
 * owned by the caller.
 */
export function adamUpdate(
  params: ParamMap,
  grads: Map<string, tf.Tensor>,
  state: AdamState,
  learningRate: number,
  s: AdamSettings,
  gradScale = 1,
): void {
  state.step += 1;
  const t = state.step;
  const c1 = 1 - Math.pow(s.beta1, t);
  const c2 = 1 - Math.pow(s.beta2, t);
  for (const [name, p] of params) {
    const g0 = grads.get(name);
    if (!g0) continue;
    const m0 = state.m.get(name)!;
    const v0 = state.v.get(name)!;
    const [p1, m1, v1] = tf.tidy(() => {
      const g = gradScale === 1 ? g0 : tf.mul(g0, gradScale);
      const m = tf.add(tf.mul(m0, s.beta1), tf.mul(g, 1 - s.beta1));
      const v = tf.add(tf.mul(v0, s.beta2), tf.mul(tf.square(g), 1 - s.beta2));
      const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), s.epsilon));
      return [tf.sub(p, tf.mul(update, learningRate)), m, v];
    });
    p.dispose();
    m0.dispose();
    v0.dispose();
    params.set(name, p1);
    state.m.set(name, m1);
    state.v.set(name, v1);
  }
}
