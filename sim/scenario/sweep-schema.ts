// The `sweep:` section of a scenario. Any other key is an axis: a scenario key path (as written in
// the file, dotted: `parallel.ep`, `workload.sequencesPerGpu`, `network.allToAll`, `topology`,
// `schedules`) mapped to the list of values to try. The schema only checks that the section is
// a mapping and the reserved keys; the axes are checked by sweep-axes.ts, each value by the
// scenario's own schema and rules (sweep-plan.ts), so they get the scenario's messages.
import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const SWEEP_RESERVED_KEYS = ['ep', 'batch', 'tpotTargetMs', 'targets'] as const;

export const sweepSchema = z
  .object({
    /** Shorthand for the axis `parallel.ep`. */
    ep: z.array(positiveInt).min(1).optional(),
    /** Shorthand for the phase's batch key: decode sequencesPerGpu, prefill/a2a tokensPerGpu, train tokensPerMicrobatch. */
    batch: z.array(positiveInt).min(1).optional(),
    /** Shorthand for targets.tpotMs. */
    tpotTargetMs: z.number().positive().optional(),
    /** The question the sweep answers: the best layout under a latency target, and GPUs for a total throughput. */
    targets: z
      .strictObject({
        /** Decode: time per output token at most this. */
        tpotMs: z.number().positive().optional(),
        /** Decode: tokens/s per user at least this (1000 / TPOT in ms). */
        tokensPerSecPerUser: z.number().positive().optional(),
        /** Tokens/s the whole deployment must produce (decode: output tokens). */
        totalTokensPerSec: z.number().positive().optional(),
      })
      .optional(),
  })
  .catchall(z.unknown());

export type SweepSpec = z.output<typeof sweepSchema>;
