// Network model speed: one all-to-all with uneven bytes among 128 GPUs (16 nodes, 128x127 flows)
// and among 1024 GPUs (128 nodes on a leaf/spine fabric), exact max-min and with batched rate
// recomputation; prints wall time, flows, recomputations and the simulated time.
// Usage: node bin/run-ts.js bench/network.ts [--quick]
import type { Topology } from '../sim/cluster/topology.ts';
import { gpuCount } from '../sim/cluster/topology.ts';
import { executeOptionsFor } from '../sim/network/cluster.ts';
import { directAllToAll, twoHopAllToAll } from '../sim/network/collectives.ts';
import { execute } from '../sim/ops/execute.ts';
import { OpGraph } from '../sim/ops/op-graph.ts';
import { createRng } from '../sim/rng.ts';
import { toyBenchTopology } from './topology.ts';

/** Bytes per GPU pair: DeepEP's benchmark shape (4096 tokens x 7168 hidden, FP8, top-8) with ±50% skew. */
export function unevenMatrix(n: number, seed: number): number[][] {
  const rng = createRng(seed);
  const perPair = (4096 * 8 * 7168) / n;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : Math.round(perPair * (0.5 + rng.next())))));
}

export function allToAllBench(topology: Topology, form: 'direct' | 'two-hop', recomputeFraction: number) {
  const n = gpuCount(topology);
  const gpus = Array.from({ length: n }, (_, i) => i);
  const bytes = unevenMatrix(n, 1);
  const t0 = performance.now();
  const flows = form === 'direct' ? directAllToAll(gpus, bytes) : twoHopAllToAll(topology, gpus, bytes);
  const graph = new OpGraph();
  graph.collective({ name: 'a2a', kind: 'dispatch', stream: 'comm', parts: gpus.map((gpu) => ({ gpu })), flows });
  const timeline = execute(graph, executeOptionsFor(topology, { recomputeFraction }));
  const wallMs = performance.now() - t0;
  return { gpus: n, form, recomputeFraction, flows: flows.length, wallMs, simulatedUs: timeline.makespanNs / 1000, recomputations: timeline.stats.rateSolves };
}

function print(r: ReturnType<typeof allToAllBench>) {
  console.log(
    `a2a ${String(r.gpus).padStart(4)} GPUs ${r.form.padEnd(7)} fraction ${String(r.recomputeFraction).padEnd(4)}: ` +
      `${r.flows.toLocaleString().padStart(9)} flows, ${String(r.recomputations).padStart(6)} rate solves, ` +
      `${r.wallMs.toFixed(0).padStart(6)} ms wall, simulated ${r.simulatedUs.toFixed(1)} µs`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const fabric = (nodes: number): Topology['tiers'] => [{ name: 'leaf', nodesPerSwitch: 4, oversubscription: 1, latencyNs: 500 }, { name: 'spine', nodesPerSwitch: nodes, oversubscription: 1, latencyNs: 500 }];
  for (const nodes of quick ? [1, 4, 16] : [1, 2, 4, 8, 16]) {
    for (const fraction of [0, 0.02]) print(allToAllBench(toyBenchTopology(nodes), 'direct', fraction));
  }
  print(allToAllBench(toyBenchTopology(16), 'two-hop', 0));
  print(allToAllBench(toyBenchTopology(16), 'two-hop', 0.02));
  if (!quick) {
    for (const nodes of [32, 64, 128]) print(allToAllBench(toyBenchTopology(nodes, fabric(nodes)), 'two-hop', 0.02));
    print(allToAllBench(toyBenchTopology(128, fabric(128)), 'direct', 0.02));
  }
}
