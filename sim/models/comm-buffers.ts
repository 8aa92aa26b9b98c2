// HBM that DeepEP reserves for its communication buffers at start-up, per GPU, from its own size
// hints (github.com/deepseek-ai/DeepEP @ 567632d, csrc/config.hpp and deep_ep/buffer.py; the
// layout moved to csrc/legacy/ afterwards without changing it).
//
// Low-latency mode (decode): LowLatencyLayout, two symmetric copies (odd/even steps) of
//   send = max(T x dmsg, E x T x cmsg), recv = E x T x max(dmsg, cmsg), signalling 2 x align(4 E)
//   with dmsg = 16 + max(2 H, H + 4 H/128) and cmsg = 4 H/128 + 2 H bytes, T = the most tokens a rank
//   dispatches (num_max_dispatch_tokens_per_rank), E = experts. E.g. DeepSeek-V3 at T = 128: 1.9 GB.
// Normal mode (prefill, training): get_nvl_buffer_size_hint + get_rdma_buffer_size_hint with the
//   recommended dispatch config for the EP size (Buffer.get_dispatch_config) at num_sms = the
//   kernels' SMs: channels c = sms/2, per channel and peer r recv tokens of (hidden bytes + 128 top-k
//   ids x 8 + 128 weights x 4 + 128 scales x 4 + source meta 8) bytes, the RDMA side doubled.
import type { ModelPreset } from './model-preset.ts';

const NVL_PEERS = 8;
const MAX_TOPK = 128;
const MAX_SCALES = 128;
const TOPK_IDX_BYTES = 8;
const SOURCE_META_BYTES = 8;
const ALIGN = 128;

const align = (x: number, a: number) => Math.ceil(x / a) * a;

/** DeepEP's low-latency buffer for `maxTokensPerRank` tokens of width `hidden` over `experts` experts. */
export function lowLatencyBufferBytes(maxTokensPerRank: number, hidden: number, experts: number): number {
  const scales = hidden / 128;
  const dispatchMsg = 16 + Math.max(2 * hidden, hidden + 4 * scales);
  const combineMsg = 4 * scales + 2 * hidden;
  const send = Math.max(maxTokensPerRank * dispatchMsg, experts * maxTokensPerRank * combineMsg);
  const recv = experts * maxTokensPerRank * Math.max(dispatchMsg, combineMsg);
  const signal = align(4 * experts, ALIGN);
  return align(2 * send + 2 * recv + 2 * signal, ALIGN);
}

/** (nvl recv tokens, rdma recv tokens) of Buffer.get_dispatch_config for an EP size (the nearest listed size at or above it). */
const DISPATCH_CONFIG: readonly [number, number, number][] = [
  [2, 256, 128],
  [4, 256, 128],
  [8, 256, 128],
  [16, 288, 128],
  [24, 288, 128],
  [32, 288, 128],
  [48, 288, 128],
  [64, 288, 128],
  [96, 480, 128],
  [128, 560, 128],
  [144, 720, 128],
  [160, 720, 128],
];

/** DeepEP's normal-mode NVLink + RDMA buffers for an EP group of `ranks` GPUs. */
export function normalBufferBytes(ranks: number, hidden: number, sms: number): number {
  if (ranks < 2) return 0;
  const [, nvlRecv, rdmaRecv] = DISPATCH_CONFIG.find(([r]) => r >= ranks) ?? DISPATCH_CONFIG[DISPATCH_CONFIG.length - 1]!;
  const channels = Math.max(1, Math.floor(sms / 2));
  const hiddenBytes = 2 * hidden;
  const perToken = hiddenBytes + SOURCE_META_BYTES + MAX_TOPK * TOPK_IDX_BYTES + MAX_TOPK * 4 + MAX_SCALES * 4;
  const nvlRanks = Math.min(ranks, NVL_PEERS);
  const rdmaRanks = Math.max(1, Math.floor(ranks / NVL_PEERS));
  const nvl = align(channels * nvlRanks * (2 * rdmaRanks + 3) * 4 + channels * nvlRanks * nvlRecv * perToken, ALIGN);
  if (ranks <= NVL_PEERS) return nvl;
  const rdma = align(channels * rdmaRanks * (NVL_PEERS * 2 + 2) * 2 * 4 + channels * rdmaRanks * rdmaRecv * (perToken + 16) * 2, ALIGN);
  return nvl + rdma;
}

/** DeepEP buffers for a phase: low-latency in decode (T = tokens per GPU per micro-batch), normal otherwise. */
export function epBufferBytes(model: ModelPreset, o: { decode: boolean; ep: number; maxTokensPerRank: number; sms: number }): number {
  if (o.ep < 2) return 0;
  return o.decode ? lowLatencyBufferBytes(o.maxTokensPerRank, model.hidden, model.moe.ffnExperts) : normalBufferBytes(o.ep, model.hidden, o.sms);
}
