// The direct runner's set-up shared between an exchange and its return direction
// (sim/network/direct-shape.ts): a combine that reads its dispatch's counts transposed must run
// exactly as one given its own transposed copy of them.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/core/index.ts';
import { executeOptionsFor } from '../../sim/network/cluster.ts';
import { directShape, ShapeCache } from '../../sim/network/direct-shape.ts';
import type { TrafficMatrix } from '../../sim/network/collective-op.ts';
import { execute } from '../../sim/ops/execute.ts';
import { OpGraph } from '../../sim/ops/op-graph.ts';
import type { Topology } from '../../sim/hardware/topology.ts';
import { toyTopology } from '../helpers/toy-topology.ts';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/**
 * A dispatch among all GPUs, then a combine back (each rank's combine after its dispatch and a
 * compute of its own length), the combine reading `combineCounts` transposed.
 */
function exchangePair(topology: Topology, counts: Int32Array, combineCounts: Int32Array, delays: number[]) {
  const n = topology.nodes * topology.gpusPerNode;
  const graph = new OpGraph();
  const dispatch = graph.collective({
    name: 'dispatch', kind: 'dispatch', stream: 'comm',
    parts: range(n).map((gpu) => ({ gpu })),
    algorithm: { kind: 'direct-all-to-all', matrix: { n, counts, scale: 1000 } },
  });
  const experts = range(n).map((gpu) => graph.compute({ name: `experts${gpu}`, kind: 'x', gpu, stream: 'compute', workNs: delays[gpu]!, deps: [dispatch[gpu]!] }));
  graph.collective({
    name: 'combine', kind: 'combine', stream: 'comm',
    parts: range(n).map((gpu) => ({ gpu, deps: [experts[gpu]!] })),
    algorithm: { kind: 'direct-all-to-all', matrix: { n, counts: combineCounts, scale: 1000, transposed: true } },
  });
  const t = execute(graph, executeOptionsFor(topology, { networkModel: 'fluid' }));
  return { spans: t.spans.map((s) => [s.name, s.gpu, s.startNs, s.endNs]), linkBytes: Array.from(t.linkBytes ?? []) };
}

describe('direct runner set-up shared with the return direction', () => {
  it('a combine reading its dispatch counts runs exactly as one with its own copy (40 random cases, with and without a switch tier)', () => {
    const rng = createRng(20261202);
    for (let c = 0; c < 40; c++) {
      // A tier oversubscribed 8:1 binds, so its histograms (sized per node pair) must be right too.
      const topology = c % 2 === 0 ? toyTopology({ nodes: 2 }) : toyTopology({ nodes: 3, tiers: [{ name: 'leaf', nodesPerSwitch: 1, oversubscription: 8, latencyNs: 500 }] });
      const n = topology.nodes * topology.gpusPerNode;
      // One hot sender and one hot receiver, so the two directions differ port by port.
      const hotSender = rng.int(n);
      const hotReceiver = rng.int(n);
      const counts = Int32Array.from(range(n * n), (k) => {
        const i = Math.floor(k / n);
        const j = k % n;
        if (i === j || rng.next() < 0.3) return 0;
        return 1 + rng.int(i === hotSender || j === hotReceiver ? 40 : 6);
      });
      const delays = range(n).map(() => rng.int(5000));
      const shared = exchangePair(topology, counts, counts, delays);
      const copied = exchangePair(topology, counts, counts.slice(), delays);
      expect(shared, `case ${c}`).toEqual(copied);
    }
  });

  it('hands a shape to its twin (the same counts read the other way, by the same GPUs) and to nothing else', () => {
    const n = 4;
    const node = Int32Array.from([0, 0, 1, 1]);
    const gpus = [0, 1, 8, 9];
    const counts = Int32Array.from(range(n * n), (k) => (k % 5) + 1);
    const dispatch: TrafficMatrix = { n, counts, scale: 10 };
    const combine: TrafficMatrix = { n, counts, scale: 10, transposed: true };
    const cache = new ShapeCache();
    const first = cache.viewOf(dispatch, gpus, node, 2)!;
    expect(first.flipped).toBe(false);
    // The same direction again is a new exchange, not the twin.
    expect(cache.viewOf(dispatch, gpus, node, 2)!.flipped).toBe(false);
    // Other GPUs (another EP group) with the same counts: not the twin.
    expect(cache.viewOf(combine, [16, 17, 24, 25], node, 2)!.flipped).toBe(false);
    const cache2 = new ShapeCache();
    const d = cache2.viewOf(dispatch, gpus, node, 2)!;
    const twin = cache2.viewOf(combine, gpus, node, 2)!;
    expect(twin.flipped).toBe(true);
    expect(twin.shape).toBe(d.shape);
    // Read once by its twin, the shape is gone: a third reader computes its own.
    expect(cache2.viewOf(combine, gpus, node, 2)!.flipped).toBe(false);
  });

  it('keeps a bounded number of shapes', () => {
    const n = 2;
    const node = Int32Array.from([0, 0]);
    const cache = new ShapeCache(3);
    const matrices = range(5).map(() => Int32Array.from([0, 1, 1, 0]));
    for (const counts of matrices) cache.viewOf({ n, counts, scale: 1 }, [0, 1], node, 1);
    // The two oldest were pushed out; the newest three still find their twins.
    expect(cache.viewOf({ n, counts: matrices[0]!, scale: 1, transposed: true }, [0, 1], node, 1)!.flipped).toBe(false);
    expect(cache.viewOf({ n, counts: matrices[4]!, scale: 1, transposed: true }, [0, 1], node, 1)!.flipped).toBe(true);
  });

  it('computes a shape by hand: transfers, tokens, largest counts, histograms; refuses counts the runner cannot take', () => {
    // Ranks 0, 1 on node 0, rank 2 on node 1. Rank 0 sends 2 to rank 1 (NVLink) and 3 to rank 2
    // (NIC); rank 2 sends 1 to rank 0 (NIC).
    const node = Int32Array.from([0, 0, 1]);
    const shape = directShape({ n: 3, counts: [0, 2, 3, 0, 0, 0, 1, 0, 0], scale: 1 }, [0, 1, 8], node, 2)!;
    expect(Array.from(shape.transfers)).toEqual([3, 1, 2]);
    expect(Array.from(shape.sentTokens)).toEqual([5, 0, 1]);
    expect(Array.from(shape.receivedTokens)).toEqual([1, 2, 3]);
    // Ports per rank: out NVLink, out NIC, in NVLink, in NIC.
    expect(Array.from(shape.largest)).toEqual([2, 3, 0, 1, 0, 0, 2, 0, 0, 1, 0, 3]);
    const row = (p: number) => Array.from(shape.histogram.subarray(shape.rowStart[p]!, shape.rowStart[p]! + shape.largest[p]! + 1));
    expect(row(0)).toEqual([0, 0, 1]);
    expect(row(1)).toEqual([0, 0, 0, 1]);
    expect(row(11)).toEqual([0, 0, 0, 1]);
    expect(Array.from(shape.pairLargest)).toEqual([0, 3, 1, 0]);
    expect(directShape({ n: 2, counts: [0, 1.5, 0, 0], scale: 1 }, [0, 1], Int32Array.from([0, 0]), 1)).toBeUndefined();
    expect(directShape({ n: 2, counts: [0, 4097, 0, 0], scale: 1 }, [0, 1], Int32Array.from([0, 0]), 1)).toBeUndefined();
    expect(directShape({ n: 2, counts: [0, -1, 0, 0], scale: 1 }, [0, 1], Int32Array.from([0, 0]), 1)).toBeUndefined();
    expect(directShape({ n: 2, counts: [0, 4096, 0, 0], scale: 1 }, [0, 1], Int32Array.from([0, 0]), 1)).toBeDefined();
  });
});
