// Network model speed: one all-to-all with uneven bytes (DeepEP's benchmark shape: 4096 tokens x
// 7168 hidden in FP8 to 8 experts per token, each pair's bytes drawn ±50% around the mean) among
// 8 to 1024 GPUs on the H800 presets, with the default batched rate re-solves and, for small
// sizes, exact max-min for comparison. Prints wall time, flows, rate solves and simulated time.
// Usage: node bin/run-ts.js bench/network.ts [--quick]
import type { Topology } from '../sim/hardware/index.ts';
import { gpuCount } from '../sim/hardware/index.ts';
import { executeOptionsFor } from '../sim/network/index.ts';
import { directAllToAll, twoHopAllToAll } from '../sim/network/index.ts';
import { execute } from '../sim/ops/index.ts';
import { OpGraph } from '../sim/ops/index.ts';
import { createRng } from '../sim/core/index.ts';
import { DEFAULT_RECOMPUTE_FRACTION } from '../sim/step/index.ts';
import { loadTopology } from '../sim/hardware/index.ts';

/** Bytes per GPU pair: 4096 x 8 x 7168 B per GPU spread over the others, ±50% per pair. */
export function unevenMatrix(n: number, seed: number): Float64Array[] {
  const rng = createRng(seed);
  const perPair = (4096 * 8 * 7168) / n;
  return Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 0 : Math.round(perPair * (0.5 + rng.next())))));
}

/** The first `nodes` nodes of a preset. */
export function firstNodes(preset: string, nodes: number): Topology {
  const t = loadTopology(preset);
  return { ...t, nodes, name: `${t.name}[${nodes} nodes]`, tiers: t.tiers.filter((tier) => nodes % tier.nodesPerSwitch === 0 && tier.nodesPerSwitch < nodes) };
}

export function allToAllBench(topology: Topology, form: 'direct' | 'two-hop', recomputeFraction: number) {
  const n = gpuCount(topology);
  const gpus = Array.from({ length: n }, (_, i) => i);
  const bytes = unevenMatrix(n, 1);
  const t0 = performance.now();
  const flows = form === 'direct' ? directAllToAll(gpus, bytes) : twoHopAllToAll(topology, gpus, bytes);
  const graph = new OpGraph();
  graph.collective({ name: 'a2a', kind: 'dispatch', stream: 'comm', parts: gpus.map((gpu) => ({ gpu })), flows });
  const timeline = execute(graph, executeOptionsFor(topology, { recomputeFraction, recordSpans: false }));
  const wallMs = performance.now() - t0;
  return { gpus: n, form, recomputeFraction, flows: flows.length, wallMs, simulatedUs: timeline.makespanNs / 1000, rateSolves: timeline.stats.rateSolves };
}

export function printAllToAll(r: ReturnType<typeof allToAllBench>): void {
  console.log(
    `a2a ${String(r.gpus).padStart(4)} GPUs ${r.form.padEnd(7)} re-solve fraction ${String(r.recomputeFraction).padEnd(4)}: ` +
      `${r.flows.toLocaleString().padStart(9)} flows, ${String(r.rateSolves).padStart(6)} rate solves, ` +
      `${r.wallMs.toFixed(0).padStart(6)} ms wall, simulated ${r.simulatedUs.toFixed(1)} µs`,
  );
}

/** Best wall time of `runs` (the machine is shared: the best run is the least disturbed one). */
function bestOf(runs: number, run: () => ReturnType<typeof allToAllBench>): ReturnType<typeof allToAllBench> {
  let best = run();
  for (let i = 1; i < runs; i++) {
    const r = run();
    if (r.wallMs < best.wallMs) best = r;
  }
  return best;
}

export function networkBench(quick: boolean): void {
  const f = DEFAULT_RECOMPUTE_FRACTION;
  // Warm up the JIT on the 128-GPU case (what a long simulation runs at), then measure; up to
  // 128 GPUs the figure is the best of 3 runs.
  for (let i = 0; i < 3; i++) allToAllBench(firstNodes('h800-16node', 16), 'direct', f);
  for (const nodes of quick ? [1, 4, 16] : [1, 2, 4, 8, 16]) {
    printAllToAll(bestOf(3, () => allToAllBench(firstNodes('h800-16node', nodes), 'direct', f)));
    if (nodes <= 4) printAllToAll(bestOf(3, () => allToAllBench(firstNodes('h800-16node', nodes), 'direct', 0)));
  }
  printAllToAll(allToAllBench(loadTopology('h800-16node'), 'two-hop', f));
  if (!quick) {
    for (const nodes of [32, 64, 128]) printAllToAll(allToAllBench(firstNodes('h800-1024gpu', nodes), 'two-hop', f));
    printAllToAll(allToAllBench(loadTopology('h800-1024gpu'), 'direct', f));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) networkBench(process.argv.includes('--quick'));
