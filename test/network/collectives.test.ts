import { describe, expect, it } from 'vitest';
import { executeOptionsFor } from '../../sim/network/cluster.ts';
import { directAllToAll, hierarchicalAllReduce, pipelinedRingAllReduce, ringAllReduce, twoHopAllToAll, twoHopAllToAllReverse } from '../../sim/network/collectives.ts';
import { execute } from '../../sim/ops/execute.ts';
import { OpGraph } from '../../sim/ops/op-graph.ts';
import type { FlowSpec } from '../../sim/ops/op-graph.ts';
import { toyTopology } from '../helpers/toy-topology.ts';

function runCollective(topology = toyTopology(), gpus: number[], flows: FlowSpec[]) {
  const graph = new OpGraph();
  graph.collective({ name: 'a2a', kind: 'dispatch', stream: 'comm', parts: gpus.map((gpu) => ({ gpu })), flows });
  return execute(graph, executeOptionsFor(topology));
}

function runCollectiveWith(topology: ReturnType<typeof toyTopology>, gpus: number[], flows: FlowSpec[], networkModel: 'fluid' | 'flow') {
  const graph = new OpGraph();
  graph.collective({ name: 'a2a', kind: 'combine', stream: 'comm', parts: gpus.map((gpu) => ({ gpu })), flows });
  return execute(graph, executeOptionsFor(topology, { networkModel, recomputeFraction: 0 }));
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const uniform = (n: number, b: number) => range(n).map((i) => range(n).map((j) => (i === j ? 0 : b)));

describe('all-to-all on the toy topology (NVLink 100 B/ns, 1 µs; NIC 25 B/ns, 2 µs)', () => {
  it('among the 8 GPUs of one node matches its closed form: latency + 7·B / NVLink', () => {
    // Each port carries 7 flows of B; max-min gives each flow 100/7, so all drain at 7B/100.
    const B = 1e6;
    const t = runCollective(toyTopology({ nodes: 1 }), range(8), directAllToAll(range(8), uniform(8, B)));
    expect(t.makespanNs).toBe(1000 + (7 * B) / 100);
    for (const s of t.spans) expect(s.endNs).toBe(1000 + (7 * B) / 100);
  });

  it('across 2 nodes is NIC-bound: latency + 8·B / NIC', () => {
    // Each GPU sends B to 8 GPUs of the other node through its 25 B/ns NIC; its 7 NVLink flows
    // (7B at 100 B/ns) finish first.
    const B = 1e6;
    const t = runCollective(toyTopology(), range(16), directAllToAll(range(16), uniform(16, B)));
    expect(t.makespanNs).toBe(2000 + (8 * B) / 25);
  });

  it('sends exactly the bytes it receives', () => {
    const bytes = range(16).map((i) => range(16).map((j) => (i === j ? 0 : 1000 * (1 + ((i * 7 + j * 3) % 11)))));
    const t = runCollective(toyTopology(), range(16), directAllToAll(range(16), bytes));
    const total = bytes.flat().reduce((a, b) => a + b, 0);
    expect(t.bytesSent.reduce((a, b) => a + b, 0)).toBe(total);
    expect(t.bytesReceived.reduce((a, b) => a + b, 0)).toBe(total);
    range(16).forEach((j) => expect(t.bytesReceived[j]).toBe(range(16).reduce((a, i) => a + bytes[i]![j]!, 0)));
  });
});

describe('twoHopAllToAll()', () => {
  it('sends RDMA to the same local rank and forwards over NVLink', () => {
    const topology = toyTopology();
    const bytes = uniform(16, 100);
    const flows = twoHopAllToAll(topology, range(16), bytes);
    // GPU 3 -> node 1: one RDMA flow of 800 B to GPU 11, then 7 NVLink forwards of 100 B.
    const fromGpu3 = flows.filter((f) => f.src === 3 && f.dst >= 8);
    expect(fromGpu3).toEqual([{ src: 3, dst: 11, bytes: 800 }]);
    const rdmaIndex = flows.indexOf(fromGpu3[0]!);
    const forwards = flows.filter((f) => f.after === rdmaIndex);
    expect(forwards.map((f) => [f.src, f.dst, f.bytes])).toEqual(range(8, 8).filter((d) => d !== 11).map((d) => [11, d, 100]));
  });

  it('uses the deduplicated RDMA volume when given', () => {
    const flows = twoHopAllToAll(toyTopology(), range(16), uniform(16, 100), { rdmaBytes: () => 300 });
    expect(flows.find((f) => f.src === 0 && f.dst === 8)!.bytes).toBe(300);
  });

  it('splits RDMA into sequential chunks whose forwards start on arrival', () => {
    const flows = twoHopAllToAll(toyTopology(), range(16), uniform(16, 100), { chunks: 2 });
    const rdma = flows.filter((f) => f.src === 0 && f.dst === 8);
    expect(rdma.map((f) => f.bytes)).toEqual([400, 400]);
    expect(rdma[1]!.afterDrain).toBe(true);
  });

  it('moves NIC traffic off the direct path: time = RDMA leg + NVLink forward', () => {
    // Node-pair traffic only: each GPU of node 0 sends B to each GPU of node 1 (no reverse).
    const B = 1e6;
    const topology = toyTopology();
    const bytes = range(16).map((i) => range(16).map((j) => (i < 8 && j >= 8 ? B : 0)));
    const t = runCollective(topology, range(16), twoHopAllToAll(topology, range(16), bytes));
    // RDMA: 8B per GPU over 25 B/ns + 2 µs; then relay forwards 7B over 100 B/ns + 1 µs.
    expect(t.makespanNs).toBe(2000 + (8 * B) / 25 + 1000 + (7 * B) / 100);
  });
});

describe('ringAllReduce()', () => {
  it('takes 2(n-1) steps of latency + (S/n)/bandwidth inside a node', () => {
    const S = 8e6;
    const t = runCollective(toyTopology({ nodes: 1 }), range(8), ringAllReduce(range(8), S));
    expect(t.makespanNs).toBe(14 * (1000 + S / 8 / 100));
  });
});

describe('twoHopAllToAllReverse()', () => {
  it('gathers over NVLink at the relay, then sends once over RDMA after every piece arrived', () => {
    // Node 1 GPUs all send 100 B to GPU 3 (node 0): they gather at GPU 11 (local rank 3), which
    // sends the 800 B (or the deduplicated 300 B) to GPU 3.
    const topology = toyTopology();
    const bytes = range(16).map((i) => range(16).map((j) => (i >= 8 && j === 3 ? 100 : 0)));
    const flows = twoHopAllToAllReverse(topology, range(16), bytes, () => 300);
    const gathers = flows.filter((f) => f.dst === 11);
    expect(gathers.map((f) => f.src)).toEqual([8, 9, 10, 12, 13, 14, 15]);
    const rdma = flows.find((f) => f.src === 11 && f.dst === 3)!;
    expect(rdma.bytes).toBe(300);
    expect(rdma.after).toEqual(gathers.map((g) => flows.indexOf(g)));
    // Time: NVLink gather (7 x 100 B into one port: 1,000 + 7) then RDMA (2,000 + 12).
    const t = runCollective(topology, range(16), flows);
    expect(t.makespanNs).toBe(1000 + 7 + 2000 + 12);
  });
});

describe('pipelinedRingAllReduce() / hierarchicalAllReduce()', () => {
  it('a pipelined ring alone takes as long as the step-by-step ring', () => {
    const S = 8e6;
    const t = runCollective(toyTopology({ nodes: 1 }), range(8), pipelinedRingAllReduce(range(8), S));
    expect(t.makespanNs).toBe(14 * 1000 + (14 * S) / 8 / 100);
    expect(pipelinedRingAllReduce(range(8), S)).toHaveLength(8);
  });

  it('two nodes: NVLink reduce-scatter, RDMA all-reduce of 1/8 slices, NVLink all-gather', () => {
    // RS: 7 x 1 µs + (7/8)S / 100; inter-node ring of 2: 2 x 2 µs + (2·1/2)(S/8) / 25;
    // AG: as RS. S = 8e6 B.
    const S = 8e6;
    const flows = hierarchicalAllReduce(toyTopology(), range(16), S);
    expect(flows).toHaveLength(16 + 16 + 16);
    const t = runCollective(toyTopology(), range(16), flows);
    expect(t.makespanNs).toBe(7000 + (7 * S) / 8 / 100 + 4000 + S / 8 / 25 + 7000 + (7 * S) / 8 / 100);
  });

  it('falls back to one ring when nodes hold different numbers of members', () => {
    expect(hierarchicalAllReduce(toyTopology(), [0, 1, 8], 300)).toEqual(pipelinedRingAllReduce([0, 1, 8], 300));
  });
});

describe('two-hop pieces', () => {
  it('splits a transfer into pieces of about chunkBytes, at most maxChunks', () => {
    const bytes = range(16).map((i) => range(16).map((j) => (i === 0 && j >= 8 ? 1000 : 0)));
    const flows = twoHopAllToAll(toyTopology(), range(16), bytes, { chunkBytes: 3000, maxChunks: 8 });
    // 8,000 B to node 1 -> ceil(8000 / 3000) = 3 RDMA pieces, each followed by 7 forwards.
    expect(flows.filter((f) => f.src === 0).map((f) => f.bytes)).toEqual([8000 / 3, 8000 / 3, 8000 / 3]);
    expect(flows.filter((f) => f.src === 8)).toHaveLength(3 * 7);
  });

  it('in the combine direction, each gather chains its pieces and RDMA piece c waits for gather piece c only', () => {
    const bytes = range(16).map((i) => range(16).map((j) => (i >= 8 && j === 3 ? 100 : 0)));
    const flows = twoHopAllToAllReverse(toyTopology(), range(16), bytes, undefined, { chunks: 2 });
    const rdma = flows.map((f, i) => [f, i] as const).filter(([f]) => f.src === 11 && f.dst === 3);
    expect(rdma).toHaveLength(2);
    const [first, second] = rdma;
    const firstGathers = first![0].after as number[];
    const secondGathers = second![0].after as number[];
    expect(firstGathers.every((a) => flows[a]!.dst === 11 && flows[a]!.after === undefined)).toBe(true);
    // Piece 1 of each sender's gather leaves when its piece 0 has drained; RDMA piece 1 does not wait for RDMA piece 0.
    expect(secondGathers.map((a) => flows[a]!.after)).toEqual(firstGathers);
    expect(secondGathers.every((a) => flows[a]!.afterDrain === true)).toBe(true);
    expect(secondGathers).not.toContain(first![1]);
    expect(first![0].bytes + second![0].bytes).toBe(800);
  });

  // One sender's gather of P pieces into the relay (NVLink B_n, latency L_n), then the relay's RDMA
  // (B_r < B_n, L_r): the NIC starts after the first piece has arrived and stays busy, so
  // T = S/(P B_n) + L_n + S/B_r + L_r for S bytes per sender (x senders when several share the
  // relay's port). Unpipelined, the first term would be S/B_n. Event times are whole ns (+-2 ns).
  for (const networkModel of ['fluid', 'flow'] as const) {
    it(`a pipelined two-hop combine meets its closed form (${networkModel})`, () => {
      const topology = toyTopology();
      const S = 400_000;
      const P = 4;
      const one = range(16).map((i) => range(16).map((j) => (i === 9 && j === 0 ? S : 0)));
      const t = runCollectiveWith(topology, range(16), twoHopAllToAllReverse(topology, range(16), one, undefined, { chunks: P }), networkModel);
      expect(Math.abs(t.makespanNs - (S / P / 100 + 1000 + S / 25 + 2000))).toBeLessThanOrEqual(2); // 20,000 ns
      const two = range(16).map((i) => range(16).map((j) => ((i === 9 || i === 10) && j === 0 ? S : 0)));
      const t2 = runCollectiveWith(topology, range(16), twoHopAllToAllReverse(topology, range(16), two, undefined, { chunks: P }), networkModel);
      const closed = (2 * S) / P / 100 + 1000 + (2 * S) / 25 + 2000; // 37,000 ns
      if (networkModel === 'flow') expect(Math.abs(t2.makespanNs - closed)).toBeLessThanOrEqual(2);
      else {
        // The fluid model counts a piece that starts on a shared port as if it had shared it from
        // the start of the pieces already there (W = sum of min(s_q, s_f) over started transfers), so
        // when two chained gathers drain at the same instant the second one's next piece is late by
        // at most one piece's time (S / B_n): a bound, not the exact value.
        expect(t2.makespanNs).toBeGreaterThanOrEqual(closed - 2);
        expect(t2.makespanNs).toBeLessThanOrEqual(closed + S / P / 100 + 2);
      }
    });
  }
});
