// The model's parameters: hierarchical names (L{layer}.{block}.{weight}), shapes, and a seeded
// initialisation that gives the same values on every backend (values drawn in JS per name).
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import type { ModelConfig } from './config.ts';

export type ParamMap = Map<string, tf.Tensor>;

export interface ParamSpec {
  name: string;
  shape: number[];
  /** 'ones' for norm gains, else a normal distribution with this standard deviation. */
  init: 'ones' | { std: number };
}

/**
 * Every parameter, in a fixed order. Init: std 1/sqrt(hidden) for the projections that read the
 * residual stream (so MLA's alpha factors restore unit variance after the low-rank up-projections),
 * 1/sqrt(fan_in) for up-projections, and output projections further scaled by 1/sqrt(4 * layers)
 * (4 residual writers per ScMoE layer, plus the MoE).
 */
export function paramSpecs(c: ModelConfig): ParamSpec[] {
  const d = c.hidden;
  const inStd = 1 / Math.sqrt(d);
  const outScale = 1 / Math.sqrt(5 * c.layers);
  const specs: ParamSpec[] = [
    { name: 'embed', shape: [c.vocabSize, d], init: { std: inStd } },
    { name: 'pos', shape: [c.contextLength, d], init: { std: inStd } },
  ];
  const hd = c.heads * c.headDim;
  for (let l = 0; l < c.layers; l++) {
    for (const a of ['attn0', 'attn1']) {
      const p = `L${l}.${a}`;
      specs.push(
        { name: `${p}.norm`, shape: [d], init: 'ones' },
        { name: `${p}.wdq`, shape: [d, c.qRank], init: { std: inStd } },
        { name: `${p}.qNorm`, shape: [c.qRank], init: 'ones' },
        // Width-independent init std (1/sqrt(d_model)): alpha_q corrects the rank-dependent variance.
        { name: `${p}.wuq`, shape: [c.qRank, hd], init: { std: inStd } },
        { name: `${p}.wdkv`, shape: [d, c.kvRank], init: { std: inStd } },
        { name: `${p}.kvNorm`, shape: [c.kvRank], init: 'ones' },
        { name: `${p}.wuk`, shape: [c.kvRank, hd], init: { std: inStd } },
        { name: `${p}.wuv`, shape: [c.kvRank, hd], init: { std: inStd } },
        { name: `${p}.wo`, shape: [hd, d], init: { std: outScale / Math.sqrt(hd) } },
      );
    }
    for (const f of ['ffn0', 'ffn1']) {
      const p = `L${l}.${f}`;
      specs.push(
        { name: `${p}.norm`, shape: [d], init: 'ones' },
        { name: `${p}.w1`, shape: [d, c.denseHidden], init: { std: inStd } },
        { name: `${p}.w2`, shape: [c.denseHidden, d], init: { std: outScale / Math.sqrt(c.denseHidden) } },
      );
    }
    const p = `L${l}.moe`;
    specs.push(
      { name: `${p}.norm`, shape: [d], init: 'ones' },
      { name: `${p}.router`, shape: [d, c.ffnExperts + c.zeroExperts], init: { std: inStd } },
      // Layouts for the fused JS expert kernel (see layers/expert-ffn.ts).
      { name: `${p}.w1`, shape: [c.ffnExperts, c.expertHidden, d], init: { std: inStd } },
      { name: `${p}.w2`, shape: [c.ffnExperts, d, c.expertHidden], init: { std: outScale / Math.sqrt(c.expertHidden) } },
    );
  }
  specs.push({ name: 'final.norm', shape: [d], init: 'ones' });
  return specs;
}

/** Standard normal values from a named seeded stream (Box-Muller). */
function normalValues(size: number, std: number, seedKey: string): Float32Array {
  const rng = seedrandom(seedKey);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const u1 = Math.max(rng(), 1e-12);
    const u2 = rng();
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < size) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

export function initParams(c: ModelConfig, seed: number): ParamMap {
  const params: ParamMap = new Map();
  for (const s of paramSpecs(c)) {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const values = s.init === 'ones' ? new Float32Array(size).fill(1) : normalValues(size, s.init.std, `${seed}:${s.name}`);
    params.set(s.name, tf.tensor(values, s.shape, 'float32'));
  }
  return params;
}

export function countParams(params: ParamMap): number {
  let n = 0;
  for (const t of params.values()) n += t.size;
  return n;
}

export function disposeParams(params: ParamMap): void {
  for (const t of params.values()) t.dispose();
}

/** Looks a parameter up, failing loudly on a missing name (a bug, not a user error). */
export function param<T extends tf.Tensor>(params: ParamMap, name: string): T {
  const t = params.get(name);
  if (!t) throw new Error(`missing model parameter '${name}'`);
  return t as T;
}
