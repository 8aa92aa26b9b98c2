// PUBLIC SURFACE of sim/hardware/: what other folders may import (they import nothing else from here).
export { listPresets, loadTopology, parseTopology, toTopology } from './load-topology.ts';
export { topologyFileSchema, topologyRuleViolations } from './topology-schema.ts';
export type { TopologyFile } from './topology-schema.ts';
export { computeTimeNs, opCostKey, opTimeNs } from './roofline.ts';
export type { ComputeCost } from './roofline.ts';
export { COMPUTE_MODELS, DEFAULT_COMPUTE_MODEL } from './kernel-shapes.ts';
export type { ComputeModel, DecodeAttentionKernel, FlashAttentionKernel, GemmKernel, GemmLayout, KernelShape, PlainKernel } from './kernel-shapes.ts';
export { flashAttentionEfficiency, gemmTimeNs, kernelTimeNs, nearestGemmSeries, tableRowEfficiency } from './kernel-time.ts';
export { ALL_TO_ALL_FORMS, INTRA_NODE_PATHS, gpuCount, nodeOf } from './topology.ts';
export type { AllToAllForm, GpuSpec, IntraNodePath, Topology } from './topology.ts';
