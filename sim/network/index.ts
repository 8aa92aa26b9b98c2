// PUBLIC SURFACE of sim/network/: what other folders may import (they import nothing else from here).
export { executeOptionsFor } from './cluster.ts';
export { directAllToAll, hierarchicalAllReduce, twoHopAllToAll, twoHopAllToAllReverse } from './collectives.ts';
export type { FlowSpec } from './collectives.ts';
export type { ClusterNetwork } from './cluster.ts';
export { Network } from './network.ts';
export type { Route } from './route.ts';
