// Causal multi-head latent attention (MLA-style low-rank Q and KV) with LongCat's scale factors:
// c_q = RMSNorm(x W_dq) * alpha_q, q = c_q W_uq; c_kv = RMSNorm(x W_dkv) * alpha_kv,
// k = c_kv W_uk, v = c_kv W_uv; alpha = (d_model / rank)^0.5 gives the up-projected parts the
// variance of a full-width projection at init. Positions are learned (added at the input), so
// there is no decoupled RoPE key. Every product is a flag-free matMul (explicit transposes).
import * as tf from '@tensorflow/tfjs';
import { rmsNorm } from './rms-norm.ts';

export interface MlaWeights {
  wdq: tf.Tensor2D;
  qNorm: tf.Tensor1D;
  wuq: tf.Tensor2D;
  wdkv: tf.Tensor2D;
  kvNorm: tf.Tensor1D;
  wuk: tf.Tensor2D;
  wuv: tf.Tensor2D;
  wo: tf.Tensor2D;
}

export interface MlaShape {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
  alphaQ: number;
  alphaKv: number;
}

/** [seq, seq] additive mask: 0 on and below the diagonal, -1e9 above. */
export function causalMask(seq: number): tf.Tensor2D {
  const m = new Float32Array(seq * seq);
  for (let i = 0; i < seq; i++) for (let j = i + 1; j < seq; j++) m[i * seq + j] = -1e9;
  return tf.tensor2d(m, [seq, seq]);
}

/** [B*T, H*dh] → [B*H, T, dh] */
function splitHeads(x: tf.Tensor2D, s: MlaShape): tf.Tensor3D {
  const t = tf.transpose(tf.reshape(x, [s.batch, s.seq, s.heads, s.headDim]), [0, 2, 1, 3]);
  return tf.reshape(t, [s.batch * s.heads, s.seq, s.headDim]);
}

export function mlaAttention(x: tf.Tensor2D, w: MlaWeights, s: MlaShape, mask: tf.Tensor2D): tf.Tensor2D {
  const cq = tf.mul(rmsNorm(tf.matMul(x, w.wdq), w.qNorm), s.alphaQ) as tf.Tensor2D;
  const ckv = tf.mul(rmsNorm(tf.matMul(x, w.wdkv), w.kvNorm), s.alphaKv) as tf.Tensor2D;
  const q = splitHeads(tf.matMul(cq, w.wuq), s);
  const k = splitHeads(tf.matMul(ckv, w.wuk), s);
  const v = splitHeads(tf.matMul(ckv, w.wuv), s);
  const kT = tf.transpose(k, [0, 2, 1]);
  const scores = tf.add(tf.mul(tf.matMul(q, kT), 1 / Math.sqrt(s.headDim)), mask);
  const att = tf.softmax(scores);
  const ctx = tf.matMul(att, v); // [B*H, T, dh]
  const merged = tf.reshape(
    tf.transpose(tf.reshape(ctx, [s.batch, s.heads, s.seq, s.headDim]), [0, 2, 1, 3]),
    [s.batch * s.seq, s.heads * s.headDim],
  );
  return tf.matMul(merged, w.wo);
}
