// Binds a topology to the executor: link capacities and routes.
import type { Topology } from '../cluster/topology.ts';
import { gpuCount } from '../cluster/topology.ts';
import type { ExecuteOptions } from '../ops/execute.ts';
import { buildLinks, type LinkTable } from './links.ts';
import { route, type Route } from './route.ts';

export function executeOptionsFor(topology: Topology, extra: Partial<ExecuteOptions> = {}): ExecuteOptions & { links: LinkTable } {
  const links = buildLinks(topology);
  const gpus = gpuCount(topology);
  // Routes are reused by every exchange; cache them up to 512 GPUs (262,144 pairs).
  const cache: (Route | undefined)[] = gpus <= 512 ? new Array(gpus * gpus) : [];
  return {
    gpus,
    smsPerGpu: topology.gpu.sms,
    linkCapacityBytesPerNs: links.capacityBytesPerNs,
    route: (src, dst) => {
      if (gpus > 512) return route(topology, links, src, dst);
      const key = src * gpus + dst;
      return (cache[key] ??= route(topology, links, src, dst));
    },
    links,
    ...extra,
  };
}
