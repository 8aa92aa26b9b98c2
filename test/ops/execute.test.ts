import { describe, expect, it } from 'vitest';
import { executeOptionsFor } from '../../sim/network/cluster.ts';
import { directAllToAll } from '../../sim/network/collectives.ts';
import { execute } from '../../sim/ops/execute.ts';
import { OpGraph } from '../../sim/ops/op-graph.ts';
import type { Span } from '../../sim/ops/timeline.ts';
import { createRng } from '../../sim/core/rng.ts';
import { toyTopology } from '../helpers/toy-topology.ts';

const options = () => executeOptionsFor(toyTopology());
const byName = (spans: Span[]) => Object.fromEntries(spans.map((s) => [`${s.name}@${s.gpu}`, [s.startNs, s.endNs]]));

describe('execute()', () => {
  it('runs a stream in program order and waits for dependencies on other streams', () => {
    const g = new OpGraph();
    const a = g.compute({ name: 'a', kind: 'x', gpu: 0, stream: 'compute', workNs: 100 });
    g.compute({ name: 'b', kind: 'x', gpu: 0, stream: 'compute', workNs: 50 });
    const c = g.compute({ name: 'c', kind: 'x', gpu: 1, stream: 'compute', workNs: 30, deps: [a] });
    g.compute({ name: 'd', kind: 'x', gpu: 1, stream: 'compute', workNs: 10, deps: [c] });
    const t = execute(g, options());
    expect(byName(t.spans)).toEqual({ 'a@0': [0, 100], 'b@0': [100, 150], 'c@1': [100, 130], 'd@1': [130, 140] });
    expect(t.makespanNs).toBe(150);
  });

  it('blocks a stream behind its head op even when a later op is ready (CUDA in-order streams)', () => {
    const g = new OpGraph();
    const slow = g.compute({ name: 'slow', kind: 'x', gpu: 1, stream: 'compute', workNs: 500 });
    g.compute({ name: 'waits', kind: 'x', gpu: 0, stream: 'compute', workNs: 10, deps: [slow] });
    g.compute({ name: 'ready', kind: 'x', gpu: 0, stream: 'compute', workNs: 10 });
    expect(byName(execute(g, options()).spans)['ready@0']).toEqual([510, 520]);
  });

  it('slows compute by (S - c) / S while a communication kernel holds c SMs', () => {
    // 100 SMs; a comm kernel holds 50 for its 1,000 B over NVLink: 1,000 ns latency + 10 ns.
    // Compute of 2,000 ns runs at half speed for 1,010 ns (505 ns of work), then full speed:
    // 2,000 - 505 = 1,495 ns more -> ends at 2,505.
    const g = new OpGraph();
    g.compute({ name: 'gemm', kind: 'x', gpu: 0, stream: 'compute', workNs: 2000 });
    g.collective({ name: 'send', kind: 'p2p', stream: 'comm', sms: 50, parts: [{ gpu: 0 }, { gpu: 1 }], flows: [{ src: 0, dst: 1, bytes: 1000 }] });
    const spans = byName(execute(g, options()).spans);
    expect(spans['send@0']).toEqual([0, 1010]);
    expect(spans['gemm@0']).toEqual([0, 2505]);
  });

  it('ends a collective part no earlier than its fixed overhead', () => {
    const g = new OpGraph();
    g.collective({ name: 'tiny', kind: 'p2p', stream: 'comm', overheadNs: 5000, parts: [{ gpu: 0 }, { gpu: 1 }], flows: [{ src: 0, dst: 1, bytes: 100 }] });
    expect(byName(execute(g, options()).spans)).toEqual({ 'tiny@0': [0, 5000], 'tiny@1': [0, 5000] });
  });

  it('makes a receiver wait for a late sender (stragglers hold everyone)', () => {
    const g = new OpGraph();
    const late = g.compute({ name: 'late', kind: 'x', gpu: 1, stream: 'compute', workNs: 7000 });
    g.collective({
      name: 'a2a',
      kind: 'dispatch',
      stream: 'comm',
      parts: [{ gpu: 0 }, { gpu: 1, deps: [late] }],
      flows: directAllToAll([0, 1], [[0, 100], [100, 0]]),
    });
    const spans = byName(execute(g, options()).spans);
    // GPU 0 starts at 0 and its own send is done at 1,001, but it receives GPU 1's data only
    // after 7,000 + 1,000 + 1.
    expect(spans['a2a@0']).toEqual([0, 8001]);
    expect(spans['a2a@1']).toEqual([7000, 8001]);
  });

  it('names the ops of a dependency cycle instead of hanging', () => {
    const g = new OpGraph();
    g.compute({ name: 'L0.attn', kind: 'x', gpu: 0, stream: 'compute', workNs: 1, deps: [1] });
    g.compute({ name: 'L0.ffn', kind: 'x', gpu: 0, stream: 'comm', workNs: 1, deps: [0] });
    expect(() => execute(g, options())).toThrow(/dependency cycle.*'L0\.(attn|ffn)'.*'L0\.(attn|ffn)'/);
  });

  it('reports a cycle made through stream order', () => {
    const g = new OpGraph();
    g.compute({ name: 'first', kind: 'x', gpu: 0, stream: 'compute', workNs: 1, deps: [2] });
    g.compute({ name: 'second', kind: 'x', gpu: 0, stream: 'compute', workNs: 1 });
    g.compute({ name: 'other', kind: 'x', gpu: 1, stream: 'compute', workNs: 1, deps: [1] });
    expect(() => execute(g, options())).toThrow(
      "dependency cycle (through deps and stream order): #1 'second' (gpu0/compute) -> #2 'other' (gpu1/compute) -> #0 'first' (gpu0/compute) -> back to the first",
    );
  });

  it('names a missing dependency', () => {
    const g = new OpGraph();
    g.compute({ name: 'L2.moe', kind: 'x', gpu: 0, stream: 'compute', workNs: 1, deps: [42] });
    expect(() => execute(g, options())).toThrow("op #0 'L2.moe' (gpu0/compute) depends on op #42, which does not exist");
  });
});

/** A random DAG of compute ops and small collectives over 4 GPUs with 2 streams each. */
function randomGraph(seed: number): OpGraph {
  const rng = createRng(seed);
  const g = new OpGraph();
  const n = 20 + rng.int(60);
  while (g.size < n) {
    const deps = g.size === 0 ? [] : Array.from({ length: rng.int(3) }, () => rng.int(g.size));
    if (rng.next() < 0.7) {
      g.compute({ name: `c${g.size}`, kind: 'x', gpu: rng.int(4), stream: rng.next() < 0.5 ? 'compute' : 'aux', workNs: rng.int(2000), deps });
    } else {
      const gpus = [0, 1, 2, 3].filter(() => rng.next() < 0.7);
      if (gpus.length < 2) continue;
      const bytes = gpus.map((_, i) => gpus.map((_, j) => (i === j ? 0 : rng.int(50000))));
      g.collective({
        name: `coll${g.size}`,
        kind: 'dispatch',
        stream: 'comm',
        sms: rng.int(40),
        parts: gpus.map((gpu, i) => ({ gpu, deps: i === 0 ? deps : [] })),
        flows: directAllToAll(gpus, bytes),
      });
    }
  }
  return g;
}

describe('execute() invariants over 150 random DAGs', () => {
  const topology = toyTopology({ nodes: 1, gpusPerNode: 4 });
  for (let seed = 1; seed <= 150; seed++) {
    it(`seed ${seed}`, () => {
      const graph = randomGraph(seed);
      const t = execute(graph, executeOptionsFor(topology));
      expect(t.spans.length).toBe(graph.size);
      const end = new Map(t.spans.map((s) => [s.op, s.endNs]));
      const byStream = new Map<string, Span[]>();
      for (const s of t.spans) {
        expect(s.endNs).toBeGreaterThanOrEqual(s.startNs);
        for (const d of graph.ops[s.op]!.deps) expect(s.startNs).toBeGreaterThanOrEqual(end.get(d)!);
        const key = `${s.gpu}/${s.stream}`;
        if (!byStream.has(key)) byStream.set(key, []);
        byStream.get(key)!.push(s);
      }
      for (const spans of byStream.values()) {
        spans.sort((a, b) => a.startNs - b.startNs);
        for (let i = 1; i < spans.length; i++) expect(spans[i]!.startNs).toBeGreaterThanOrEqual(spans[i - 1]!.endNs);
      }
      const sent = t.bytesSent.reduce((a, b) => a + b, 0);
      expect(t.bytesReceived.reduce((a, b) => a + b, 0)).toBe(sent);
      const planned = graph.collectives.reduce((a, c) => a + c.spec.flows!.reduce((x, f) => x + f.bytes, 0), 0);
      expect(sent).toBe(planned);
      const again = execute(randomGraph(seed), executeOptionsFor(topology));
      expect(JSON.stringify(again.spans)).toBe(JSON.stringify(t.spans));
    });
  }
});
