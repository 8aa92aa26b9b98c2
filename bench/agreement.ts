// Random exchanges for comparing the fluid network model with exact max-min (the flow model at
// recomputeFraction 0): topologies of 1-4 nodes of 2, 4 or 8 GPUs, with and without an
// oversubscribed leaf tier; dense, sparse and hot-destination byte matrices; direct and two-hop
// all-to-alls; 1-3 collectives at once, starting together or staggered by compute before them.
// On the H800 preset's links. Used by test/network/fluid-agreement.test.ts (bounds) and
// bench/network.ts (the table).
import { createRng } from '../sim/core/index.ts';
import type { Topology } from '../sim/hardware/index.ts';
import { loadTopology } from '../sim/hardware/index.ts';
import { executeOptionsFor, type CollectiveAlgorithm } from '../sim/network/index.ts';
import { execute, OpGraph, type Timeline } from '../sim/ops/index.ts';

/** The H800 node preset with `nodes` nodes of `gpusPerNode` GPUs, optionally under a leaf tier. */
function h800Cluster(nodes: number, gpusPerNode: number, oversubscription: number): Topology {
  const base = loadTopology('h800');
  return {
    ...base,
    name: `h800[${nodes}x${gpusPerNode}]`,
    nodes,
    gpusPerNode,
    tiers: oversubscription ? [{ name: 'leaf', nodesPerSwitch: 1, oversubscription, latencyNs: 500 }] : [],
  };
}

export interface AgreementCase {
  /** form/matrix/tiers/concurrency/starts, e.g. "direct/hot/over/conc/staggered". */
  category: string;
  topology: Topology;
  graph: OpGraph;
  collectives: number;
}

export function agreementCase(rng: ReturnType<typeof createRng>): AgreementCase {
  const nodes = 1 + rng.int(4);
  const gpusPerNode = [2, 4, 8][rng.int(3)]!;
  const over = nodes > 1 && rng.next() < 0.3 ? 1 + rng.next() * 3 : 0;
  const topology = h800Cluster(nodes, gpusPerNode, over);
  const n = nodes * gpusPerNode;
  const kind = ['dense', 'sparse', 'hot'][rng.int(3)]!;
  const form = nodes > 1 && rng.next() < 0.4 ? 'two-hop' : 'direct';
  const concurrent = 1 + rng.int(3);
  const staggered = rng.next() < 0.5;
  const graph = new OpGraph();
  const gpus = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < concurrent; k++) {
    const hot = rng.int(n);
    const counts = new Int32Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const around = Math.round(20 * (0.5 + rng.next()));
        counts[i * n + j] = kind === 'sparse' ? (rng.next() < 0.3 ? 1 + rng.int(40) : 0) : kind === 'hot' && j === hot ? 80 : around;
      }
    }
    const matrix = { n, counts, scale: 7168 };
    const algorithm: CollectiveAlgorithm =
      form === 'direct' ? { kind: 'direct-all-to-all', matrix } : { kind: 'two-hop-all-to-all', matrix, gather: rng.next() < 0.5, pieceBytes: 256 * 1024, maxPieces: 8 };
    const before = staggered ? gpus.map((gpu) => graph.compute({ name: `pre${k}`, kind: 'x', gpu, stream: `s${k}`, workNs: rng.int(20000) })) : undefined;
    graph.collective({ name: `c${k}`, kind: 'dispatch', stream: `s${k}`, parts: gpus.map((gpu, r) => ({ gpu, ...(before ? { deps: [before[r]!] } : {}) })), algorithm });
  }
  const category = `${form}/${kind}/${over ? 'over' : 'flat'}/${concurrent > 1 ? 'conc' : 'one'}/${staggered ? 'staggered' : 'together'}`;
  return { category, topology, graph, collectives: concurrent };
}

export interface Agreement {
  category: string;
  /** Largest |fluid - flow| end time of a rank's part, over the flow duration of its collective. */
  rankError: number;
  /** |fluid - flow| step time over the flow step time. */
  stepError: number;
  /** Bytes each GPU sent and received agree exactly between the models. */
  bytesAgree: boolean;
}

export function compareModels(c: AgreementCase): Agreement {
  const flow = execute(c.graph, executeOptionsFor(c.topology, { networkModel: 'flow', recomputeFraction: 0 }));
  const fluid = execute(c.graph, executeOptionsFor(c.topology, { networkModel: 'fluid' }));
  const parts = (t: Timeline) => new Map(t.spans.filter((s) => s.kind === 'dispatch').map((s) => [`${s.name}@${s.gpu}`, s]));
  const a = parts(flow);
  const b = parts(fluid);
  const duration = new Map<string, [number, number]>();
  for (const s of a.values()) {
    const d = duration.get(s.name) ?? [Infinity, -Infinity];
    duration.set(s.name, [Math.min(d[0], s.startNs), Math.max(d[1], s.endNs)]);
  }
  let rankError = 0;
  for (const [key, s] of a) {
    const [lo, hi] = duration.get(s.name)!;
    rankError = Math.max(rankError, Math.abs(b.get(key)!.endNs - s.endNs) / Math.max(1, hi - lo));
  }
  const same = (x: Float64Array, y: Float64Array) => x.every((v, i) => Math.abs(v - y[i]!) <= 1e-9 * Math.max(1, v));
  return {
    category: c.category,
    rankError,
    stepError: flow.makespanNs > 0 ? Math.abs(fluid.makespanNs - flow.makespanNs) / flow.makespanNs : fluid.makespanNs > 0 ? Infinity : 0,
    bytesAgree: same(flow.bytesSent, fluid.bytesSent) && same(flow.bytesReceived, fluid.bytesReceived),
  };
}

/** `count` seeded cases, compared. */
export function agreementRun(seed: number, count: number): Agreement[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => compareModels(agreementCase(rng)));
}

/** Worst errors per coarse category (form/tiers/concurrency), and over all. */
export function worstByCategory(results: Agreement[], depth = 4): Map<string, { cases: number; rank: number; step: number }> {
  const out = new Map<string, { cases: number; rank: number; step: number }>();
  for (const r of results) {
    for (const key of ['all', r.category.split('/').slice(0, depth).join('/')]) {
      const w = out.get(key) ?? { cases: 0, rank: 0, step: 0 };
      out.set(key, { cases: w.cases + 1, rank: Math.max(w.rank, r.rankError), step: Math.max(w.step, r.stepError) });
    }
  }
  return out;
}
