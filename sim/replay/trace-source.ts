// Routing from a recorded trace. `exact` replays the trace's own expert ids and needs the
// simulated model to have the trace's shape (MoE layers, FFN experts, zero experts, top-k); a
// mismatch is refused with a TraceModelMismatchError that says what differs and how to proceed.
// `fit` replays exactly when the shapes match (a fit could only lose information) and otherwise
// samples from a statistical fit of the trace (fitted-source.ts), whose description says so.
//
// Token sampling (both through the caller's seeded rng): decode draws independent uniform token
// positions; prefill (contiguous) draws one run of consecutive positions from a random start,
// wrapping around the end of the trace.
import { UserInputError } from '../core/index.ts';
import type { Rng } from '../core/index.ts';
import type { RoutingTrace } from '../trace/index.ts';
import { fitRoutingTrace, fittedRoutingSource, samplePositions } from './fitted-source.ts';
import type { RoutingSource } from './routing-source.ts';
import { checkShape, describeShape, shapeDifferences, shapeOfTrace, type SimulatedMoeShape } from './shape.ts';

export type TraceMapping = 'exact' | 'fit';

export interface TraceSourceOptions {
  mapping: TraceMapping;
  /** The simulated model's MoE shape; defaults to the trace's own (the `traced` preset). */
  model?: SimulatedMoeShape;
  /** Shorthand for a model shaped like the trace but with this many MoE layers (ignored when `model` is given). */
  layers?: number;
  /** Trace file, for messages and the description. */
  file?: string;
  /** Seed of the fit's synthetic tokens (mapping 'fit' with a different shape only); default 0. */
  seed?: number | string;
  /** Pool size of the fit (see FittedSourceOptions.poolTokens). */
  poolTokens?: number;
}

/** The simulated model's shape differs from the trace's and the scenario asked for exact replay. */
export class TraceModelMismatchError extends UserInputError {
  /** One phrase per difference, e.g. "FFN experts: trace 8, model 512". */
  readonly differences: string[];

  constructor(file: string, message: string, differences: string[]) {
    super([{ file, line: 0, col: 0, path: '', message }]);
    this.name = 'TraceModelMismatchError';
    this.differences = differences;
  }
}

export function traceRoutingSource(trace: RoutingTrace, options: TraceSourceOptions): RoutingSource {
  const traceShape = shapeOfTrace(trace.model);
  const model = options.model ?? { ...traceShape, modelLayers: options.layers ?? traceShape.modelLayers };
  checkShape(model, 'simulated model');
  const differences = shapeDifferences(traceShape, model);
  const label = options.file ?? `of model ${trace.model.name}`;
  if (differences.length === 0) return exactSource(trace, label, options.mapping);
  if (options.mapping === 'exact') {
    const message =
      `this trace was recorded from ${trace.model.name} (${describeShape(traceShape)}) but the simulated model has ` +
      `${describeShape(model)}; they differ in ${differences.join('; ')}. ` +
      'Exact replay needs the same shape. Set `traceMapping: fit` in the scenario to sample from a statistical fit ' +
      'of this trace (per-layer expert popularity, FFN experts per token, correlation between layers; results say so), ' +
      'or use a trace recorded from this model.';
    throw new TraceModelMismatchError(options.file ?? '', message, differences);
  }
  if (options.mapping !== 'fit') throw new RangeError(`unknown trace mapping '${String(options.mapping)}'; expected exact or fit`);
  return fittedRoutingSource(fitRoutingTrace(trace), model, {
    seed: options.seed ?? 0,
    file: options.file,
    poolTokens: options.poolTokens,
  });
}

function exactSource(trace: RoutingTrace, label: string, mapping: TraceMapping): RoutingSource {
  const { layers, ffnExperts, zeroExperts, topk } = trace.model;
  const experts = trace.experts;
  const size = trace.tokens;
  if (size < 1) throw new RangeError(`trace ${label} has no tokens`);
  const rowStride = layers * topk;
  // Layer-major copies ([token][k] per layer), made on first use: a layer's lookups then walk
  // memory in order instead of striding over the other layers (about 2x faster for prefill).
  const tables: (Uint16Array | undefined)[] = new Array(layers);
  const layerTable = (layer: number): Uint16Array => {
    let t = tables[layer];
    if (!t) {
      t = new Uint16Array(size * topk);
      for (let tok = 0; tok < size; tok++) {
        const from = tok * rowStride + layer * topk;
        for (let j = 0; j < topk; j++) t[tok * topk + j] = experts[from + j]!;
      }
      tables[layer] = t;
    }
    return t;
  };
  return {
    kind: 'trace',
    description:
      `trace ${label} (${size} tokens; ${describeShape(shapeOfTrace(trace.model))}), replayed exactly` +
      (mapping === 'fit' ? ' (traceMapping: fit, but the model has the trace\'s shape, so nothing was fitted)' : ''),
    ffnExperts,
    zeroExperts,
    topk,
    layers,
    sampleTokens(rng: Rng, count: number, contiguous: boolean): Int32Array {
      return samplePositions(rng, size, count, contiguous);
    },
    expertsOf(token: number, layer: number, out: Uint16Array): void {
      const base = token * rowStride + layer * topk;
      for (let j = 0; j < topk; j++) out[j] = experts[base + j]!;
    },
    layerTable,
  };
}
