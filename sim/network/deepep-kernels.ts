// The parameters of DeepEP's kernels that epsim reads from their public launch configuration
// (deepseek-ai/DeepEP, deep_ep/buffers/legacy.py at commit dd758ca, 2026-07-14; docs/ep-kernels.md).
// Nothing here comes from DeepEP's measured latencies or bandwidths: those are what epsim predicts.
import type { Topology } from '../hardware/index.ts';
import { nodeOf } from '../hardware/index.ts';

/**
 * `num_max_rdma_chunked_send_tokens` of Buffer.get_dispatch_config / get_combine_config by EP
 * size (the 4th field of each Config): how many tokens one channel sends over RDMA at a time.
 */
const RDMA_CHUNK_TOKENS: Record<'dispatch' | 'combine', readonly (readonly [number, number])[]> = {
  dispatch: [[2, 6], [4, 6], [8, 6], [16, 20], [24, 8], [32, 8], [48, 8], [64, 8], [96, 12], [128, 12], [144, 12], [160, 12]],
  combine: [[2, 6], [4, 6], [8, 6], [16, 12], [24, 8], [32, 8], [48, 8], [64, 8], [96, 8], [128, 8], [144, 8], [160, 8]],
};

/** DeepEP's RDMA chunk for an EP size: its own entry, else the next larger one listed, else the largest. */
export function rdmaChunkTokens(direction: 'dispatch' | 'combine', ep: number): number {
  const table = RDMA_CHUNK_TOKENS[direction];
  for (const [ranks, tokens] of table) if (ranks >= ep) return tokens;
  return table[table.length - 1]![1];
}

/**
 * Bytes per pipeline piece of DeepEP's normal internode kernels: the kernel runs sms / 2 channels
 * (each channel a pair of SMs, one sending, one forwarding), each moving its tokens in chunks of
 * rdmaChunkTokens, so the first NVLink forward can start once every channel's first chunk has
 * crossed: a piece is channels x chunk tokens x bytes per token.
 */
export function deepEpNormalPieceBytes(direction: 'dispatch' | 'combine', ep: number, sms: number, bytesPerToken: number): number {
  const channels = Math.max(1, Math.floor(sms / 2));
  return channels * rdmaChunkTokens(direction, ep) * bytesPerToken;
}

/**
 * The fixed time of one low-latency kernel that no transfer carries, in ns: its launch (the
 * topology's per-kernel overhead) plus one round trip of the group's slowest path for the
 * completion handshake (each sender posts a count for each destination after its messages, the
 * receiver polls for it; a message's own one-way latency is already in its transfer). The
 * slowest path: NVLink inside one node (RDMA with intraNode rdma), the NIC plus every switch
 * tier the group spans across nodes.
 */
export function lowLatencyFixedNs(topology: Topology, gpus: readonly number[], intraNode: 'rdma' | 'nvlink'): number {
  let first = Infinity;
  let last = -Infinity;
  for (const g of gpus) {
    const node = nodeOf(topology, g);
    first = Math.min(first, node);
    last = Math.max(last, node);
  }
  let oneWayNs: number;
  if (first === last && intraNode === 'nvlink') oneWayNs = topology.nvlink.latencyNs;
  else {
    oneWayNs = topology.nic.latencyNs;
    // A tier is crossed by some pair when the group's nodes sit under more than one of its switches.
    for (const tier of topology.tiers) if (Math.floor(first / tier.nodesPerSwitch) !== Math.floor(last / tier.nodesPerSwitch)) oneWayNs += tier.latencyNs;
  }
  return Math.round(topology.gpu.launchOverheadNs + 2 * oneWayNs);
}
