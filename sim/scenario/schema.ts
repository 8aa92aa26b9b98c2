// The scenario file's shape (docs/design.md): strict objects, so a typo is an error, never ignored.
// Defaults live here and nowhere else; `epsim validate` and the loader fill them.
// Every number has a range (boundedNumber, limits in WORK_LIMITS); work-bounds.ts checks their products.
import { z } from 'zod';
import { boundedInt, boundedNumber, PIPELINE_SCHEDULES, RECOMPUTE_MODES, SCHEDULE_NAMES, WORK_LIMITS } from '../core/index.ts';
import { ALL_TO_ALL_FORMS, COMPUTE_MODELS, INTRA_NODE_PATHS } from '../hardware/index.ts';
import { NETWORK_MODELS } from '../network/index.ts';
import { sweepSchema } from './sweep-schema.ts';

/** Tokens per GPU in one step (sequences, prefill tokens, a micro-batch). */
const tokenCount = boundedInt(1, WORK_LIMITS.tokensPerGpu);
const epSize = boundedInt(1, WORK_LIMITS.ep);
const dtype = z.enum(['bf16', 'fp8']);
/** A file name or preset; PATH_MAX is 4096 on Linux. */
const pathString = z.string().min(1).max(4096, 'must be at most 4096 characters');

/** Each schedule at most once: a repeat would simulate it twice and list it twice. */
const scheduleList = z
  .array(z.enum(SCHEDULE_NAMES))
  .min(1)
  .max(SCHEDULE_NAMES.length, `at most ${SCHEDULE_NAMES.length} schedules (each once)`)
  .superRefine((names, ctx) => {
    names.forEach((name, i) => {
      const first = names.indexOf(name);
      if (first < i) ctx.addIssue({ code: 'custom', path: [i], message: `"${name}" again (it is schedules[${first}]); list each schedule once, got it twice` });
    });
  });

export const MODEL_NAMES = ['longcat-flash', 'deepseek-v3', 'qwen3-235b-a22b', 'kimi-k2', 'traced'] as const;

const decode = z.strictObject({
  phase: z.literal('decode'),
  /** Sequences each GPU decodes per step (one new token each, plus MTP drafts). */
  sequencesPerGpu: tokenCount,
  /** KV-cache length each sequence attends over (the longest context windows are 1-10M tokens). */
  contextTokens: boundedInt(1, 16_777_216),
  mtp: z.strictObject({ draftTokens: boundedInt(0, 16), acceptance: boundedNumber({ min: 0, max: 1 }) }).optional(),
});
const prefill = z.strictObject({
  phase: z.literal('prefill'),
  tokensPerGpu: tokenCount,
  /** New tokens of each sequence (causal attention within it); default tokensPerGpu (one sequence). */
  sequenceTokens: tokenCount.optional(),
  /** Tokens of each sequence already in the KV cache (prefix-cache hits). */
  cachedTokens: boundedInt(0, 16_777_216).default(0),
});
const train = z.strictObject({
  phase: z.literal('train'),
  tokensPerMicrobatch: tokenCount,
  /** Token chunks of the MoE for scmoe-chunked (1 = unchunked). */
  chunks: boundedInt(1, 64).default(1),
  /** Micro-batches per optimizer step; the gradient all-reduce is paid once per step. */
  gradientAccumulation: boundedInt(1, 65_536).default(8),
  /** Pipeline stages, each on gpus / stages GPUs; the step runs every micro-batch through all of them. */
  pipelineStages: boundedInt(1, 1_024).default(1),
  /** How micro-batches go through the pipeline. */
  pipelineSchedule: z.enum(PIPELINE_SCHEDULES).default('1f1b'),
  /** Length of each training sequence; default tokensPerMicrobatch x parallel.cp. */
  sequenceTokens: boundedInt(1, 16_777_216).optional(),
  /** Activation recomputation in backward. */
  recompute: z.enum(RECOMPUTE_MODES).default('none'),
});
const a2a = z.strictObject({
  phase: z.literal('a2a'),
  tokensPerGpu: tokenCount,
  /** Model width: 7168 in DeepSeek-V3, 6144 in LongCat-Flash. */
  hidden: boundedInt(1, 65_536),
  topk: boundedInt(1, 64),
  /** Expert ids are uint16 in traces and routing sources. */
  experts: boundedInt(1, 65_536),
});

export const scenarioSchema = z.strictObject({
  name: z
    .string()
    .max(100, 'must be at most 100 characters (it names the results folder)')
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-" (it names the results folder)'),
  /** Model preset; not used by the a2a phase. */
  model: z.enum(MODEL_NAMES).optional(),
  /**
   * Where routing comes from: a recorded trace; perfectly balanced (what other simulators
   * assume); or random with group-limited top-k (how EP libraries benchmark their kernels).
   */
  routing: z.enum(['trace', 'uniform', 'random']).default('trace'),
  trace: pathString.optional(),
  /** exact: replay the trace as recorded (shapes must match); fit: sample a statistical fit of it. */
  traceMapping: z.enum(['exact', 'fit']).default('exact'),
  /**
   * A preset name or a YAML path; or `{ preset: NAME, nodes: N }`; or a whole topology inline.
   * The object forms are checked key by key in resolve-topology.ts.
   */
  topology: z.union([pathString, z.looseObject({})], {
    error: 'expected a preset name, a topology file path, { preset: NAME, nodes: N } or a whole topology mapping',
  }),
  parallel: z.strictObject({
    ep: epSize,
    attention: z.strictObject({ dp: boundedInt(1, WORK_LIMITS.gpus).optional(), tp: boundedInt(1, 1_024).default(1) }).default({ tp: 1 }),
    placement: z.enum(['contiguous', 'load-aware']).default('contiguous'),
    redundantExperts: boundedInt(0, 65_536).default(0),
    /** Training: context-parallel degree (each sequence split over cp GPUs). */
    cp: boundedInt(1, 1_024).default(1),
  }),
  workload: z.discriminatedUnion('phase', [decode, prefill, train, a2a]),
  precision: z
    .strictObject({ weights: dtype.default('bf16'), dispatch: dtype.default('fp8'), combine: dtype.default('bf16') })
    .default({ weights: 'bf16', dispatch: 'fp8', combine: 'bf16' }),
  /** SMs a communication kernel holds while it runs; default: the topology's comm.sms. */
  commSms: boundedInt(0, 1_023).optional(),
  /** Default: every schedule that applies to the phase. */
  schedules: scheduleList.optional(),
  seed: boundedInt(0, Number.MAX_SAFE_INTEGER).default(1),
  /** Cloud list prices are $1-10 per GPU-hour. */
  costUsdPerGpuHour: boundedNumber({ min: 0.001, max: 10_000, unit: 'USD' }).default(2),
  /** Axes (scenario key path -> values), shorthands and targets: sweep-schema.ts. */
  sweep: sweepSchema.optional(),
  /** How compute ops are timed: per-kernel efficiency from published kernel tables, or one achieved rate per GPU. */
  compute: z.strictObject({ model: z.enum(COMPUTE_MODELS).default('kernel-tables') }).default({ model: 'kernel-tables' }),
  network: z
    .strictObject({
      /** Network model: fluid (aggregates per collective and link, the default) or flow (max-min per flow, the reference). */
      model: z.enum(NETWORK_MODELS).optional(),
      /**
       * The EP exchange kernels (docs/ep-kernels.md). Default per phase, as deployments run them:
       * decode deepep-ll; prefill, training and a2a the topology's form (deepep-normal for two-hop).
       */
      allToAll: z.enum(ALL_TO_ALL_FORMS).optional(),
      /** deepep-ll: same-node peers over NVLink (default, DeepEP's current kernels) or the NIC (its first version). */
      intraNode: z.enum(INTRA_NODE_PATHS).optional(),
      /** Share of flows between network rate re-solves (0 = exact max-min; default 0.1). */
      recomputeFraction: boundedNumber({ min: 0, max: 1 }).optional(),
    })
    .optional(),
});

export type ScenarioFile = z.output<typeof scenarioSchema>;
export type ScenarioWorkload = ScenarioFile['workload'];
