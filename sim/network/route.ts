// The path of a transfer between two GPUs: NVLink inside a node; NIC out, the switch tiers the
// two nodes do not share, and NIC in across nodes. Latency is paid once per transfer. `viaNic`
// sends a same-node pair out of one NIC and into the other through the leaf switch (RDMA between
// GPUs of one node, as DeepEP's first low-latency kernels do): no tier link, the NIC latency.
import type { Topology } from '../hardware/index.ts';
import { nodeOf } from '../hardware/index.ts';
import type { LinkTable } from './links.ts';

export interface Route {
  links: number[];
  latencyNs: number;
}

const LOCAL: Route = { links: [], latencyNs: 0 };

export function route(topology: Topology, links: LinkTable, src: number, dst: number, viaNic = false): Route {
  if (src === dst) return LOCAL;
  const srcNode = nodeOf(topology, src);
  const dstNode = nodeOf(topology, dst);
  if (srcNode === dstNode && viaNic) return { links: [links.nicOut(src), links.nicIn(dst)], latencyNs: topology.nic.latencyNs };
  if (srcNode === dstNode) {
    return { links: [links.nvlinkOut(src), links.nvlinkIn(dst)], latencyNs: topology.nvlink.latencyNs };
  }
  const path = [links.nicOut(src)];
  const down: number[] = [];
  let latencyNs = topology.nic.latencyNs;
  topology.tiers.forEach((tier, t) => {
    const a = Math.floor(srcNode / tier.nodesPerSwitch);
    const b = Math.floor(dstNode / tier.nodesPerSwitch);
    if (a !== b) {
      path.push(links.tierUp(t, a));
      down.unshift(links.tierDown(t, b));
      latencyNs += tier.latencyNs;
    }
  });
  path.push(...down, links.nicIn(dst));
  return { links: path, latencyNs };
}
