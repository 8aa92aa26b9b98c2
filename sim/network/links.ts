// The link table of a topology: every GPU has four one-directional ports (NVLink out/in into the
// node's NVSwitch, RDMA NIC out/in into the fabric), and every switch of a tier below the top has
// an uplink and a downlink. Capacities are achieved bandwidths in bytes/ns (1 GB/s = 1 byte/ns).
import type { Topology } from '../hardware/index.ts';
import { gpuCount } from '../hardware/index.ts';

export interface LinkTable {
  count: number;
  capacityBytesPerNs: Float64Array;
  nvlinkOut(gpu: number): number;
  nvlinkIn(gpu: number): number;
  nicOut(gpu: number): number;
  nicIn(gpu: number): number;
  /** Uplink (towards the next tier) of switch `index` in tier `tier`. */
  tierUp(tier: number, index: number): number;
  tierDown(tier: number, index: number): number;
  name(link: number): string;
}

export function switchesInTier(topology: Topology, tier: number): number {
  return Math.ceil(topology.nodes / topology.tiers[tier]!.nodesPerSwitch);
}

export function buildLinks(topology: Topology): LinkTable {
  const gpus = gpuCount(topology);
  const tierBase: number[] = [];
  let count = 4 * gpus;
  for (let t = 0; t < topology.tiers.length; t++) {
    tierBase.push(count);
    count += 2 * switchesInTier(topology, t);
  }
  const capacity = new Float64Array(count);
  const nvlink = topology.nvlink.bandwidthGBps.achieved;
  const nic = topology.nic.bandwidthGBps.achieved;
  for (let g = 0; g < gpus; g++) {
    capacity[4 * g] = nvlink;
    capacity[4 * g + 1] = nvlink;
    capacity[4 * g + 2] = nic;
    capacity[4 * g + 3] = nic;
  }
  topology.tiers.forEach((tier, t) => {
    const gpusBelow = tier.nodesPerSwitch * topology.gpusPerNode;
    const uplink = (gpusBelow * nic) / tier.oversubscription;
    for (let s = 0; s < switchesInTier(topology, t); s++) {
      capacity[tierBase[t]! + 2 * s] = uplink;
      capacity[tierBase[t]! + 2 * s + 1] = uplink;
    }
  });
  const portNames = ['nvlink-out', 'nvlink-in', 'nic-out', 'nic-in'];
  return {
    count,
    capacityBytesPerNs: capacity,
    nvlinkOut: (g) => 4 * g,
    nvlinkIn: (g) => 4 * g + 1,
    nicOut: (g) => 4 * g + 2,
    nicIn: (g) => 4 * g + 3,
    tierUp: (t, s) => tierBase[t]! + 2 * s,
    tierDown: (t, s) => tierBase[t]! + 2 * s + 1,
    name(link) {
      if (link < 4 * gpus) return `gpu${Math.floor(link / 4)}.${portNames[link % 4]}`;
      for (let t = topology.tiers.length - 1; t >= 0; t--) {
        if (link >= tierBase[t]!) {
          const offset = link - tierBase[t]!;
          return `${topology.tiers[t]!.name}${Math.floor(offset / 2)}.${offset % 2 === 0 ? 'up' : 'down'}`;
        }
      }
      return `link${link}`;
    },
  };
}
