// The shared vocabulary of epsim: schedule names, phases, workloads, layouts, precisions and the
// metrics a schedule reports. Plain data types with no dependencies, so every layer can use them.
// Schedule names are a contract (docs/ARCHITECTURE.md): scenarios, results and the dashboard use them.

export const SCHEDULE_NAMES = ['serial', 'shared-overlap', 'tbo', 'scmoe-sbo', 'scmoe-chunked', 'a2a'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

export type Phase = 'decode' | 'prefill' | 'train' | 'a2a';

export type Workload =
  | {
      phase: 'decode';
      sequencesPerGpu: number;
      /** KV-cache length each sequence attends over. */
      contextTokens: number;
      /** Multi-token prediction: draft tokens per step and the acceptance rate of each draft token. */
      mtp?: { draftTokens: number; acceptance: number };
    }
  | {
      phase: 'prefill';
      tokensPerGpu: number;
      /** New tokens of each sequence (attention is causal within a sequence); default tokensPerGpu. */
      sequenceTokens?: number;
      /** Tokens of each sequence already in the KV cache (prefix-cache hits); default 0. */
      cachedTokens?: number;
    }
  | {
      phase: 'train';
      tokensPerMicrobatch: number;
      /** Token chunks the MoE is split into by `scmoe-chunked` (1 = unchunked). */
      chunks: number;
      /** Micro-batches per optimizer step, all of which go through the pipeline in one step. */
      gradientAccumulation?: number;
      /** Pipeline-parallel stages, each on its own GPUs (gpus / stages per stage). */
      pipelineStages?: number;
      /** How micro-batches go through the pipeline (sim/schedules/pipeline-order.ts); default '1f1b'. */
      pipelineSchedule?: PipelineScheduleName;
      /** Length of each training sequence (causal attention within it); default tokensPerMicrobatch x cp. */
      sequenceTokens?: number;
      /** Activation recomputation in backward; default 'none'. */
      recompute?: RecomputeMode;
    }
  | {
      phase: 'a2a';
      tokensPerGpu: number;
      hidden: number;
      topk: number;
      experts: number;
    };

/**
 * Pipeline schedules: PipeDream-flush 1F1B; ZB-H1 (1F1B with the weight gradients deferred into
 * the bubbles, Qi et al. 2024); V-ZB (two model chunks per stage in a V, zero bubble, as LongCat-Flash
 * trains); DualPipe (DeepSeek-V3: two directions, a forward and a backward chunk overlapped).
 */
export const PIPELINE_SCHEDULES = ['1f1b', 'zb-h1', 'v-zb', 'dualpipe'] as const;
export type PipelineScheduleName = (typeof PIPELINE_SCHEDULES)[number];

/** none: keep every activation; selective: recompute norms and attention up-projections (DeepSeek-V3 §3.2.3); full: recompute each layer. */
export const RECOMPUTE_MODES = ['none', 'selective', 'full'] as const;
export type RecomputeMode = (typeof RECOMPUTE_MODES)[number];

export interface Parallel {
  /** Expert-parallel group size in GPUs; the cluster holds gpus / ep groups. */
  ep: number;
  /** Attention and dense layers: data-parallel ranks x tensor-parallel degree = GPUs. */
  attention: { dp: number; tp: number };
  placement: 'contiguous' | 'load-aware';
  /** Extra expert slots for replicas of hot experts (load-aware placement), per EP group. */
  redundantExperts: number;
  /** Training: context-parallel degree (each sequence split over cp GPUs); default 1. */
  cp?: number;
}

export type Dtype = 'bf16' | 'fp8';

export interface Precision {
  weights: Dtype;
  dispatch: Dtype;
  combine: Dtype;
}

/** Mean time per layer of each op kind on its own stream, as if nothing overlapped. */
export interface PerLayerUs {
  attention: number;
  denseFfn: number;
  router: number;
  dispatch: number;
  expertGemm: number;
  combine: number;
  sharedExpert: number;
}

export interface ScheduleMetrics {
  name: ScheduleName;
  /** Set when a schedule was emulated on a model it does not natively fit, saying how. */
  emulation?: string;
  stepTimeUs: number;
  /** Decode only: time per output token (step time / accepted tokens per step). */
  tpotMs?: number;
  /** Decode with MTP: tokens each sequence keeps per step (1 + expected accepted drafts). */
  acceptedTokensPerStep?: number;
  tokensPerSecPerUser?: number;
  tokensPerSecPerGpu: number;
  /** Share of step time the compute streams wait on communication (mean over GPUs). */
  exposedCommFraction: number;
  /** Share of step time the compute streams are busy (mean over GPUs). */
  computeUtilization: number;
  costUsdPerMillionTokens: number;
  memoryGiBPerGpu: number;
  /** memoryGiBPerGpu split by use (training: weights = parameters, gradients and optimizer states). */
  memoryBreakdownGiB?: { weights: number; kvCache: number; activations: number; buffers: number };
  fitsInMemory: boolean;
  perLayerUs: PerLayerUs;
  /** Training only: model FLOPs utilisation. */
  mfu?: number;
  /** a2a only. */
  dispatchUs?: number;
  combineUs?: number;
  dispatchGBps?: number;
  combineGBps?: number;
}

