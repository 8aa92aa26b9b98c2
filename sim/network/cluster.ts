// Binds a topology to the executor: link capacities and routes.
import type { Topology } from '../cluster/topology.ts';
import { gpuCount } from '../cluster/topology.ts';
import type { ExecuteOptions } from '../ops/execute.ts';
import { buildLinks, type LinkTable } from './links.ts';
import { route } from './route.ts';

export function executeOptionsFor(topology: Topology, extra: Partial<ExecuteOptions> = {}): ExecuteOptions & { links: LinkTable } {
  const links = buildLinks(topology);
  return {
    gpus: gpuCount(topology),
    smsPerGpu: topology.gpu.sms,
    linkCapacityBytesPerNs: links.capacityBytesPerNs,
    route: (src, dst) => route(topology, links, src, dst),
    links,
    ...extra,
  };
}
