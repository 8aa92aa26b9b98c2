// PUBLIC SURFACE of sim/hardware/: what other folders may import (they import nothing else from here).
export { loadTopology, parseTopology } from './load-topology.ts';
export { computeTimeNs } from './roofline.ts';
export { gpuCount, nodeOf } from './topology.ts';
export type { Topology } from './topology.ts';
