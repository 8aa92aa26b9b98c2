// The MoE shape of the simulated model, as trace replay needs it (the caller takes it from the
// model preset: MoE layers, FFN experts, zero experts, top-k), and how to describe one.
import type { TraceModelShape } from '../trace/index.ts';

export interface SimulatedMoeShape {
  /** MoE layers of the simulated model (LongCat-Flash: 28). */
  modelLayers: number;
  ffnExperts: number;
  zeroExperts: number;
  topk: number;
}

/** The shape a trace was recorded with, in the simulated-model terms. */
export function shapeOfTrace(model: TraceModelShape): SimulatedMoeShape {
  return { modelLayers: model.layers, ffnExperts: model.ffnExperts, zeroExperts: model.zeroExperts, topk: model.topk };
}

/** "28 MoE layers, 512 FFN + 256 zero experts, top-12". */
export function describeShape(s: SimulatedMoeShape): string {
  return `${s.modelLayers} MoE layers, ${s.ffnExperts} FFN + ${s.zeroExperts} zero experts, top-${s.topk}`;
}

/** The differences between a trace's shape and the simulated model's, one phrase each. */
export function shapeDifferences(trace: SimulatedMoeShape, model: SimulatedMoeShape): string[] {
  const out: string[] = [];
  if (trace.modelLayers !== model.modelLayers) out.push(`MoE layers: trace ${trace.modelLayers}, model ${model.modelLayers}`);
  if (trace.ffnExperts !== model.ffnExperts) out.push(`FFN experts: trace ${trace.ffnExperts}, model ${model.ffnExperts}`);
  if (trace.zeroExperts !== model.zeroExperts) out.push(`zero experts: trace ${trace.zeroExperts}, model ${model.zeroExperts}`);
  if (trace.topk !== model.topk) out.push(`top-k: trace ${trace.topk}, model ${model.topk}`);
  return out;
}

/** Throws a RangeError unless every count is a sensible integer. */
export function checkShape(s: SimulatedMoeShape, what: string): void {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${what}: ${name} must be an integer >= ${min}; got ${v}`);
  };
  int(s.modelLayers, 'modelLayers', 1);
  int(s.ffnExperts, 'ffnExperts', 1);
  int(s.zeroExperts, 'zeroExperts', 0);
  int(s.topk, 'topk', 1);
  if (s.topk > s.ffnExperts + s.zeroExperts) {
    throw new RangeError(`${what}: topk ${s.topk} exceeds the ${s.ffnExperts + s.zeroExperts} experts`);
  }
  if (s.ffnExperts + s.zeroExperts > 65536) throw new RangeError(`${what}: more than 65536 experts do not fit a Uint16 id`);
}
