// The alternative expert design, kept for the benchmark: GShard-style capacity buffers built
// with tfjs ops. Tokens are gathered into an [N, C, hidden] buffer (C = ceil(factor * M / N),
// first come first served, overflow dropped), run through two batched matMuls and scattered back
// with unsortedSegmentSum. Same weight layouts and result as expertFfn() when nothing is dropped.
// Measured on wasm (see bench/model-train.ts and the figures in expert-ffn.ts's header).
import * as tf from '@tensorflow/tfjs';
import type { ExpertAssignments } from './expert-ffn.ts';

export interface CapacityPlan {
  capacity: number;
  /** Token row per buffer slot [N * C]; `tokens` (the zero pad row) for empty slots. */
  rowOfSlot: Int32Array;
  /** Gate slot per buffer slot; `gateSlots` (a zero gate) for empty slots. */
  gateOfSlot: Int32Array;
  /** Token of each buffer slot for the combine; -1 (dropped by unsortedSegmentSum) when empty. */
  combineTarget: Int32Array;
  dropped: number;
}

export function planCapacity(
  a: ExpertAssignments,
  nExperts: number,
  tokens: number,
  gateSlots: number,
  capacityFactor: number,
): CapacityPlan {
  const capacity = Math.max(1, Math.ceil((capacityFactor * a.slots.length) / nExperts));
  const size = nExperts * capacity;
  const rowOfSlot = new Int32Array(size).fill(tokens);
  const gateOfSlot = new Int32Array(size).fill(gateSlots);
  const combineTarget = new Int32Array(size).fill(-1);
  const fill = new Int32Array(nExperts);
  let dropped = 0;
  // Assignments are grouped by expert and, within an expert, in slot (token) order.
  for (let i = 0; i < a.slots.length; i++) {
    const e = a.experts[i];
    if (fill[e] >= capacity) {
      dropped++;
      continue;
    }
    const pos = e * capacity + fill[e]++;
    rowOfSlot[pos] = a.tokens[i];
    gateOfSlot[pos] = a.slots[i];
    combineTarget[pos] = a.tokens[i];
  }
  return { capacity, rowOfSlot, gateOfSlot, combineTarget, dropped };
}

/** Same contract as expertFfn(), built from tfjs ops (differentiable through tfjs's own gradients). */
export function expertFfnCapacity(
  x: tf.Tensor2D,
  gates: tf.Tensor1D,
  w1: tf.Tensor3D,
  w2: tf.Tensor3D,
  plan: CapacityPlan,
): tf.Tensor2D {
  const [tokens, hidden] = x.shape;
  const [nExperts, expertHidden] = w1.shape;
  const xPad = tf.concat([x, tf.zeros([1, hidden])], 0);
  const gPad = tf.concat([gates, tf.zeros([1])], 0);
  const buf = tf.reshape(tf.gather(xPad, tf.tensor1d(plan.rowOfSlot, 'int32')), [nExperts, plan.capacity, hidden]);
  const w1In = tf.transpose(w1, [0, 2, 1]) as tf.Tensor3D; // [N, hidden, expertHidden]
  const w2In = tf.transpose(w2, [0, 2, 1]) as tf.Tensor3D; // [N, expertHidden, hidden]
  const act = tf.relu(tf.matMul(buf as tf.Tensor3D, w1In));
  const out = tf.reshape(tf.matMul(act, w2In), [nExperts * plan.capacity, hidden]);
  const g = tf.reshape(tf.gather(gPad, tf.tensor1d(plan.gateOfSlot, 'int32')), [-1, 1]);
  void expertHidden;
  return tf.unsortedSegmentSum(tf.mul(out, g), tf.tensor1d(plan.combineTarget, 'int32'), tokens) as tf.Tensor2D;
}
