// What one simulated step needs: the model, the cluster, the layout, the workload and where the
// routing comes from. The scenario loader resolves a YAML file into one StepInput that every
// schedule runs (the same tokens, seed and cluster for all).
import type { Parallel, Precision, Workload } from '../core/index.ts';
import type { ComputeModel, Topology } from '../hardware/index.ts';
import type { NetworkModel } from '../network/index.ts';
import type { ModelPreset } from '../models/index.ts';
import type { RoutingSource } from '../replay/index.ts';

export interface StepInput {
  model: ModelPreset;
  topology: Topology;
  parallel: Parallel;
  workload: Workload;
  precision: Precision;
  /** SMs a communication kernel holds while it runs. */
  commSms: number;
  routing: RoutingSource;
  seed: number;
  costUsdPerGpuHour: number;
  /** Which network model runs the collectives (default: fluid; see sim/network/backend.ts). */
  networkModel?: NetworkModel;
  /** Flow model's rate re-solve batching (see sim/network/network.ts); 0 = exact. */
  recomputeFraction?: number;
  /** How compute ops are timed (sim/hardware kernel-time.ts); default 'kernel-tables'. */
  computeModel?: ComputeModel;
}
