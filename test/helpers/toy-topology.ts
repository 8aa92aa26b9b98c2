// A topology with round numbers so tests can compute expected times by hand.
import type { SwitchTier, Topology } from '../../sim/hardware/topology.ts';

export function toyTopology(overrides: Partial<Topology> & { tiers?: SwitchTier[] } = {}): Topology {
  return {
    name: 'toy',
    source: 'test',
    nodes: 2,
    gpusPerNode: 8,
    gpu: {
      name: 'toy-gpu',
      sms: 100,
      memoryBytes: 80e9,
      hbmGBps: { peak: 3000, achieved: 2000 },
      bf16Tflops: { peak: 1000, achieved: 500 },
      fp8Tflops: { peak: 2000, achieved: 1000 },
      launchOverheadNs: 0,
    },
    // 100 GB/s = 100 bytes/ns; 25 GB/s = 25 bytes/ns.
    nvlink: { bandwidthGBps: { peak: 200, achieved: 100 }, latencyNs: 1000 },
    nic: { bandwidthGBps: { peak: 50, achieved: 25 }, latencyNs: 2000 },
    tiers: [],
    comm: { sms: 20, allToAll: 'direct' },
    ...overrides,
  };
}
