// The seam between the executor and a network model. The executor runs the op graph; when a
// collective's part starts on its GPU it tells the backend, and the backend tells it when every
// transfer that part sends or receives has arrived. How the collective's bytes cross the links
// (one flow per GPU pair with max-min fair rates, or per-link processor sharing evaluated per
// part) is the backend's business. Two backends: `flow` (flow-backend.ts, the reference) and
// `fluid` (fluid-backend.ts, the default).
import type { Engine } from '../engine/index.ts';
import type { ClusterNetwork } from './cluster.ts';
import type { CollectiveAlgorithm } from './collective-op.ts';

export const NETWORK_MODELS = ['fluid', 'flow'] as const;
export type NetworkModel = (typeof NETWORK_MODELS)[number];

/** One collective as the backend sees it: its participants (rank r is gpus[r]) and its algorithm. */
export interface CollectiveRun {
  name: string;
  gpus: readonly number[];
  algorithm: CollectiveAlgorithm;
}

export interface BackendEvents {
  /** Rank `rank` of collective `c` has started and every transfer it sends or receives has arrived. */
  partDone(c: number, rank: number): void;
}

export interface NetworkStats {
  /** Transfers started (flows, or the fluid model's transfers). */
  flowsStarted: number;
  /** Max-min rate solves (flow) or link re-plans (fluid). */
  rateSolves: number;
}

export interface NetworkBackend {
  /** Rank `rank`'s part of collective `c` started now: its transfers may leave. */
  startPart(c: number, rank: number): void;
  /** Bytes rank `rank` of collective `c` sends (its span's bytes, relayed data included). */
  partBytes(c: number, rank: number): number;
  /** Transfers rank `rank` of collective `c` still waits for (for stall reports). */
  pendingTransfers(c: number, rank: number): number;
  /** Bytes carried per link so far. */
  readonly linkBytes: Float64Array;
  /** Bytes each GPU has sent and received (arrived transfers). */
  readonly bytesSent: Float64Array;
  readonly bytesReceived: Float64Array;
  readonly stats: NetworkStats;
}

export interface BackendOptions {
  /** Flow model: share of active flows that may start or drain before rates are re-solved (0 = exact). */
  recomputeFraction?: number;
}

export interface BackendContext {
  engine: Engine;
  cluster: ClusterNetwork;
  collectives: readonly CollectiveRun[];
  events: BackendEvents;
  options: BackendOptions;
}
