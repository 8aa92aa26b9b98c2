// PUBLIC SURFACE of sim/hardware/: what other folders may import (they import nothing else from here).
export { listPresets, loadTopology, parseTopology, toTopology } from './load-topology.ts';
export { topologyFileSchema, topologyRuleViolations } from './topology-schema.ts';
export type { TopologyFile } from './topology-schema.ts';
export { computeTimeNs } from './roofline.ts';
export { gpuCount, nodeOf } from './topology.ts';
export type { Topology } from './topology.ts';
