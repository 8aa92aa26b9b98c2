// The LongCat-style MoE transformer: token + learned position embeddings, `layers` ScMoE layers,
// final RMSNorm and a head tied to the token embedding. The model is plain data (config, a map
// of parameter tensors, and the router biases, which are not trained by gradient).
import * as tf from '@tensorflow/tfjs';
import { mlaScales, validateModelConfig, varianceGamma, type ModelConfig } from './config.ts';
import { causalMask } from './layers/index.ts';
import type { ExpertImpl, MoeResult } from './layers/index.ts';
import { rmsNorm } from './layers/index.ts';
import { scmoeLayer } from './layers/index.ts';
import { disposeParams, initParams, param, type ParamMap } from './params.ts';

export interface MoeModel {
  config: ModelConfig;
  params: ParamMap;
  /** Per MoE layer, one selection bias per expert (N FFN then Z zero experts). */
  routerBiases: Float32Array[];
}

export function createModel(config: ModelConfig, seed: number): MoeModel {
  validateModelConfig(config);
  return {
    config,
    params: initParams(config, seed),
    routerBiases: Array.from({ length: config.layers }, () => new Float32Array(config.ffnExperts + config.zeroExperts)),
  };
}

export function disposeModel(model: MoeModel): void {
  disposeParams(model.params);
}

export interface ForwardOutput {
  /** [batch * seq, vocab]; absent with routingOnly. */
  logits?: tf.Tensor2D;
  /** The last layer's output before the final norm (the hidden z-loss reads it). */
  lastHidden: tf.Tensor2D;
  /** One entry per ScMoE layer. */
  moe: MoeResult[];
}

export interface ForwardOptions {
  /** Parameters to use instead of model.params (the training step passes the taped copies). */
  params?: ParamMap;
  expertImpl?: ExpertImpl;
  /** Skip the LM head (tracing needs only the routing); `logits` is then undefined. */
  routingOnly?: boolean;
}

/** Runs `batch` sequences of `seq` tokens (row-major [batch][seq]). Call inside tf.tidy. */
export function forward(
  model: MoeModel,
  tokens: Int32Array,
  batch: number,
  seq: number,
  options: ForwardOptions = {},
): ForwardOutput {
  const c = model.config;
  if (tokens.length !== batch * seq) throw new Error(`forward: ${tokens.length} tokens for batch ${batch} x seq ${seq}`);
  if (seq > c.contextLength) throw new Error(`forward: seq ${seq} > contextLength ${c.contextLength}`);
  const p = options.params ?? model.params;
  const positions = new Int32Array(batch * seq);
  for (let i = 0; i < positions.length; i++) positions[i] = i % seq;
  const embed = param<tf.Tensor2D>(p, 'embed');
  let x = tf.add(
    tf.gather(embed, tf.tensor1d(tokens, 'int32')),
    tf.gather(param<tf.Tensor2D>(p, 'pos'), tf.tensor1d(positions, 'int32')),
  ) as tf.Tensor2D;
  const { alphaQ, alphaKv } = mlaScales(c);
  const shapes = {
    attention: { batch, seq, heads: c.heads, headDim: c.headDim, alphaQ, alphaKv },
    moe: { ffnExperts: c.ffnExperts, zeroExperts: c.zeroExperts, topK: c.topK, gamma: varianceGamma(c), biasSpace: c.routerBiasSpace },
    expertImpl: options.expertImpl ?? 'fused-js',
  };
  const mask = causalMask(seq);
  const moeResults: MoeResult[] = [];
  for (let l = 0; l < c.layers; l++) {
    const r = scmoeLayer(x, p, l, model.routerBiases[l], shapes, mask);
    x = r.out;
    moeResults.push(r.moe);
  }
  if (options.routingOnly) return { lastHidden: x, moe: moeResults };
  const normed = rmsNorm(x, param<tf.Tensor1D>(p, 'final.norm'));
  const logits = tf.matMul(normed, tf.transpose(embed)) as tf.Tensor2D;
  return { logits, lastHidden: x, moe: moeResults };
}
