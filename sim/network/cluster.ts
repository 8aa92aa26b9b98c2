// Binds a topology to the executor: link capacities and routes.
import type { Topology } from '../hardware/index.ts';
import { gpuCount, nodeOf } from '../hardware/index.ts';
import { buildLinks, type LinkTable } from './links.ts';
import { route, type Route } from './route.ts';

/** What the executor needs to know about a cluster's network. */
export interface ClusterNetwork {
  topology: Topology;
  gpus: number;
  smsPerGpu: number;
  linkCapacityBytesPerNs: Float64Array;
  /** The route between two GPUs; `viaNic`: same-node pairs over the NICs (route.ts). */
  route: (src: number, dst: number, viaNic?: boolean) => Route;
  links: LinkTable;
}

export function executeOptionsFor<Extra extends object = object>(topology: Topology, extra: Extra = {} as Extra): ClusterNetwork & Extra {
  const links = buildLinks(topology);
  const gpus = gpuCount(topology);
  // Routes are reused by every exchange; cache them up to 512 GPUs (262,144 pairs).
  const cache: (Route | undefined)[] = gpus <= 512 ? new Array(gpus * gpus) : [];
  const nicCache = new Map<number, Route>();
  return {
    topology,
    gpus,
    smsPerGpu: topology.gpu.sms,
    linkCapacityBytesPerNs: links.capacityBytesPerNs,
    route: (src, dst, viaNic = false) => {
      // Over the NICs only a same-node pair takes another path than usual (its own small cache).
      const overNic = viaNic && nodeOf(topology, src) === nodeOf(topology, dst);
      if (gpus > 512) return route(topology, links, src, dst, overNic);
      const key = src * gpus + dst;
      if (!overNic) return (cache[key] ??= route(topology, links, src, dst));
      let r = nicCache.get(key);
      if (!r) nicCache.set(key, (r = route(topology, links, src, dst, true)));
      return r;
    },
    links,
    ...extra,
  };
}
