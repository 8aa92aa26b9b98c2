// DeepEP's published bandwidth of its normal (high-throughput) kernels on H800 with one CX7
// 400 Gb/s InfiniBand NIC per GPU, from the DeepEP README at commit 3b1045d ("Fix the performance
// data", 2025-04-22; in later versions the table moved to docs/legacy.md): 4,096 tokens per rank,
// hidden 7,168, top-4 groups, top-8 experts, FP8 dispatch, BF16 combine, 24 SMs. "Bottleneck
// bandwidth" = bytes over the bottleneck link / kernel time (NVLink inside a node, RDMA per GPU
// across nodes; RDMA figures above 50 GB/s count NVLink-forwarded traffic).
// The a2a scenario's page and table show these next to epsim's figures; nothing is fitted to them.

export interface DeepEpFigure {
  ep: number;
  link: 'NVLink' | 'RDMA';
  dispatchGBps: number;
  combineGBps: number;
}

export const DEEPEP_NORMAL_KERNELS: readonly DeepEpFigure[] = [
  { ep: 8, link: 'NVLink', dispatchGBps: 153, combineGBps: 158 },
  { ep: 16, link: 'RDMA', dispatchGBps: 43, combineGBps: 43 },
  { ep: 32, link: 'RDMA', dispatchGBps: 58, combineGBps: 57 },
  { ep: 64, link: 'RDMA', dispatchGBps: 51, combineGBps: 50 },
];

export const DEEPEP_SOURCE =
  'DeepEP normal kernels on H800 + CX7 (deepseek-ai/DeepEP README, commit 3b1045d): 4096 tokens/GPU, hidden 7168, top-8 of 256, FP8 dispatch, BF16 combine, 24 SMs';

export function deepEpFigure(ep: number): DeepEpFigure | undefined {
  return DEEPEP_NORMAL_KERNELS.find((f) => f.ep === ep);
}
