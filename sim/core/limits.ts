// The largest scenario epsim accepts, in one place (README "Limits" explains each figure). Schemas
// use them as ranges and sim/scenario/work-bounds.ts checks their products right after validation,
// before anything is allocated. Each is 8-16x the largest shipped case (the 1024-GPU presets and
// a DeepSeek-V3 EP 256 decode of 128 sequences per GPU on h800-1024gpu), so real studies fit with room
// and a typo (1e12 sequences, 1e15 nodes) is refused with the figure and the limit instead of attempted.
export const WORK_LIMITS = {
  /** GPUs in a topology (nodes x gpusPerNode): 16x the 1024-GPU presets. */
  gpus: 16_384,
  /** EP group size: DeepSeek serves at EP 320; 1024 keeps the largest exchange within `collectivePairs`. */
  ep: 1_024,
  /** Tokens one GPU holds in a step (decode: sequences x (1 + draft tokens)): a 128k-token prefill. */
  tokensPerGpu: 131_072,
  /** Tokens in a step over the whole cluster: the routing sample epsim draws (4 bytes each, plus history). */
  totalTokens: 16_777_216,
  /** GPU pairs (flows) of the largest exchange, ep x (ep - 1), which `ep` keeps within: 16x the EP 256 decode's 65,280. */
  collectivePairs: 1_048_576,
  /** GPUs x layers simulated x micro-batches x chunks (x2 in training): the op graph's size, ~15 ops each. */
  gpuLayers: 1_048_576,
  /** Routing decisions drawn in a step: tokens x top-k x MoE layers simulated. */
  routingDecisions: 1_073_741_824,
  /**
   * Simulated time of one step, ns, as an upper estimate (work-bounds.ts): 2^50 ns (13 days) keeps
   * every event time an exact integer in float64 (exact to 2^53) with 8x to spare for the estimate.
   */
  stepNs: 2 ** 50,
} as const;
