// The FFN experts of one MoE layer as one fused, dropless JS op with a hand-written gradient:
// y[t] = sum over the token's FFN picks e of gate * W2_e relu(W1_e x[t]).
// Why plain JS: on wasm, batched matMul (the only tfjs way to run 512 different small weight
// matrices in one op) falls to a scalar loop (measured 1.25 GFLOP/s for [512,20,64]x[512,64,32])
// and needs capacity padding, gathers and scatters around it, and drops overflow tokens; this
// kernel sorts assignments by expert and runs register-blocked JS products (small-gemm.ts,
// 1.5-2.3 GFLOP/s) on the real rows only. Measured, longcat-shape training step on wasm
// (bench/model-train.ts, 16 x 64 tokens, 2 runs on a shared 2-core machine):
//   fused JS kernel 876 / 838 ms per step  vs  capacity buffers + batched matMul 1045 / 1313 ms
// (an earlier unblocked version of this kernel: 930-1150 ms). Both give the same loss and
// gradients when nothing is dropped (test/model/expert-ffn.test.ts).
// Weight layouts (chosen so the forward inner loops are dot products over contiguous memory):
//   w1: [N, expertHidden, hidden]  (row j of expert e = input weights of hidden unit j)
//   w2: [N, hidden, expertHidden]  (row k of expert e = weights into output unit k)
import * as tf from '@tensorflow/tfjs';
import type { RoutingChoice } from './router.ts';
import { matmulABt, transposeInto } from './small-gemm.ts';

/** FFN assignments sorted by expert: slot s = token * topK + j of the routing choice. */
export interface ExpertAssignments {
  slots: Int32Array;
  tokens: Int32Array;
  experts: Int32Array;
}

/** The FFN slots of a routing choice (zero experts left out), grouped by expert for cache locality. */
export function ffnAssignments(choice: RoutingChoice, ffnExperts: number): ExpertAssignments {
  const counts = new Int32Array(ffnExperts + 1);
  for (let s = 0; s < choice.experts.length; s++) {
    const e = choice.experts[s];
    if (e < ffnExperts) counts[e + 1]++;
  }
  for (let e = 0; e < ffnExperts; e++) counts[e + 1] += counts[e];
  const m = counts[ffnExperts];
  const slots = new Int32Array(m);
  const tokens = new Int32Array(m);
  const experts = new Int32Array(m);
  const next = counts.slice(0, ffnExperts);
  for (let s = 0; s < choice.experts.length; s++) {
    const e = choice.experts[s];
    if (e >= ffnExperts) continue;
    const i = next[e]++;
    slots[i] = s;
    tokens[i] = Math.floor(s / choice.topK);
    experts[i] = e;
  }
  return { slots, tokens, experts };
}

interface Dims {
  tokens: number;
  hidden: number;
  expertHidden: number;
}

/** Start of each expert's run of assignments (length nExperts + 1); assignments are sorted by expert. */
function expertOffsets(a: ExpertAssignments, nExperts: number): Int32Array {
  const off = new Int32Array(nExperts + 1);
  for (let i = 0; i < a.experts.length; i++) off[a.experts[i] + 1]++;
  for (let e = 0; e < nExperts; e++) off[e + 1] += off[e];
  return off;
}

export interface ExpertActivations {
  /** Input rows gathered per assignment [M, hidden]. */
  xs: Float32Array;
  /** relu(W1 x) per assignment [M, expertHidden]. */
  act: Float32Array;
  /** W2 act per assignment, before the gate [M, hidden]. */
  out: Float32Array;
}

/** Forward in JS; returns y and the activations the backward pass needs. */
export function expertForward(
  x: Float32Array,
  gates: Float32Array,
  w1: Float32Array,
  w2: Float32Array,
  a: ExpertAssignments,
  { tokens, hidden: d, expertHidden: h }: Dims,
  nExperts: number,
): { y: Float32Array } & ExpertActivations {
  const m = a.slots.length;
  const off = expertOffsets(a, nExperts);
  const xs = new Float32Array(m * d);
  for (let i = 0; i < m; i++) xs.set(x.subarray(a.tokens[i] * d, a.tokens[i] * d + d), i * d);
  const act = new Float32Array(m * h);
  const out = new Float32Array(m * d);
  for (let e = 0; e < nExperts; e++) {
    const r0 = off[e];
    const n = off[e + 1] - r0;
    if (n === 0) continue;
    matmulABt(xs, r0 * d, n, d, w1, e * h * d, h, act, r0 * h, false);
    for (let i = r0 * h; i < (r0 + n) * h; i++) if (act[i] < 0) act[i] = 0;
    matmulABt(act, r0 * h, n, h, w2, e * d * h, d, out, r0 * d, false);
  }
  const y = new Float32Array(tokens * d);
  for (let i = 0; i < m; i++) {
    const g = gates[a.slots[i]];
    const yo = a.tokens[i] * d;
    const oo = i * d;
    for (let k = 0; k < d; k++) y[yo + k] += g * out[oo + k];
  }
  return { y, xs, act, out };
}

/** Backward in JS: gradients for x, all gate slots (zero for non-FFN slots), w1 and w2. */
export function expertBackward(
  dy: Float32Array,
  gates: Float32Array,
  w1: Float32Array,
  w2: Float32Array,
  a: ExpertAssignments,
  saved: ExpertActivations,
  { tokens, hidden: d, expertHidden: h }: Dims,
  nExperts: number,
): { dx: Float32Array; dGates: Float32Array; dw1: Float32Array; dw2: Float32Array } {
  const m = a.slots.length;
  const { xs, act, out } = saved;
  const off = expertOffsets(a, nExperts);
  const dGates = new Float32Array(gates.length);
  const dOut = new Float32Array(m * d);
  for (let i = 0; i < m; i++) {
    const g = gates[a.slots[i]];
    const yo = a.tokens[i] * d;
    const oo = i * d;
    let dg = 0;
    for (let k = 0; k < d; k++) {
      const v = dy[yo + k];
      dg += v * out[oo + k];
      dOut[oo + k] = g * v;
    }
    dGates[a.slots[i]] = dg;
  }
  const dAct = new Float32Array(m * h);
  const dxs = new Float32Array(m * d);
  const dw1 = new Float32Array(nExperts * h * d);
  const dw2 = new Float32Array(nExperts * d * h);
  let maxRows = 0;
  for (let e = 0; e < nExperts; e++) maxRows = Math.max(maxRows, off[e + 1] - off[e]);
  const wT = new Float32Array(d * h);
  const tA = new Float32Array(maxRows * Math.max(d, h));
  const tB = new Float32Array(maxRows * Math.max(d, h));
  for (let e = 0; e < nExperts; e++) {
    const r0 = off[e];
    const n = off[e + 1] - r0;
    if (n === 0) continue;
    // dAct = dOut . W2_e (W2_e is [d][h]) = dOut . (W2_e^T)^T, masked by relu.
    transposeInto(w2, e * d * h, d, h, wT);
    matmulABt(dOut, r0 * d, n, d, wT, 0, h, dAct, r0 * h, false);
    for (let i = r0 * h; i < (r0 + n) * h; i++) if (act[i] <= 0) dAct[i] = 0;
    // dW2_e[k][j] = sum_i dOut[i][k] act[i][j]
    transposeInto(dOut, r0 * d, n, d, tA);
    transposeInto(act, r0 * h, n, h, tB);
    matmulABt(tA, 0, d, n, tB, 0, h, dw2, e * d * h, false);
    // dW1_e[j][k] = sum_i dAct[i][j] xs[i][k]
    transposeInto(dAct, r0 * h, n, h, tA);
    transposeInto(xs, r0 * d, n, d, tB);
    matmulABt(tA, 0, h, n, tB, 0, d, dw1, e * h * d, false);
    // dxs = dAct . W1_e (W1_e is [h][d])
    transposeInto(w1, e * h * d, h, d, wT);
    matmulABt(dAct, r0 * h, n, h, wT, 0, d, dxs, r0 * d, false);
  }
  const dx = new Float32Array(tokens * d);
  for (let i = 0; i < m; i++) {
    const xo = a.tokens[i] * d;
    const so = i * d;
    for (let k = 0; k < d; k++) dx[xo + k] += dxs[so + k];
  }
  return { dx, dGates, dw1, dw2 };
}

/**
 * The differentiable op: x [tokens, hidden], gates [tokens * topK] (all slots), w1, w2 → y
 * [tokens, hidden]. Routing is fixed JS data closed over, as it is not differentiable.
 */
export function expertFfn(
  x: tf.Tensor2D,
  gates: tf.Tensor1D,
  w1: tf.Tensor3D,
  w2: tf.Tensor3D,
  assignments: ExpertAssignments,
): tf.Tensor2D {
  const [tokens, hidden] = x.shape;
  const [nExperts, expertHidden] = w1.shape;
  const dims = { tokens, hidden, expertHidden };
  const op = tf.customGrad((...args: unknown[]) => {
    const [xt, gt, w1t, w2t] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor3D, tf.Tensor3D];
    const xv = xt.dataSync() as Float32Array;
    const gv = gt.dataSync() as Float32Array;
    const w1v = w1t.dataSync() as Float32Array;
    const w2v = w2t.dataSync() as Float32Array;
    const fwd = expertForward(xv, gv, w1v, w2v, assignments, dims, nExperts);
    return {
      value: tf.tensor2d(fwd.y, [tokens, hidden]),
      gradFunc: (dy: tf.Tensor) => {
        const g = expertBackward(dy.dataSync() as Float32Array, gv, w1v, w2v, assignments, fwd, dims, nExperts);
        return [
          tf.tensor2d(g.dx, [tokens, hidden]),
          tf.tensor1d(g.dGates),
          tf.tensor3d(g.dw1, w1t.shape),
          tf.tensor3d(g.dw2, w2t.shape),
        ];
      },
    };
  });
  return op(x, gates, w1, w2) as tf.Tensor2D;
}
