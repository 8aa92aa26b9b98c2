// One shortcut-connected MoE (ScMoE) layer, LongCat wiring:
//   a0 = x  + Attn0(norm(x))
//   m  = MoE(norm(a0))              <- the shortcut: reads the stream after the first attention
//   f0 = a0 + FFN0(norm(a0))
//   a1 = f0 + Attn1(norm(f0))
//   f1 = a1 + FFN1(norm(a1))
//   out = f1 + m                    <- the MoE output is added at the end of the layer
// so FFN0 and Attn1 do not depend on the MoE result (what SBO overlaps with dispatch/combine).
import * as tf from '@tensorflow/tfjs';
import { param, type ParamMap } from '../index.ts';
import { denseFfn } from './dense-ffn.ts';
import { mlaAttention, type MlaShape, type MlaWeights } from './mla-attention.ts';
import { moe, type ExpertImpl, type MoeResult, type MoeShape } from './moe.ts';
import { rmsNorm } from './rms-norm.ts';

function mlaWeights(p: ParamMap, prefix: string): MlaWeights {
  const g = <T extends tf.Tensor>(n: string) => param<T>(p, `${prefix}.${n}`);
  return {
    wdq: g('wdq'),
    qNorm: g('qNorm'),
    wuq: g('wuq'),
    wdkv: g('wdkv'),
    kvNorm: g('kvNorm'),
    wuk: g('wuk'),
    wuv: g('wuv'),
    wo: g('wo'),
  };
}

export interface ScmoeShapes {
  attention: MlaShape;
  moe: MoeShape;
  expertImpl: ExpertImpl;
}

export function scmoeLayer(
  x: tf.Tensor2D,
  p: ParamMap,
  layer: number,
  bias: Float32Array,
  shapes: ScmoeShapes,
  mask: tf.Tensor2D,
): { out: tf.Tensor2D; moe: MoeResult } {
  const L = `L${layer}`;
  const norm = (t: tf.Tensor2D, block: string) => rmsNorm(t, param<tf.Tensor1D>(p, `${L}.${block}.norm`));
  const a0 = tf.add(x, mlaAttention(norm(x, 'attn0'), mlaWeights(p, `${L}.attn0`), shapes.attention, mask)) as tf.Tensor2D;
  const moeOut = moe(
    norm(a0, 'moe'),
    { router: param(p, `${L}.moe.router`), w1: param(p, `${L}.moe.w1`), w2: param(p, `${L}.moe.w2`) },
    bias,
    shapes.moe,
    shapes.expertImpl,
  );
  const f0 = tf.add(a0, denseFfn(norm(a0, 'ffn0'), param(p, `${L}.ffn0.w1`), param(p, `${L}.ffn0.w2`))) as tf.Tensor2D;
  const a1 = tf.add(f0, mlaAttention(norm(f0, 'attn1'), mlaWeights(p, `${L}.attn1`), shapes.attention, mask)) as tf.Tensor2D;
  const f1 = tf.add(a1, denseFfn(norm(a1, 'ffn1'), param(p, `${L}.ffn1.w1`), param(p, `${L}.ffn1.w2`))) as tf.Tensor2D;
  return { out: tf.add(f1, moeOut.y) as tf.Tensor2D, moe: moeOut };
}
