// Engine throughput: a synthetic op DAG (default 1M compute ops on 64 GPUs x 2 streams, each op
// depending on up to two recent ops) built, then executed; prints events per second.
// Usage: node bin/run-ts.js bench/engine.ts [ops]
import { executeOptionsFor } from '../sim/network/index.ts';
import { execute } from '../sim/ops/index.ts';
import { OpGraph } from '../sim/ops/index.ts';
import { createRng } from '../sim/core/index.ts';
import { loadTopology } from '../sim/hardware/index.ts';

export function engineBench(opCount: number) {
  const rng = createRng(1);
  const topology = loadTopology('h800-16node');
  const gpus = 64;
  const t0 = performance.now();
  const graph = new OpGraph();
  for (let i = 0; i < opCount; i++) {
    const deps: number[] = [];
    if (i > 0 && rng.next() < 0.8) deps.push(i - 1 - rng.int(Math.min(i, 256)));
    graph.compute({ name: 'op', kind: 'x', gpu: rng.int(gpus), stream: rng.next() < 0.5 ? 'a' : 'b', workNs: 1 + rng.int(10000), deps });
  }
  (globalThis as { gc?: () => void }).gc?.();
  const t1 = performance.now();
  const timeline = execute(graph, executeOptionsFor(topology, { recordSpans: false }));
  const t2 = performance.now();
  return {
    ops: opCount,
    buildMs: t1 - t0,
    runMs: t2 - t1,
    events: timeline.stats.events,
    eventsPerSec: timeline.stats.events / ((t2 - t1) / 1000),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1_000_000);
  const r = engineBench(n);
  console.log(
    `engine: ${r.ops.toLocaleString()} ops, ${r.events.toLocaleString()} events in ${r.runMs.toFixed(0)} ms ` +
      `(graph built in ${r.buildMs.toFixed(0)} ms): ${(r.eventsPerSec / 1e6).toFixed(2)} M events/s`,
  );
}
