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
      /** Multi-token prediction: draft tokens per step and their acceptance rate. */
      mtp?: { draftTokens: number; acceptance: number };
    }
  | { phase: 'prefill'; tokensPerGpu: number }
  | {
      phase: 'train';
      tokensPerMicrobatch: number;
      /** Token chunks the MoE is split into by `scmoe-chunked` (1 = unchunked). */
      chunks: number;
      /** Micro-batches per optimizer step: the gradient all-reduce is paid once per step. */
      gradientAccumulation?: number;
      /**
       * Pipeline-parallel stages: each GPU holds layers / stages layers, and the simulated step is
       * one stage's forward and backward (bubbles are not modelled, as with a zero-bubble schedule).
       */
      pipelineStages?: number;
    }
  | {
      phase: 'a2a';
      tokensPerGpu: number;
      hidden: number;
      topk: number;
      experts: number;
    };

export interface Parallel {
  /** Expert-parallel group size in GPUs; the cluster holds gpus / ep groups. */
  ep: number;
  /** Attention and dense layers: data-parallel ranks x tensor-parallel degree = GPUs. */
  attention: { dp: number; tp: number };
  placement: 'contiguous' | 'load-aware';
  /** Extra expert slots for replicas of hot experts (load-aware placement), per EP group. */
  redundantExperts: number;
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
  tokensPerSecPerUser?: number;
  tokensPerSecPerGpu: number;
  /** Share of step time the compute streams wait on communication (mean over GPUs). */
  exposedCommFraction: number;
  /** Share of step time the compute streams are busy (mean over GPUs). */
  computeUtilization: number;
  costUsdPerMillionTokens: number;
  memoryGiBPerGpu: number;
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

