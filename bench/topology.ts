// An H800-like cluster for benchmarks that must not depend on the YAML presets.
import type { Topology } from '../sim/cluster/topology.ts';

export function toyBenchTopology(nodes: number, tiers: Topology['tiers'] = []): Topology {
  return {
    name: `bench-${nodes}node`,
    source: 'bench',
    nodes,
    gpusPerNode: 8,
    gpu: {
      name: 'H800-like',
      sms: 132,
      memoryBytes: 80e9,
      hbmGBps: { peak: 3352, achieved: 2900 },
      bf16Tflops: { peak: 989, achieved: 650 },
      fp8Tflops: { peak: 1979, achieved: 1300 },
      launchOverheadNs: 3000,
    },
    nvlink: { bandwidthGBps: { peak: 200, achieved: 160 }, latencyNs: 3330 },
    nic: { bandwidthGBps: { peak: 50, achieved: 45 }, latencyNs: 3700 },
    tiers,
    comm: { sms: 24, allToAll: 'direct' },
  };
}
