// The runtime description of a cluster, as the network and compute models consume it.
// Units are in the names; bandwidths are bytes per second in GB/s (1 GB = 1e9 bytes), per direction.
// `topologies/*.yaml` are validated and converted into this shape by topologies/load.ts.

/** A hardware figure with both the datasheet peak and the achieved value the models use. */
export interface RatedFigure {
  peak: number;
  achieved: number;
}

export interface GpuSpec {
  name: string;
  sms: number;
  /** Usable HBM capacity in bytes. */
  memoryBytes: number;
  hbmGBps: RatedFigure;
  bf16Tflops: RatedFigure;
  fp8Tflops: RatedFigure;
  /** Fixed cost added to every kernel (launch + tail), in ns. */
  launchOverheadNs: number;
}

/** One direction of a link class; every GPU has its own port of this class in each direction. */
export interface LinkSpec {
  bandwidthGBps: RatedFigure;
  /** Paid once per transfer (not per byte), in ns. */
  latencyNs: number;
}

/**
 * A switch tier of the inter-node fabric. Tier t groups `nodesPerSwitch` nodes under one switch
 * (cumulative: a spine's nodesPerSwitch counts nodes, not leaves). Traffic between nodes under
 * different switches of tier t crosses that switch's uplink, whose capacity per direction is the
 * NIC bandwidth of all GPUs below it divided by `oversubscription`.
 */
export interface SwitchTier {
  name: string;
  nodesPerSwitch: number;
  oversubscription: number;
  /** Added once per crossing of this tier (up and down together), in ns. */
  latencyNs: number;
}

/**
 * EP all-to-all kernels (docs/ep-kernels.md): `direct` every pair sends directly; `two-hop` RDMA
 * to the same-rank GPU then NVLink, in fixed 256 KiB pieces; `deepep-normal` the same two hops in
 * pieces sized by DeepEP's own launch configuration; `deepep-ll` DeepEP's low-latency kernels
 * (one message per token and selected expert, no SMs held while data is in flight).
 */
export const ALL_TO_ALL_FORMS = ['direct', 'two-hop', 'deepep-normal', 'deepep-ll'] as const;
export type AllToAllForm = (typeof ALL_TO_ALL_FORMS)[number];
/** How `deepep-ll` reaches peers in its own node: over the NIC (its first version) or NVLink. */
export const INTRA_NODE_PATHS = ['nvlink', 'rdma'] as const;
export type IntraNodePath = (typeof INTRA_NODE_PATHS)[number];

export interface Topology {
  name: string;
  /** Where it came from (file path or preset name), for error messages and results. */
  source: string;
  nodes: number;
  gpusPerNode: number;
  gpu: GpuSpec;
  /** Per-GPU port into the node's NVSwitch. */
  nvlink: LinkSpec;
  /** Per-GPU RDMA NIC into the inter-node fabric. */
  nic: LinkSpec;
  /** Switch tiers above the NICs, lowest first; empty means one non-blocking switch. */
  tiers: SwitchTier[];
  comm: {
    /** SMs a communication kernel holds while it runs, unless a scenario overrides it. */
    sms: number;
    /** How all-to-all traffic crosses nodes: each pair directly, or RDMA to the same-rank GPU then NVLink. */
    allToAll: AllToAllForm;
    /** deepep-ll only: same-node peers over NVLink (default) or the NIC. */
    intraNode?: IntraNodePath;
  };
}

export function gpuCount(t: Topology): number {
  return t.nodes * t.gpusPerNode;
}

export function nodeOf(t: Topology, gpu: number): number {
  return Math.floor(gpu / t.gpusPerNode);
}
