// Runs a trained model over tokens and records, per token and MoE layer, the k chosen experts and
// their gate weights (the unbiased softmax probabilities), as a RoutingTrace for the simulator.
// Tokens are cut into windows of the model's context length; each window starts fresh.
import * as tf from '@tensorflow/tfjs';
import type { RoutingTrace, TraceProvenance } from '../sim/trace/index.ts';
import type { BpeTokenizer } from './tokenizer/index.ts';
import type { TraceInput } from './trace-input.ts';
import { forward, type MoeModel } from './transformer.ts';

export interface RecordTraceOptions {
  provenance: TraceProvenance;
  /** Windows run together in one forward pass (default 16). */
  windowsPerBatch?: number;
}

export function recordTrace(model: MoeModel, tokenizer: BpeTokenizer, input: TraceInput, options: RecordTraceOptions): RoutingTrace {
  const c = model.config;
  const T = input.tokens.length;
  const L = c.layers;
  const K = c.topK;
  const experts = new Uint16Array(T * L * K);
  const gates = new Float32Array(T * L * K);
  const seq = c.contextLength;
  const perBatch = options.windowsPerBatch ?? 16;
  // Full windows in batches, then the remainder as one shorter window.
  const full = Math.floor(T / seq);
  const jobs: { start: number; windows: number; len: number }[] = [];
  for (let w = 0; w < full; w += perBatch) jobs.push({ start: w * seq, windows: Math.min(perBatch, full - w), len: seq });
  if (T % seq) jobs.push({ start: full * seq, windows: 1, len: T % seq });
  for (const job of jobs) {
    const n = job.windows * job.len;
    const ids = input.tokens.subarray(job.start, job.start + n);
    tf.tidy(() => {
      const out = forward(model, ids, job.windows, job.len, { routingOnly: true });
      out.moe.forEach((m, l) => {
        for (let i = 0; i < n; i++) {
          const dst = ((job.start + i) * L + l) * K;
          for (let j = 0; j < K; j++) {
            experts[dst + j] = m.choice.experts[i * K + j];
            gates[dst + j] = m.choice.gates[i * K + j];
          }
        }
      });
      // Nothing is returned: every tensor made here is released by tidy.
    });
  }
  return {
    model: { name: c.name, layers: L, ffnExperts: c.ffnExperts, zeroExperts: c.zeroExperts, topk: K, hidden: c.hidden, expertHidden: c.expertHidden },
    provenance: options.provenance,
    tokens: T,
    experts,
    gates,
    tokenIds: Int32Array.from(input.tokens),
    tokenText: tokenizer.pieces(Array.from(input.tokens)),
    tokenDomain: Uint8Array.from(input.tokenDomain),
    domains: [...input.domains],
  };
}
