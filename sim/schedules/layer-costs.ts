// The cost of each op of a layer on one GPU, from the model's cost functions and the step plan.
// Attention and dense layers are the same on every GPU; expert GEMMs follow each GPU's routed load.
// Prefill and training attention is causal per sequence (plan.sequencesIn); decode attention reads
// each sequence's KV cache once for its 1 + draft queries. Expert GEMMs use DeepGEMM's masked layout
// in decode and its contiguous layout otherwise.
import {
  attentionCost,
  attentionRecomputeCost,
  denseFfnCost,
  expertGemmCost,
  gemmCost,
  lmHeadCost,
  routerCost,
  sharedExpertCost,
  sumCosts,
  type OpCost,
  type SequenceGroup,
} from '../models/index.ts';
import type { StepPlan } from './step-plan.ts';
import { queriesPerSequence } from './step-plan.ts';

export type AttentionPart = 'qkv' | 'core' | 'out' | 'all';

/**
 * The parts of one MTP draft pass: eh_proj + attention, the FFN (a dense draft layer), the router
 * and shared expert (an MoE draft layer; its expert GEMMs are `experts` with a share), the LM head.
 */
export type MtpPart = 'attention' | 'ffn' | 'router' | 'shared' | 'head';

export interface LayerCosts {
  attention(mb: number, part: AttentionPart): OpCost;
  /** Training with selective recomputation: what is re-run before an attention block's backward. */
  attentionRecompute(mb: number): OpCost;
  denseFfn(mb: number): OpCost;
  router(mb: number): OpCost;
  sharedExpert(mb: number): OpCost | null;
  experts(moeLayer: number, mb: number, gpu: number, part: 'up' | 'down' | 'all', share?: number): OpCost;
  lmHead(mb: number): OpCost;
  /** Decode with MTP: draft passes per step (the draft tokens, one after the other); 0 otherwise. */
  mtpPasses(): number;
  /** One draft pass's part over the micro-batch's sequences (one token each); null without MTP. */
  mtpDraft(mb: number, part: MtpPart): OpCost | null;
  /** Bytes one TP all-reduce of a micro-batch's activations moves per GPU (0 without TP). */
  tpAllReduceBytes(mb: number): number;
}

export function layerCosts(plan: StepPlan): LayerCosts {
  const { model, input } = plan;
  const weights = input.precision.weights;
  const w = input.workload;
  const phase = w.phase === 'decode' ? 'decode' : w.phase === 'prefill' ? 'prefill' : 'train';
  const expertLayout = w.phase === 'decode' ? 'masked' : 'contiguous';
  // With TP, a GPU runs attention for its TP group's tokens on 1/tp of the heads and weights.
  const denseTokens = (mb: number) => plan.tokensIn(mb) * plan.tp;
  const draftTokens = w.phase === 'decode' ? (w.mtp?.draftTokens ?? 0) : 0;
  const queries = queriesPerSequence(input);
  const sequencesOf = (mb: number): SequenceGroup[] => plan.sequencesIn(mb).map((s) => ({ ...s, count: s.count * plan.tp }));
  const memo = <T>(f: (mb: number) => T) => {
    const cache = new Map<number, T>();
    return (mb: number) => {
      if (!cache.has(mb)) cache.set(mb, f(mb));
      return cache.get(mb)!;
    };
  };
  const attentionMemo = new Map<string, OpCost>();
  const draftSequences = (mb: number) => plan.tokensIn(mb) / queries;
  const mtpMemo = new Map<string, OpCost | null>();
  // Prefill and training attention over the micro-batch's own sequences (causal within each).
  const sequenceAttention = (mb: number): Omit<Parameters<typeof attentionCost>[1], 'part'> => ({
    tokens: denseTokens(mb),
    contextTokens: plan.tokensIn(mb),
    phase,
    tp: plan.tp,
    weights,
    sequences: sequencesOf(mb),
    prefixProjected: plan.cp > 1,
  });
  return {
    attention(mb, part) {
      const key = `${mb}/${part}`;
      let c = attentionMemo.get(key);
      if (!c) {
        c =
          w.phase === 'decode'
            ? // MTP verification: a sequence's 1 + draft queries read its KV cache once.
              attentionCost(model, { part, tokens: denseTokens(mb), contextTokens: w.contextTokens, phase, tp: plan.tp, weights, queriesPerSequence: queries })
            : attentionCost(model, { ...sequenceAttention(mb), part });
        attentionMemo.set(key, c);
      }
      return c;
    },
    attentionRecompute: memo((mb) => attentionRecomputeCost(model, { ...sequenceAttention(mb), part: 'all' })),
    denseFfn: memo((mb) => denseFfnCost(model, { tokens: denseTokens(mb), tp: plan.tp, weights })),
    router: memo((mb) => routerCost(model, { tokens: plan.tokensIn(mb) })),
    sharedExpert: memo((mb) => (model.moe.sharedExperts > 0 ? sharedExpertCost(model, { tokens: plan.tokensIn(mb), weights }) : null)),
    experts(moeLayer, mb, gpu, part, share = 1) {
      const group = Math.floor(gpu / plan.ep);
      const rank = gpu - group * plan.ep;
      const counts = plan.traffic(moeLayer, mb, group).expertTokens[rank]!;
      const tokensPerExpert = share === 1 ? counts : Array.from(counts, (c) => c * share);
      return expertGemmCost(model, { tokensPerExpert, part, weights, layout: expertLayout });
    },
    lmHead: memo((mb) => lmHeadCost(model, { tokens: plan.tokensIn(mb), weights })),
    mtpPasses: () => (model.mtp ? draftTokens : 0),
    mtpDraft(mb, part) {
      if (w.phase !== 'decode' || draftTokens === 0 || !model.mtp) return null;
      const key = `${mb}/${part}`;
      if (mtpMemo.has(key)) return mtpMemo.get(key)!;
      const S = draftSequences(mb) * plan.tp;
      let c: OpCost | null;
      if (part === 'attention') {
        // eh_proj over concat(embedding, hidden state), then the draft layer's attention over its own KV cache.
        c = sumCosts([
          gemmCost({ m: S, k: 2 * model.hidden, n: model.hidden, weights }),
          attentionCost(model, { part: 'all', tokens: S, contextTokens: w.contextTokens, phase: 'decode', tp: plan.tp, weights }),
        ]);
      } else if (part === 'ffn') c = model.mtp.ffn === 'dense' ? denseFfnCost(model, { tokens: S, tp: plan.tp, weights }) : null;
      else if (part === 'router') c = model.mtp.ffn === 'moe' ? routerCost(model, { tokens: draftSequences(mb) }) : null;
      else if (part === 'shared') c = model.mtp.ffn === 'moe' && model.moe.sharedExperts > 0 ? sharedExpertCost(model, { tokens: draftSequences(mb), weights }) : null;
      else c = lmHeadCost(model, { tokens: draftSequences(mb), weights });
      mtpMemo.set(key, c);
      return c;
    },
    tpAllReduceBytes: (mb) => (plan.tp > 1 ? denseTokens(mb) * model.hidden * 2 : 0),
  };
}
