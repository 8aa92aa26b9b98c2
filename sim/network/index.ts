// PUBLIC SURFACE of sim/network/: what other folders may import (they import nothing else from here).
export { NETWORK_MODELS } from './backend.ts';
export type { BackendContext, CollectiveRun, NetworkBackend, NetworkModel, NetworkStats } from './backend.ts';
export { executeOptionsFor } from './cluster.ts';
export type { ClusterNetwork } from './cluster.ts';
export { matrixBytes } from './collective-op.ts';
export type { CollectiveAlgorithm, FlowSpec, NodeTraffic, TrafficMatrix } from './collective-op.ts';
export { directAllToAll, hierarchicalAllReduce, pipelinedRingAllReduce, twoHopAllToAll, twoHopAllToAllReverse } from './collectives.ts';
export { createNetworkBackend } from './create-backend.ts';
export type { Route } from './route.ts';
export { deepEpNormalPieceBytes, lowLatencyFixedNs, rdmaChunkTokens } from './deepep-kernels.ts';
