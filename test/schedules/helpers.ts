// A small ScMoE model and a standard (DeepSeek-like) one, on the toy 2-node topology, with
// uniform routing: enough to build every schedule's graph quickly.
import type { ModelPreset } from '../../sim/models/model-preset.ts';
import { uniformRoutingSource } from '../../sim/replay/uniform-source.ts';
import type { Workload } from '../../sim/core/types.ts';
import type { StepInput } from '../../sim/schedules/step-input.ts';
import { toyTopology } from '../helpers/toy-topology.ts';

export const smallScmoe: ModelPreset = {
  name: 'small-scmoe',
  source: 'test',
  hidden: 256,
  vocab: 1024,
  layers: 2,
  layout: 'scmoe',
  denseLayers: 0,
  attention: { kind: 'mla', heads: 4, qLoraRank: 64, kvLoraRank: 64, qkNopeHeadDim: 32, qkRopeHeadDim: 16, vHeadDim: 32 },
  denseFfnHidden: 512,
  moe: { ffnExperts: 32, zeroExperts: 16, topk: 6, expertHidden: 128, sharedExperts: 0, sharedHidden: 0 },
};

export const smallStandard: ModelPreset = {
  ...smallScmoe,
  name: 'small-standard',
  layers: 3,
  layout: 'standard',
  denseLayers: 1,
  moe: { ffnExperts: 32, zeroExperts: 0, topk: 4, expertHidden: 128, sharedExperts: 1, sharedHidden: 128 },
};

export function stepInput(model: ModelPreset, workload: Workload, overrides: Partial<StepInput> = {}): StepInput {
  const topology = toyTopology();
  return {
    model,
    topology,
    parallel: { ep: 16, attention: { dp: 16, tp: 1 }, placement: 'contiguous', redundantExperts: 0 },
    workload,
    precision: { weights: 'bf16', dispatch: 'fp8', combine: 'bf16' },
    commSms: 20,
    routing: uniformRoutingSource({
      layers: model.layout === 'scmoe' ? model.layers : model.layers - model.denseLayers,
      ffnExperts: model.moe.ffnExperts,
      zeroExperts: model.moe.zeroExperts,
      topk: model.moe.topk,
    }),
    seed: 1,
    costUsdPerGpuHour: 2,
    recomputeFraction: 0,
    ...overrides,
  };
}

export const decode: Workload = { phase: 'decode', sequencesPerGpu: 8, contextTokens: 2048 };
