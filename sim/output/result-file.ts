// result.json: the resolved scenario, where routing came from, and one metrics entry per schedule.
// Nothing time- or machine-dependent goes in, so the same seed gives byte-identical files.
import type { ScheduleMetrics } from '../core/index.ts';
import { gpuCount, type Topology } from '../hardware/index.ts';
import type { ModelPreset } from '../models/index.ts';
import type { RoutingSource } from '../replay/index.ts';
import type { StepInput } from '../schedules/index.ts';
import type { RoutingTrace } from '../trace/index.ts';
import { RESULT_FORMAT_VERSION, type ResultFile } from './formats.ts';

export const EPSIM_VERSION = '0.1.0';

/** What result.json records about a resolved scenario (the scenario loader's ResolvedScenario has it). */
export interface RunDescription {
  file: string;
  /** The validated scenario with defaults filled. */
  spec: Record<string, unknown> & { name: string; seed: number };
  topology: Topology;
  model: ModelPreset;
  routing: Pick<RoutingSource, 'kind' | 'description'>;
  trace?: { file: string; trace: RoutingTrace };
  input: Pick<StepInput, 'commSms' | 'parallel' | 'recomputeFraction' | 'networkModel'>;
}

export function toResultFile(
  s: RunDescription,
  metrics: ScheduleMetrics[],
  refused: { name: string; reason: string }[] = [],
  stragglers: ResultFile['stragglers'] = [],
): ResultFile {
  const t = s.topology;
  return {
    formatVersion: RESULT_FORMAT_VERSION,
    scenario: { ...s.spec, file: s.file, resolved: { commSms: s.input.commSms, dp: s.input.parallel.attention.dp, networkModel: s.input.networkModel ?? 'fluid', allToAll: t.comm.allToAll, ...(t.comm.intraNode ? { intraNode: t.comm.intraNode } : {}), recomputeFraction: s.input.recomputeFraction } },
    topology: { name: t.name, source: t.source, nodes: t.nodes, gpusPerNode: t.gpusPerNode, gpus: gpuCount(t) },
    model: { name: s.model.name, source: s.model.source },
    trace: {
      kind: s.routing.kind,
      description: s.routing.description,
      ...(s.trace ? { file: s.trace.file, provenance: { ...s.trace.trace.provenance, model: s.trace.trace.model, tokens: s.trace.trace.tokens } } : {}),
    },
    schedules: metrics,
    ...(refused.length > 0 ? { refused } : {}),
    ...(stragglers.length > 0 ? { stragglers } : {}),
    epsimVersion: EPSIM_VERSION,
    seed: s.spec.seed,
  };
}
