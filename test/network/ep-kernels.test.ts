// The EP exchange kernels by hand (docs/ep-kernels.md): which bytes each algorithm puts on which
// port for a small routing, and the low-latency kernels' time = fixed cost + bytes over the
// bottleneck + latency.
import { describe, expect, it } from 'vitest';
import { expandCollective, FlowList } from '../../sim/network/algorithms.ts';
import { executeOptionsFor } from '../../sim/network/cluster.ts';
import { lowLatencyFixedNs } from '../../sim/network/deepep-kernels.ts';
import { execute } from '../../sim/ops/execute.ts';
import { OpGraph } from '../../sim/ops/op-graph.ts';
import { buildLayerTraffic } from '../../sim/replay/build-traffic.ts';
import { contiguousPlacement } from '../../sim/replay/placement.ts';
import { traceRoutingSource } from '../../sim/replay/trace-source.ts';
import { exchangeAlgorithm, type ExchangeChoice } from '../../sim/schedules/exchange-algorithm.ts';
import type { CollectiveAlgorithm } from '../../sim/network/collective-op.ts';
import { traceFromRows } from '../replay/fixtures.ts';
import { toyTopology } from '../helpers/toy-topology.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** FP8 dispatch of hidden 7168: 7168 B + 7168/128 scales x 4 B. */
const B = 7168 + (7168 / 128) * 4;

describe('byte counts per algorithm, 2 nodes x 4 GPUs (EP 8, 16 FFN experts, 2 per GPU, 2 zero experts, top-2)', () => {
  const topology = toyTopology({ nodes: 2, gpusPerNode: 4 });
  const shape = { layers: 1, ffnExperts: 16, zeroExperts: 2, topk: 2 };
  // Rank 0 (GPU 0, node 0) holds three tokens; rank r hosts experts 2r, 2r+1.
  const source = traceRoutingSource(
    traceFromRows(shape, [
      [[10, 11]], // tA: both experts on rank 5 (node 1)
      [[16, 17]], // tB: zero experts only: sends nothing
      [[2, 12]], // tC: rank 1 (node 0) and rank 6 (node 1)
    ]),
    { mapping: 'exact' },
  );
  const tokensByRank = [Int32Array.of(0, 1, 2), ...range(7).map(() => new Int32Array(0))];
  const t = buildLayerTraffic({ source, layer: 0, tokensByRank, placement: contiguousPlacement(16, 8), gpusPerNode: 4, firstGpu: 0 });
  const gpus = range(8);

  /** Bytes per (src GPU, dst GPU, port kind) of the expanded transfers. */
  const portBytes = (a: CollectiveAlgorithm) => {
    const sink = new FlowList();
    expandCollective(a, topology, gpus, sink);
    const cluster = executeOptionsFor(topology);
    const viaNic = a.kind === 'low-latency-all-to-all' && a.intraNode === 'rdma';
    const out = { nic: 0, nvlink: 0, pairs: new Map<string, number>() };
    for (const f of sink.flows) {
      const route = cluster.route(f.src, f.dst, viaNic);
      const onNic = route.links.includes(cluster.links.nicOut(f.src));
      if (onNic) out.nic += f.bytes;
      else out.nvlink += f.bytes;
      const key = `${f.src}->${f.dst}`;
      out.pairs.set(key, (out.pairs.get(key) ?? 0) + f.bytes);
    }
    return out;
  };
  const choice = (form: ExchangeChoice['form'], intraNode: ExchangeChoice['intraNode'] = 'nvlink'): ExchangeChoice => ({ form, intraNode, commSms: 24, gpusPerNode: 4 });

  it('counts picks per destination (a token with two experts on one GPU twice), tokens per GPU once, nodes once', () => {
    const row = (a: Int32Array) => Array.from(a.subarray(0, 8));
    expect(row(t.picksToRank)).toEqual([0, 1, 0, 0, 0, 2, 1, 0]);
    expect(row(t.tokensToRank)).toEqual([0, 1, 0, 0, 0, 1, 1, 0]);
    expect(Array.from(t.tokensToNode.subarray(0, 2))).toEqual([0, 2]);
    expect(t.zeroOnlyTokens).toBe(1);
  });

  it('deepep-ll, intraNode rdma: one message per pick, every one over GPU 0\'s NIC (4 B)', () => {
    const p = portBytes(exchangeAlgorithm(choice('deepep-ll', 'rdma'), gpus, t, B, false, 'dispatch'));
    expect(p.nic).toBe(4 * B);
    expect(p.nvlink).toBe(0);
    expect(Object.fromEntries(p.pairs)).toEqual({ '0->1': B, '0->5': 2 * B, '0->6': B });
  });

  it('deepep-ll, intraNode nvlink: the same messages, the same-node one on NVLink (3 B on the NIC, 1 B on NVLink)', () => {
    const p = portBytes(exchangeAlgorithm(choice('deepep-ll', 'nvlink'), gpus, t, B, false, 'dispatch'));
    expect(p.nic).toBe(3 * B);
    expect(p.nvlink).toBe(B);
  });

  it('deepep-normal: a token crosses once per node (2 B to the relay GPU 4), which forwards tA and tC over NVLink', () => {
    const p = portBytes(exchangeAlgorithm(choice('deepep-normal'), gpus, t, B, false, 'dispatch'));
    expect(p.nic).toBe(2 * B);
    expect(p.pairs.get('0->4')).toBeCloseTo(2 * B, 6);
    expect(p.pairs.get('4->5')).toBeCloseTo(B, 6);
    expect(p.pairs.get('4->6')).toBeCloseTo(B, 6);
    expect(p.pairs.get('0->1')).toBe(B);
    expect(p.nvlink).toBeCloseTo(3 * B, 6);
  });

  it('the combine direction of deepep-ll sends the same messages back (BF16, 2 x 7168 B each)', () => {
    const C = 2 * 7168;
    const p = portBytes(exchangeAlgorithm(choice('deepep-ll', 'rdma'), gpus, t, C, true, 'combine'));
    expect(Object.fromEntries(p.pairs)).toEqual({ '1->0': C, '5->0': 2 * C, '6->0': C });
  });
});

describe('low-latency exchange times by hand (toy: NIC 25 B/ns, 2 µs; launch 2 µs)', () => {
  // EP 16 over 2 nodes of 8; 32 experts, 2 per GPU; every token of GPU 0 picks experts 16..23,
  // two on each of GPUs 8, 9, 10, 11 (node 1): 8 messages per token, all leaving GPU 0's NIC.
  const topology = toyTopology({ gpu: { ...toyTopology().gpu, launchOverheadNs: 2000 } });
  const shape = { layers: 1, ffnExperts: 32, zeroExperts: 0, topk: 8 };
  const gpus = range(16);
  const fixedNs = 2000 + 2 * 2000; // launch + one RDMA round trip (toy NIC latency 2 µs, no tiers)

  const run = (tokens: number, networkModel: 'fluid' | 'flow') => {
    const source = traceRoutingSource(traceFromRows(shape, range(tokens).map(() => [range(8).map((i) => 16 + i)])), { mapping: 'exact' });
    const tokensByRank = [Int32Array.from(range(tokens)), ...range(15).map(() => new Int32Array(0))];
    const t = buildLayerTraffic({ source, layer: 0, tokensByRank, placement: contiguousPlacement(32, 16), gpusPerNode: 8, firstGpu: 0 });
    const algorithm = exchangeAlgorithm({ form: 'deepep-ll', intraNode: 'nvlink', commSms: 20, gpusPerNode: 8 }, gpus, t, B, false, 'dispatch');
    const graph = new OpGraph();
    graph.collective({ name: 'll', kind: 'dispatch', stream: 'comm', sms: 0, tailNs: lowLatencyFixedNs(topology, gpus, 'nvlink'), parts: gpus.map((gpu) => ({ gpu })), algorithm });
    return execute(graph, executeOptionsFor(topology, { networkModel, recomputeFraction: 0 })).makespanNs;
  };

  it('the fixed cost is launch + one NIC round trip', () => {
    expect(lowLatencyFixedNs(topology, gpus, 'nvlink')).toBe(fixedNs);
    // Inside one node over NVLink: launch + 2 x 1 µs; over the NIC even there: launch + 2 x 2 µs.
    expect(lowLatencyFixedNs(topology, range(8), 'nvlink')).toBe(2000 + 2 * 1000);
    expect(lowLatencyFixedNs(topology, range(8), 'rdma')).toBe(fixedNs);
  });

  for (const networkModel of ['fluid', 'flow'] as const) {
    it(`1 token and 128 tokens: fixed + 8 x tokens x B / NIC + NIC latency (${networkModel})`, () => {
      // 1 token: 8 x 7392 B / 25 B/ns = 2,365.44 ns (+ ceil) + 2,000 + 6,000 = 10,366 ns.
      expect(run(1, networkModel)).toBe(Math.ceil((8 * B) / 25) + 2000 + fixedNs);
      // 128 tokens: 1,024 messages = 7,569,408 B / 25 = 302,776.32 ns -> 310,777 ns: bytes dominate.
      expect(run(128, networkModel)).toBe(Math.ceil((128 * 8 * B) / 25) + 2000 + fixedNs);
    });
  }
});
