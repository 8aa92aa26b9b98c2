// Hand-worked cases for the fluid network model (docs/network-models.md), on the toy topology:
// NVLink 100 B/ns with 1 µs latency, NIC 25 B/ns with 2 µs, 8 GPUs per node. Each case is run on
// the matrix path (a direct all-to-all of integer counts, fluid-direct.ts) and, where the same
// traffic can be written as explicit flows, on the generic path (fluid-transfers.ts), and every
// closed form is also what exact max-min (the flow model at recomputeFraction 0) gives.
import { describe, expect, it } from 'vitest';
import { executeOptionsFor } from '../../sim/network/cluster.ts';
import type { CollectiveAlgorithm } from '../../sim/network/collective-op.ts';
import { execute } from '../../sim/ops/execute.ts';
import { OpGraph } from '../../sim/ops/op-graph.ts';
import type { Topology } from '../../sim/hardware/topology.ts';
import { toyTopology } from '../helpers/toy-topology.ts';
import { createRng } from '../../sim/core/index.ts';

const NV_LATENCY = 1000;
const NIC_LATENCY = 2000;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** A direct all-to-all of counts[i][j] tokens of `scale` bytes among GPUs 0..n-1. */
function matrixOf(counts: number[][], scale: number): CollectiveAlgorithm {
  const n = counts.length;
  return { kind: 'direct-all-to-all', matrix: { n, counts: Int32Array.from(counts.flat()), scale } };
}

/** The same bytes as explicit flows (the fluid model's generic runner). */
function flowsOf(counts: number[][], scale: number): CollectiveAlgorithm {
  const flows = counts.flatMap((row, i) => row.flatMap((c, j) => (c > 0 && i !== j ? [{ src: i, dst: j, bytes: c * scale }] : [])));
  return { kind: 'explicit', flows };
}

/** End time of each rank's part (ns), for collectives that all start at 0. */
function run(topology: Topology, algorithms: CollectiveAlgorithm[], model: 'fluid' | 'flow' = 'fluid') {
  const n = topology.nodes * topology.gpusPerNode;
  const graph = new OpGraph();
  algorithms.forEach((algorithm, k) =>
    graph.collective({ name: `c${k}`, kind: 'dispatch', stream: `comm${k}`, parts: range(n).map((gpu) => ({ gpu })), algorithm }),
  );
  const t = execute(graph, executeOptionsFor(topology, { networkModel: model, recomputeFraction: 0 }));
  const ends = algorithms.map((_, k) => range(n).map((gpu) => t.spans.find((s) => s.name === `c${k}` && s.gpu === gpu)!.endNs));
  return { ends, makespanNs: t.makespanNs, timeline: t };
}

/** n x n counts: `value(i, j)` off the diagonal. */
const square = (n: number, value: (i: number, j: number) => number) => range(n).map((i) => range(n).map((j) => (i === j ? 0 : value(i, j))));

describe('fluid model, hand-worked', () => {
  it('a lone transfer takes latency + bytes / bandwidth, inside a node and across nodes', () => {
    const B = 1_000_000;
    const inNode = square(16, (i, j) => (i === 0 && j === 1 ? 1 : 0));
    const across = square(16, (i, j) => (i === 0 && j === 9 ? 1 : 0));
    for (const make of [matrixOf, flowsOf]) {
      const a = run(toyTopology(), [make(inNode, B)]);
      expect(a.ends[0]![0]).toBe(NV_LATENCY + B / 100);
      expect(a.ends[0]![1]).toBe(NV_LATENCY + B / 100);
      // A GPU that sends and receives nothing is done at once.
      expect(a.ends[0]![5]).toBe(0);
      // The NVLink + NIC path is limited by the slower link, the NIC.
      const b = run(toyTopology(), [make(across, B)]);
      expect(b.ends[0]![9]).toBe(NIC_LATENCY + B / 25);
    }
  });

  it('k transfers out of one port share it: each takes k times as long', () => {
    const B = 100_000;
    for (const k of [1, 3, 7]) {
      const counts = square(16, (i, j) => (i === 0 && j >= 1 && j <= k ? 1 : 0));
      for (const make of [matrixOf, flowsOf]) {
        const { ends } = run(toyTopology(), [make(counts, B)]);
        for (let j = 1; j <= k; j++) expect(ends[0]![j]).toBe(NV_LATENCY + (k * B) / 100);
        expect(ends[0]![0]).toBe(NV_LATENCY + (k * B) / 100);
      }
    }
  });

  it('an 8-GPU all-to-all takes latency + 7B / NVLink on every rank', () => {
    const B = 70_000;
    for (const make of [matrixOf, flowsOf]) {
      const { ends } = run(toyTopology({ nodes: 1 }), [make(square(8, () => 1), B)]);
      for (const e of ends[0]!) expect(e).toBe(NV_LATENCY + (7 * B) / 100);
    }
  });

  it('a 2-node all-to-all is NIC-bound: latency + 8B / NIC on every rank', () => {
    const B = 50_000;
    const { ends } = run(toyTopology(), [matrixOf(square(16, () => 1), B)]);
    for (const e of ends[0]!) expect(e).toBe(NIC_LATENCY + (8 * B) / 25);
  });

  it('two all-to-alls started together share the NICs: both end at latency + 16B / NIC', () => {
    // Each NIC port carries 8 transfers of each collective: equal weights, 12.5 B/ns each, and
    // the link stays full until both are done together.
    const B = 50_000;
    const counts = square(16, () => 1);
    for (const make of [matrixOf, flowsOf]) {
      const { ends } = run(toyTopology(), [make(counts, B), make(counts, B)]);
      for (const e of [...ends[0]!, ...ends[1]!]) expect(e).toBe(NIC_LATENCY + (16 * B) / 25);
    }
  });

  it('a hot destination finishes last, with every GPU that sends to it across the NICs', () => {
    // GPU 15 receives 3 tokens from everyone, the rest 1. Its NIC-in port carries 8 x 3B and is
    // the bottleneck: 24B / 25. Node 0's GPUs each send one of those transfers, so their parts
    // end then too; node 1's other GPUs move 8B each way through their NICs: 8B / 25.
    const B = 50_000;
    const counts = square(16, (_, j) => (j === 15 ? 3 : 1));
    for (const model of ['fluid', 'flow'] as const) {
      const { ends } = run(toyTopology(), [matrixOf(counts, B)], model);
      const e = ends[0]!;
      expect(e[15]).toBe(NIC_LATENCY + (24 * B) / 25);
      for (const g of range(8)) expect(e[g]).toBe(NIC_LATENCY + (24 * B) / 25);
      for (const g of range(7, 8)) expect(e[g]).toBe(NIC_LATENCY + (8 * B) / 25);
      expect(Math.max(...e)).toBe(e[15]);
    }
  });

  it('an oversubscribed tier is a shared link: 2:1 over the leaf halves the NIC-bound rate', () => {
    // One node per leaf switch, its uplink 8 x 25 / 2 = 100 B/ns shared by the node's 8 NIC
    // flows of each direction: each gets 12.5 B/ns, so 8B takes 8B / 12.5, plus the leaf's 500 ns.
    const B = 50_000;
    const topology = toyTopology({ tiers: [{ name: 'leaf', nodesPerSwitch: 1, oversubscription: 2, latencyNs: 500 }] });
    for (const model of ['fluid', 'flow'] as const) {
      const { ends } = run(topology, [matrixOf(square(16, () => 1), B)], model);
      for (const e of ends[0]!) expect(e).toBe(NIC_LATENCY + 500 + (8 * B) / 12.5);
    }
  });

  it('moves exactly the bytes it was given: sent = received = the matrix, per GPU and per link', () => {
    const counts = square(16, (i, j) => 1 + ((i * 7 + j * 3) % 11));
    const scale = 1000;
    const { timeline } = run(toyTopology(), [matrixOf(counts, scale)]);
    const total = counts.flat().reduce((a, b) => a + b, 0) * scale;
    expect(timeline.bytesSent.reduce((a, b) => a + b, 0)).toBe(total);
    expect(timeline.bytesReceived.reduce((a, b) => a + b, 0)).toBe(total);
    range(16).forEach((j) => expect(timeline.bytesReceived[j]).toBe(range(16).reduce((a, i) => a + counts[i]![j]! * scale, 0)));
    range(16).forEach((i) => expect(timeline.bytesSent[i]).toBe(counts[i]!.reduce((a, b) => a + b, 0) * scale));
  });

  it('a later start waits for its own part: a rank starting at t ends no earlier than t + its bytes / port', () => {
    // Rank 0 starts 10 µs late (a compute op before it); the others' transfers to and from it
    // cannot finish before it has sent, so every rank's part ends after 10 µs + 7B / 100.
    const B = 100_000;
    const graph = new OpGraph();
    const pre = graph.compute({ name: 'pre', kind: 'x', gpu: 0, stream: 'comm0', workNs: 10_000 });
    graph.collective({ name: 'c0', kind: 'dispatch', stream: 'comm0', parts: range(8).map((gpu) => ({ gpu, ...(gpu === 0 ? { deps: [pre] } : {}) })), algorithm: matrixOf(square(8, () => 1), B) });
    for (const model of ['fluid', 'flow'] as const) {
      const t = execute(graph, executeOptionsFor(toyTopology({ nodes: 1 }), { networkModel: model, recomputeFraction: 0 }));
      const rank0 = t.spans.find((s) => s.name === 'c0' && s.gpu === 0)!;
      expect(rank0.startNs).toBe(10_000);
      expect(rank0.endNs).toBe(10_000 + NV_LATENCY + (7 * B) / 100);
      for (const s of t.spans.filter((x) => x.name === 'c0')) expect(s.endNs).toBeGreaterThanOrEqual(10_000 + NV_LATENCY + B / 100);
    }
  });

  it('transfers that join a busy port share it from their own start (processor sharing, worked by hand)', () => {
    // GPUs 1, 2, 3 send A = 100 kB, B = 30 kB, C = 30 kB to GPU 0 (NVLink 100 B/ns); B starts at
    // 200 ns, C at 400 ns. GPU 0's NVLink-in port is the one shared link. Alone 0-200 ns, A gets
    // 20 kB through (80 kB left). A and B then share it (50 B/ns each) to 400 ns: A has 70 kB left,
    // B 20 kB. From 400 ns three share it (33.3 B/ns): B's 20 kB take 600 ns, out at 1,000 ns
    // (A 50 kB left, C 10 kB); then two: C's 10 kB take 200 ns, out at 1,200 ns (A 40 kB left);
    // A alone, out at 1,600 ns = 160 kB / 100 B/ns. Each arrives 1 µs later. Counting every
    // transfer as if all had shared the port from 0 gives B and C 900 ns (too early); sharing from
    // its own start but counting the later starts as if they had started with it, 1,100 and 1,300 ns.
    const kB = 1000;
    const graph = new OpGraph();
    const late = (gpu: number, ns: number) => graph.compute({ name: `pre${gpu}`, kind: 'x', gpu, stream: 'comm', workNs: ns });
    const deps: Record<number, number[]> = { 2: [late(2, 200)], 3: [late(3, 400)] };
    const flows = [
      { src: 1, dst: 0, bytes: 100 * kB },
      { src: 2, dst: 0, bytes: 30 * kB },
      { src: 3, dst: 0, bytes: 30 * kB },
    ];
    graph.collective({ name: 'c', kind: 'combine', stream: 'comm', parts: range(4).map((gpu) => ({ gpu, deps: deps[gpu] })), algorithm: { kind: 'explicit', flows } });
    for (const model of ['fluid', 'flow'] as const) {
      const t = execute(graph, executeOptionsFor(toyTopology({ nodes: 1 }), { networkModel: model, recomputeFraction: 0 }));
      const end = (gpu: number) => t.spans.find((s) => s.name === 'c' && s.gpu === gpu)!.endNs;
      expect([end(1), end(2), end(3), end(0)], model).toEqual([1600 + NV_LATENCY, 1000 + NV_LATENCY, 1200 + NV_LATENCY, 1600 + NV_LATENCY]);
    }
  });

  it('on the matrix path, a start into a backlogged port raises what it has to serve; one into a caught-up port starts afresh (worked by hand)', () => {
    // GPUs 1-5 each send one token of 30 kB to GPU 0, starting at 0, 200, 1,000, 1,100 and
    // 1,200 ns; GPU 0's NVLink-in port (100 B/ns) is the one shared link. Served bytes X grow at
    // 100 B/ns up to what has started: at 200 ns X = 20 kB < 30 kB (backlogged: only the cap
    // rises, to 60 kB); X reaches 60 kB at 600 ns and waits; at 1,000 ns the port has caught up,
    // so X starts afresh from 60 kB; at 1,100 ns (X = 70 kB < 90 kB) and 1,200 ns (80 < 120) it is
    // backlogged again. Equal transfers leave together once X reaches all 150 kB started: at
    // 1,000 + 90 kB / 100 = 1,900 ns, arriving 1 µs later. Counting the caught-up start like the
    // backlogged ones (X from 0 at 100 B/ns) would end everything at 2,500 ns; losing the counts of
    // the backlogged starts would end it earlier still.
    const graph = new OpGraph();
    const starts = [0, 200, 1000, 1100, 1200];
    const counts = range(6).map((i) => range(6).map((j) => (j === 0 && i > 0 ? 1 : 0)));
    const parts = range(6).map((gpu) => {
      const delay = gpu === 0 ? 0 : starts[gpu - 1]!;
      return { gpu, ...(delay > 0 ? { deps: [graph.compute({ name: `pre${gpu}`, kind: 'x', gpu, stream: 'comm', workNs: delay })] } : {}) };
    });
    graph.collective({ name: 'c', kind: 'combine', stream: 'comm', parts, algorithm: matrixOf(counts, 30_000) });
    const t = execute(graph, executeOptionsFor(toyTopology({ nodes: 1 }), { networkModel: 'fluid' }));
    const ends = range(6).map((gpu) => t.spans.find((s) => s.name === 'c' && s.gpu === gpu)!.endNs);
    expect(ends).toEqual(range(6).map(() => 1900 + NV_LATENCY));
  });

  it('staggered transfers into one port end when exact max-min ends them (60 random cases)', () => {
    // One sender per transfer, so each is held back only by the receiver's port: there max-min is
    // processor sharing, which the generic runner's aggregate runs exactly.
    const rng = createRng(20261201);
    for (let c = 0; c < 60; c++) {
      const graph = new OpGraph();
      const senders = 2 + rng.int(6);
      const flows = range(senders, 1).map((src) => ({ src, dst: 0, bytes: 1000 * (1 + rng.int(200)) }));
      const parts = range(senders + 1).map((gpu) => {
        const delay = gpu === 0 ? 0 : rng.int(3) * 100 * rng.int(20);
        return { gpu, ...(delay > 0 ? { deps: [graph.compute({ name: `pre${gpu}`, kind: 'x', gpu, stream: 'comm', workNs: delay })] } : {}) };
      });
      graph.collective({ name: 'c', kind: 'combine', stream: 'comm', parts, algorithm: { kind: 'explicit', flows } });
      const ends = (model: 'fluid' | 'flow') => {
        const t = execute(graph, executeOptionsFor(toyTopology({ nodes: 1 }), { networkModel: model, recomputeFraction: 0 }));
        return range(senders + 1).map((gpu) => t.spans.find((s) => s.name === 'c' && s.gpu === gpu)!.endNs);
      };
      const fluid = ends('fluid');
      const flow = ends('flow');
      // The flow model rounds every drain up to a whole ns and re-rates from there, so its ends
      // drift by up to a ns per drain before them (at most one per sender).
      fluid.forEach((e, gpu) => expect(Math.abs(e - flow[gpu]!), `case ${c}, GPU ${gpu}: ${fluid} vs ${flow}`).toBeLessThanOrEqual(senders));
    }
  });
});
