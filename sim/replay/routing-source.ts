// Where routing decisions come from during replay: a recorded trace (exact), a statistical fit of
// a trace (when the scenario's model differs from the traced one, and the scenario asks for it),
// or uniform routing (perfectly balanced, what other simulators assume).
import type { Rng } from '../core/index.ts';

export interface RoutingSource {
  /** Reported in results so nobody mistakes one for another ('random': an EP-library benchmark's routing). */
  kind: 'trace' | 'fitted' | 'uniform' | 'random';
  /** One line saying what it is (e.g. "trace traces/x.trace, 4 layers cycled to 28"). */
  description: string;
  ffnExperts: number;
  zeroExperts: number;
  topk: number;
  /** MoE layers of the simulated model this source can answer for. */
  layers: number;
  /**
   * Draws `count` tokens for one simulated step. `contiguous` draws runs of consecutive tokens
   * (a prefill chunk of a document); otherwise independent tokens (decode batch).
   */
  sampleTokens(rng: Rng, count: number, contiguous: boolean): Int32Array;
  /**
   * The expert ids token `token` chose at MoE layer `layer` (0-based among MoE layers), written
   * into `out` (length topk). Ids >= ffnExperts are zero experts.
   */
  expertsOf(token: number, layer: number, out: Uint16Array): void;
  /**
   * Optional fast path: the expert ids of every token at MoE layer `layer`, layout [token][k]
   * (index token * topk + j), the same values expertsOf writes. Hot loops (buildLayerTraffic) read
   * it directly instead of calling expertsOf per token. May be built lazily on first use.
   */
  layerTable?(layer: number): Uint16Array;
}
