// Small deterministic traces for the trace-format tests.
import type { RoutingTrace } from '../../sim/trace/routing-trace.ts';

/** T tokens × L layers × top-k, ids cycling over ffn + zero experts, gates summing to 1 per row. */
export function makeTrace(tokens = 5, layers = 2, topk = 3, ffnExperts = 6, zeroExperts = 2, full = true): RoutingTrace {
  const n = tokens * layers * topk;
  const experts = new Uint16Array(n);
  const gates = new Float32Array(n);
  for (let row = 0; row < tokens * layers; row++) {
    for (let j = 0; j < topk; j++) {
      experts[row * topk + j] = (row * 5 + j) % (ffnExperts + zeroExperts);
      gates[row * topk + j] = (j + 1) / ((topk * (topk + 1)) / 2);
    }
  }
  const trace: RoutingTrace = {
    model: { name: 'test-model', layers, ffnExperts, zeroExperts, topk, hidden: 64 },
    provenance: { createdBy: 'test', corpus: 'sha256:abc', seed: 7, notes: { step: 100, note: 'ünïcödé' } },
    tokens,
    experts,
    gates,
  };
  if (full) {
    trace.tokenIds = Int32Array.from({ length: tokens }, (_, t) => 256 + t);
    trace.tokenText = Array.from({ length: tokens }, (_, t) => (t === 0 ? 'The' : ` w${t}😀`));
    trace.domains = ['speech', 'code'];
    trace.tokenDomain = Uint8Array.from({ length: tokens }, (_, t) => t % 2);
  }
  return trace;
}
