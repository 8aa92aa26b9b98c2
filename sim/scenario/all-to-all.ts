// Which EP exchange kernels a scenario runs (docs/ep-kernels.md). Deployments run DeepEP's
// low-latency kernels for decode (SGLang with DeepEP, DeepSeek's and LongCat-Flash's serving) and
// its normal kernels for prefill and training; a scenario's `network.allToAll` overrides either.
import type { AllToAllForm, IntraNodePath } from '../hardware/index.ts';

export type Phase = 'decode' | 'prefill' | 'train' | 'a2a';

/** The form a phase runs: the scenario's, else deepep-ll for decode, else the topology's (two-hop read as deepep-normal). */
export function resolveAllToAll(phase: Phase, topologyForm: AllToAllForm, scenarioForm?: AllToAllForm): AllToAllForm {
  if (scenarioForm) return scenarioForm;
  if (phase === 'decode') return 'deepep-ll';
  return topologyForm === 'two-hop' ? 'deepep-normal' : topologyForm;
}

/** deepep-ll's path to same-node peers: the scenario's, else the topology's, else NVLink (DeepEP's default since 2025). */
export function resolveIntraNode(topologyPath?: IntraNodePath, scenarioPath?: IntraNodePath): IntraNodePath {
  return scenarioPath ?? topologyPath ?? 'nvlink';
}
