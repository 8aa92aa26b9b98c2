// perLayerUs: the mean time of each op kind per layer on its own stream, as if nothing overlapped
// (the table a report would print): the kind's span time summed over a GPU's micro-batches and
// chunks, averaged over the (GPU, layer) pairs that ran that kind (every GPU and layer in inference;
// a pipeline stage's GPUs for its layers in training). Backward ops count too.
import type { Span } from '../ops/index.ts';
import type { PerLayerUs } from '../core/index.ts';

const KIND_TO_FIELD: Record<string, keyof PerLayerUs> = {
  attention: 'attention',
  'dense-ffn': 'denseFfn',
  router: 'router',
  dispatch: 'dispatch',
  'expert-gemm': 'expertGemm',
  combine: 'combine',
  'shared-expert': 'sharedExpert',
};

export function perLayerUs(spans: readonly Span[], gpus: number): PerLayerUs {
  const totals: PerLayerUs = { attention: 0, denseFfn: 0, router: 0, dispatch: 0, expertGemm: 0, combine: 0, sharedExpert: 0 };
  const pairs = new Map<keyof PerLayerUs, Set<number>>();
  for (const s of spans) {
    const field = KIND_TO_FIELD[s.kind];
    if (!field || s.layer === undefined) continue;
    totals[field] += s.endNs - s.startNs;
    if (!pairs.has(field)) pairs.set(field, new Set());
    pairs.get(field)!.add(s.layer * gpus + s.gpu);
  }
  for (const field of Object.keys(totals) as (keyof PerLayerUs)[]) {
    const count = pairs.get(field)?.size ?? 0;
    totals[field] = count === 0 ? 0 : round(totals[field] / count / 1000);
  }
  return totals;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
