// The scenario file's shape (DESIGN.md): strict objects, so a typo is an error, never ignored.
// Defaults live here and nowhere else; `epsim validate` and the loader fill them.
import { z } from 'zod';
import { SCHEDULE_NAMES } from '../core/index.ts';
import { sweepSchema } from './sweep-schema.ts';

const positiveInt = z.number().int().positive();
const dtype = z.enum(['bf16', 'fp8']);

export const MODEL_NAMES = ['longcat-flash', 'deepseek-v3', 'traced'] as const;

const decode = z.strictObject({
  phase: z.literal('decode'),
  /** Sequences each GPU decodes per step (one new token each, plus MTP drafts). */
  sequencesPerGpu: positiveInt,
  /** KV-cache length each sequence attends over. */
  contextTokens: positiveInt,
  mtp: z.strictObject({ draftTokens: z.number().int().min(0), acceptance: z.number().min(0).max(1) }).optional(),
});
const prefill = z.strictObject({ phase: z.literal('prefill'), tokensPerGpu: positiveInt });
const train = z.strictObject({
  phase: z.literal('train'),
  tokensPerMicrobatch: positiveInt,
  /** Token chunks of the MoE for scmoe-chunked (1 = unchunked). */
  chunks: positiveInt.default(1),
  /** Micro-batches per optimizer step; the gradient all-reduce is paid once per step. */
  gradientAccumulation: positiveInt.default(8),
  /** Pipeline stages; the step simulates one stage's layers. */
  pipelineStages: positiveInt.default(1),
});
const a2a = z.strictObject({
  phase: z.literal('a2a'),
  tokensPerGpu: positiveInt,
  hidden: positiveInt,
  topk: positiveInt,
  experts: positiveInt,
});

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-" (it names the results folder)'),
  /** Model preset; not used by the a2a phase. */
  model: z.enum(MODEL_NAMES).optional(),
  /**
   * Where routing comes from: a recorded trace; perfectly balanced (what other simulators
   * assume); or random with group-limited top-k (how EP libraries benchmark their kernels).
   */
  routing: z.enum(['trace', 'uniform', 'random']).default('trace'),
  trace: z.string().min(1).optional(),
  /** exact: replay the trace as recorded (shapes must match); fit: sample a statistical fit of it. */
  traceMapping: z.enum(['exact', 'fit']).default('exact'),
  topology: z.string().min(1),
  parallel: z.strictObject({
    ep: positiveInt,
    attention: z.strictObject({ dp: positiveInt.optional(), tp: positiveInt.default(1) }).default({ tp: 1 }),
    placement: z.enum(['contiguous', 'load-aware']).default('contiguous'),
    redundantExperts: z.number().int().min(0).default(0),
  }),
  workload: z.discriminatedUnion('phase', [decode, prefill, train, a2a]),
  precision: z
    .strictObject({ weights: dtype.default('bf16'), dispatch: dtype.default('fp8'), combine: dtype.default('bf16') })
    .default({ weights: 'bf16', dispatch: 'fp8', combine: 'bf16' }),
  /** SMs a communication kernel holds while it runs; default: the topology's comm.sms. */
  commSms: z.number().int().min(0).optional(),
  /** Default: every schedule that applies to the phase. */
  schedules: z.array(z.enum(SCHEDULE_NAMES)).min(1).optional(),
  seed: z.number().int().min(0).default(1),
  costUsdPerGpuHour: z.number().positive().default(2),
  /** Axes (scenario key path -> values), shorthands and targets: sweep-schema.ts. */
  sweep: sweepSchema.optional(),
  network: z
    .strictObject({
      /** Overrides the topology's all-to-all form. */
      allToAll: z.enum(['direct', 'two-hop']).optional(),
      /** Share of flows between network rate re-solves (0 = exact max-min; default 0.1). */
      recomputeFraction: z.number().min(0).max(1).optional(),
    })
    .optional(),
});

export type ScenarioFile = z.output<typeof scenarioSchema>;
export type ScenarioWorkload = ScenarioFile['workload'];
