// Building blocks shared by the schedules: the ops of one layer for one micro-batch, in model
// order. A block is a generator that yields at each point where it hands work to a communication
// stream, so a schedule can interleave micro-batches (TBO) or run one alone (serial).
import type { Emitter, Handle } from './emitter.ts';
import type { AttentionPart, LayerCosts, MtpPart } from './layer-costs.ts';
import { STREAMS } from '../core/index.ts';

export interface BlockContext {
  e: Emitter;
  costs: LayerCosts;
  layer: number;
  mb: number;
  /** Stream for the EP exchanges: the compute stream itself means no overlap at all. */
  commStream: string;
}

/** `L3.mb1.attn0.qkv`-style names: hierarchical and stable (tests and the dashboard match on them). */
export function opName(layer: number, mb: number, part: string): string {
  return `L${layer}.mb${mb}.${part}`;
}

export function attention(c: BlockContext, label: string, part: AttentionPart, deps: readonly Handle[]): Handle {
  const a = c.e.compute({
    name: opName(c.layer, c.mb, part === 'all' ? label : `${label}.${part}`),
    kind: 'attention',
    layer: c.layer,
    mb: c.mb,
    cost: () => c.costs.attention(c.mb, part),
    deps,
  });
  return part === 'qkv' ? a : withTpAllReduce(c, `${label}.tp-all-reduce`, a);
}

export function denseFfn(c: BlockContext, label: string, deps: readonly Handle[]): Handle {
  const f = c.e.compute({ name: opName(c.layer, c.mb, label), kind: 'dense-ffn', layer: c.layer, mb: c.mb, cost: () => c.costs.denseFfn(c.mb), deps });
  return withTpAllReduce(c, `${label}.tp-all-reduce`, f);
}

/** With tensor parallelism, partial sums are all-reduced over NVLink on the TP stream. */
function withTpAllReduce(c: BlockContext, label: string, op: Handle): Handle {
  const bytes = c.costs.tpAllReduceBytes(c.mb);
  if (bytes === 0) return op;
  return c.e.tpAllReduce(opName(c.layer, c.mb, label), c.layer, c.mb, bytes, [op]);
}

export function router(c: BlockContext, deps: readonly Handle[]): Handle {
  return c.e.compute({ name: opName(c.layer, c.mb, 'moe.router'), kind: 'router', layer: c.layer, mb: c.mb, cost: () => c.costs.router(c.mb), deps });
}

export function sharedExpert(c: BlockContext, deps: readonly Handle[]): Handle | null {
  if (!c.costs.sharedExpert(c.mb)) return null;
  return c.e.compute({
    name: opName(c.layer, c.mb, 'moe.shared'),
    kind: 'shared-expert',
    layer: c.layer,
    mb: c.mb,
    cost: () => c.costs.sharedExpert(c.mb),
    deps,
  });
}

export function experts(c: BlockContext, moeLayer: number, part: 'up' | 'down' | 'all', deps: readonly Handle[], label = 'moe.experts', share = 1): Handle {
  return c.e.compute({
    name: opName(c.layer, c.mb, part === 'all' ? label : `${label}.${part}`),
    kind: 'expert-gemm',
    layer: c.layer,
    mb: c.mb,
    cost: (g) => c.costs.experts(moeLayer, c.mb, g, part, share),
    deps,
  });
}

export function dispatch(c: BlockContext, moeLayer: number, deps: readonly Handle[], label = 'moe.dispatch', share = 1): Handle {
  return c.e.dispatch({ name: opName(c.layer, c.mb, label), layer: c.layer, mb: c.mb, moeLayer, stream: c.commStream, deps, share });
}

export function combine(c: BlockContext, moeLayer: number, deps: readonly Handle[], label = 'moe.combine', share = 1): Handle {
  return c.e.combine({ name: opName(c.layer, c.mb, label), layer: c.layer, mb: c.mb, moeLayer, stream: c.commStream, deps, share });
}

/**
 * One layer of one micro-batch in model order, with no overlap inside the micro-batch: each
 * exchange is waited for before the next compute. Yields after handing each exchange to
 * `commStream`. Returns the handles the next layer must wait for.
 */
export function* layerInModelOrder(c: BlockContext, entry: readonly Handle[]): Generator<void, Handle[]> {
  const { e, layer } = c;
  const model = e.plan.model;
  const moeLayer = e.plan.moeIndexOf[layer]!;
  if (model.layout === 'scmoe') {
    const attn0 = attention(c, 'attn0', 'all', entry);
    const r = router(c, [attn0]);
    const d = dispatch(c, moeLayer, [r]);
    yield;
    const x = experts(c, moeLayer, 'all', [d]);
    const cb = combine(c, moeLayer, [x]);
    yield;
    // The dense path reads the stream after attn0 (the shortcut) but in model order runs after the MoE.
    const ffn0 = denseFfn(c, 'ffn0', [attn0, cb]);
    const attn1 = attention(c, 'attn1', 'all', [ffn0]);
    const ffn1 = denseFfn(c, 'ffn1', [attn1]);
    return [ffn1, cb];
  }
  const attn = attention(c, 'attn', 'all', entry);
  if (moeLayer < 0) return [denseFfn(c, 'ffn', [attn])];
  const r = router(c, [attn]);
  const d = dispatch(c, moeLayer, [r]);
  yield;
  const s = sharedExpert(c, [attn]);
  const x = experts(c, moeLayer, 'all', [d]);
  const cb = combine(c, moeLayer, [x]);
  yield;
  return s ? [cb, s] : [cb];
}

/**
 * The last ops of a step: the LM head and, in decode with MTP, the draft head's passes. Each pass
 * drafts one more token per sequence from the previous one, so the passes run one after another:
 * eh_proj + the draft layer's attention over its own KV cache, its FFN (a dense FFN, or for an MoE
 * draft layer router, dispatch, expert GEMMs, combine and shared expert, routed like the model's
 * last MoE layer with one token per sequence), then the LM head over the draft token.
 */
export function stepTail(e: Emitter, costs: LayerCosts, mb: number, deps: readonly Handle[], commStream: string = STREAMS.comm): Handle {
  const layer = e.plan.layers;
  let last = e.compute({ name: `head.mb${mb}.lm-head`, kind: 'lm-head', layer, mb, cost: () => costs.lmHead(mb), deps });
  const passes = costs.mtpPasses();
  const model = e.plan.model;
  for (let i = 1; i <= passes; i++) {
    const name = (part: string) => `head.mb${mb}.mtp${i}.${part}`;
    const draft = (part: MtpPart) => costs.mtpDraft(mb, part);
    const attn = e.compute({ name: name('attn'), kind: 'mtp-draft', layer, mb, cost: () => draft('attention'), deps: [last] });
    let ffnOut: Handle[];
    if (model.mtp?.ffn === 'moe' && e.plan.moeLayers > 0) {
      // The draft's MoE routes like the model's last MoE layer, carrying one token per sequence
      // of the step's 1 + draft tokens.
      const moeLayer = e.plan.moeLayers - 1;
      const share = 1 / (1 + passes);
      const r = e.compute({ name: name('router'), kind: 'mtp-draft', layer, mb, cost: () => draft('router'), deps: [attn] });
      const d = e.dispatch({ name: name('dispatch'), layer, mb, moeLayer, stream: commStream, deps: [r], share });
      const s = draft('shared') ? e.compute({ name: name('shared'), kind: 'mtp-draft', layer, mb, cost: () => draft('shared'), deps: [attn] }) : null;
      const x = e.compute({ name: name('experts'), kind: 'mtp-draft', layer, mb, cost: (g) => costs.experts(moeLayer, mb, g, 'all', share), deps: [d] });
      const cb = e.combine({ name: name('combine'), layer, mb, moeLayer, stream: commStream, deps: [x], share });
      ffnOut = s ? [cb, s] : [cb];
    } else {
      ffnOut = [e.compute({ name: name('ffn'), kind: 'mtp-draft', layer, mb, cost: () => draft('ffn'), deps: [attn] })];
    }
    last = e.compute({ name: name('lm-head'), kind: 'mtp-draft', layer, mb, cost: () => draft('head'), deps: ffnOut });
  }
  return last;
}

/** Runs generator programs round-robin, one stage each, until all have returned. */
export function interleave<T>(programs: Generator<void, T>[]): T[] {
  const results: T[] = new Array(programs.length);
  const live = programs.map((_, i) => i);
  while (live.length > 0) {
    for (let k = 0; k < live.length; ) {
      const i = live[k]!;
      const step = programs[i]!.next();
      if (step.done) {
        results[i] = step.value;
        live.splice(k, 1);
      } else k++;
    }
  }
  return results;
}

export { STREAMS };
