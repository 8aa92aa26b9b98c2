// Validation: mean next-token cross-entropy (nats/token) over fixed windows, without gradients,
// plus the routing figures on those tokens and the tokens each FFN expert received per MoE layer.
import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from './batches.ts';
import type { RoutingChoice } from './layers/index.ts';
import { lmLoss } from './losses.ts';
import { routingStats, type RoutingStats } from './routing-stats.ts';
import { forward, type MoeModel } from './transformer.ts';

export interface EvalResult extends RoutingStats {
  loss: number;
  tokens: number;
  /** Per MoE layer, tokens routed to each FFN expert (length ffnExperts), over all windows. */
  ffnLoads: Int32Array[];
}

export function evaluate(model: MoeModel, batches: readonly TokenBatch[]): EvalResult {
  let sum = 0;
  let tokens = 0;
  const choices: RoutingChoice[] = [];
  for (const b of batches) {
    const loss = tf.tidy(() => {
      const out = forward(model, b.inputs, b.batch, b.seq);
      for (const m of out.moe) choices.push(m.choice);
      return lmLoss(out.logits!, b.targets);
    });
    const n = b.batch * b.seq;
    sum += loss.dataSync()[0] * n;
    loss.dispose();
    tokens += n;
  }
  const c = model.config;
  const ffnLoads = Array.from({ length: c.layers }, () => new Int32Array(c.ffnExperts));
  choices.forEach((choice, i) => {
    const loads = ffnLoads[i % c.layers];
    for (const e of choice.experts) if (e < c.ffnExperts) loads[e]++;
  });
  return { loss: tokens ? sum / tokens : NaN, tokens, ...routingStats(choices, c.ffnExperts), ffnLoads };
}
