// The in-memory routing trace: which experts each token chose at each MoE layer, with gate weights.
// Expert ids 0..ffnExperts-1 are FFN experts; ffnExperts..ffnExperts+zeroExperts-1 are
// zero-computation experts (identity, no FLOPs, no network traffic).
// The on-disk format (versioned JSON header + packed typed arrays) lives in format.ts.

export interface TraceModelShape {
  /** Free-form model name, e.g. "epsim-tiny" or "longcat-shape". */
  name: string;
  /** MoE layers recorded (one MoE block per layer). */
  layers: number;
  ffnExperts: number;
  zeroExperts: number;
  topk: number;
  /** Model width, when known (the `traced` simulator preset uses it). */
  hidden?: number;
  /** FFN expert hidden size, when known. */
  expertHidden?: number;
}

export interface TraceProvenance {
  /** What wrote the trace: "epsim trace", "epsim import-trace", a test generator... */
  createdBy: string;
  checkpoint?: string;
  corpus?: string;
  textFile?: string;
  seed?: number;
  /** Any other facts worth keeping (training step, validation loss...). */
  notes?: Record<string, string | number>;
}

export interface RoutingTrace {
  model: TraceModelShape;
  provenance: TraceProvenance;
  /** Number of tokens T. */
  tokens: number;
  /** Expert ids, layout [token][layer][k]: index (t * layers + l) * topk + j. */
  experts: Uint16Array;
  /** Gate weights, same layout as `experts`. */
  gates: Float32Array;
  /** Optional token ids (length T) and their text pieces, for the dashboard's routing view. */
  tokenIds?: Int32Array;
  tokenText?: string[];
  /** Optional per-token domain label index into `domains` (length T). */
  tokenDomain?: Uint8Array;
  domains?: string[];
}

export function isZeroExpert(trace: Pick<RoutingTrace, 'model'>, expert: number): boolean {
  return expert >= trace.model.ffnExperts;
}
