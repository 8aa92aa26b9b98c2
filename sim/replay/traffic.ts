// Per-layer traffic and load that a step's routing implies, for one EP group.
// Ranks are positions within the EP group (0..ep-1); the schedule maps them to GPUs.

export interface ExpertPlacement {
  ep: number;
  ffnExperts: number;
  /** Ranks hosting each FFN expert (more than one for a replicated hot expert). */
  replicasOf: number[][];
  /** FFN experts hosted on each rank (its grouped GEMM's experts). */
  expertsOn: number[][];
  kind: 'contiguous' | 'load-aware';
}

export interface LayerTraffic {
  ep: number;
  /**
   * Tokens each rank sends to each rank: row src, column dst, ep*ep. A token goes to a rank once
   * however many of its chosen experts live there (DeepEP's dispatch). The diagonal counts tokens
   * whose experts are local (no network traffic, but GEMM work).
   */
  tokensToRank: Int32Array;
  /**
   * Tokens each rank sends to each node over RDMA when traffic is aggregated per node: a token
   * crosses once per destination node. Row src rank, column node index within the group; only
   * filled when the group spans more than one node.
   */
  tokensToNode: Int32Array;
  /**
   * (token, FFN expert) picks each rank sends to each rank: row src, column dst, ep*ep. DeepEP's
   * low-latency kernels send one message per pick, so a token with two experts on one rank
   * counts twice there; zero experts count nothing. The diagonal counts local picks.
   */
  picksToRank: Int32Array;
  nodesInGroup: number;
  /** Token-expert assignments each rank computes, per hosted expert (same order as expertsOn). */
  expertTokens: Int32Array[];
  /** Token-expert assignments per rank in total (sum of expertTokens[rank]). */
  rankAssignments: Int32Array;
  /** Tokens (all ranks) whose every pick was a zero expert; they make no traffic. */
  zeroOnlyTokens: number;
  /** Mean FFN experts per token at this layer. */
  ffnExpertsPerToken: number;
}
