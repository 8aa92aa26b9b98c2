// The cost of each op of a layer on one GPU, from the model's cost functions and the step plan.
// Attention and dense layers are the same on every GPU; expert GEMMs follow each GPU's routed load.
import {
  attentionCost,
  denseFfnCost,
  expertGemmCost,
  lmHeadCost,
  mtpDraftCost,
  routerCost,
  sharedExpertCost,
  type OpCost,
} from '../models/index.ts';
import type { StepPlan } from './step-plan.ts';

export type AttentionPart = 'qkv' | 'core' | 'out' | 'all';

export interface LayerCosts {
  attention(mb: number, part: AttentionPart): OpCost;
  denseFfn(mb: number): OpCost;
  router(mb: number): OpCost;
  sharedExpert(mb: number): OpCost | null;
  experts(moeLayer: number, mb: number, gpu: number, part: 'up' | 'down' | 'all', share?: number): OpCost;
  lmHead(mb: number): OpCost;
  mtpDraft(mb: number): OpCost | null;
  /** Bytes one TP all-reduce of a micro-batch's activations moves per GPU (0 without TP). */
  tpAllReduceBytes(mb: number): number;
}

export function layerCosts(plan: StepPlan): LayerCosts {
  const { model, input } = plan;
  const weights = input.precision.weights;
  const w = input.workload;
  const phase = w.phase === 'decode' ? 'decode' : w.phase === 'prefill' ? 'prefill' : 'train';
  // With TP, a GPU runs attention for its TP group's tokens on 1/tp of the heads and weights.
  const denseTokens = (mb: number) => plan.tokensIn(mb) * plan.tp;
  const context = (mb: number) => (w.phase === 'decode' ? w.contextTokens : plan.tokensIn(mb));
  const memo = <T>(f: (mb: number) => T) => {
    const cache = new Map<number, T>();
    return (mb: number) => {
      if (!cache.has(mb)) cache.set(mb, f(mb));
      return cache.get(mb)!;
    };
  };
  const attentionMemo = new Map<string, OpCost>();
  return {
    attention(mb, part) {
      const key = `${mb}/${part}`;
      let c = attentionMemo.get(key);
      if (!c) {
        // MTP verification: a sequence's 1 + draft queries read its KV cache once.
        const queriesPerSequence = w.phase === 'decode' ? 1 + (w.mtp?.draftTokens ?? 0) : 1;
        c = attentionCost(model, { part, tokens: denseTokens(mb), contextTokens: context(mb), phase, tp: plan.tp, weights, queriesPerSequence });
        attentionMemo.set(key, c);
      }
      return c;
    },
    denseFfn: memo((mb) => denseFfnCost(model, { tokens: denseTokens(mb), tp: plan.tp, weights })),
    router: memo((mb) => routerCost(model, { tokens: plan.tokensIn(mb) })),
    sharedExpert: memo((mb) => (model.moe.sharedExperts > 0 ? sharedExpertCost(model, { tokens: plan.tokensIn(mb), weights }) : null)),
    experts(moeLayer, mb, gpu, part, share = 1) {
      const group = Math.floor(gpu / plan.ep);
      const rank = gpu - group * plan.ep;
      const counts = plan.traffic(moeLayer, mb, group).expertTokens[rank]!;
      const tokensPerExpert = share === 1 ? counts : Array.from(counts, (c) => c * share);
      return expertGemmCost(model, { tokensPerExpert, part, weights });
    },
    lmHead: memo((mb) => lmHeadCost(model, { tokens: plan.tokensIn(mb), weights })),
    mtpDraft: memo((mb) => {
      if (w.phase !== 'decode' || !w.mtp || w.mtp.draftTokens === 0) return null;
      const sequences = plan.tokensIn(mb) / (1 + w.mtp.draftTokens);
      const one = mtpDraftCost(model, { tokens: sequences, weights });
      return { ...one, flops: one.flops * w.mtp.draftTokens, bytes: one.bytes * w.mtp.draftTokens };
    }),
    tpAllReduceBytes: (mb) => (plan.tp > 1 ? denseTokens(mb) * model.hidden * 2 : 0),
  };
}
