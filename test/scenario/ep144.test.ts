// DeepSeek's production decode layout (scenarios/deepseek-v3-decode-ep144.yaml): EP144 over 18
// nodes, 256 experts + 32 redundant = 2 slots per GPU, load-aware placement. Every expert has a
// slot, replicas split their tokens, and the low-latency exchange's bytes balance.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/scenario/load.ts';
import { planStep } from '../../sim/schedules/step-plan.ts';
import { exchangeAlgorithm } from '../../sim/schedules/exchange-algorithm.ts';
import { expandCollective, FlowList } from '../../sim/network/algorithms.ts';

describe('deepseek-v3-decode-ep144.yaml', async () => {
  const s = await loadScenario('scenarios/deepseek-v3-decode-ep144.yaml');
  const plan = planStep(s.input, 2);

  it('runs 144 GPUs on 18 nodes with the low-latency kernels', () => {
    expect(plan.gpus).toBe(144);
    expect(s.topology.nodes).toBe(18);
    expect(s.topology.comm.allToAll).toBe('deepep-ll');
  });

  it('gives every expert a slot, every GPU 2 slots, and 32 experts a second replica', () => {
    for (const layer of [0, 30, 57]) {
      const p = plan.placement(layer);
      expect(p.expertsOn.every((list) => list.length === 2)).toBe(true);
      expect(p.replicasOf.every((ranks) => ranks.length >= 1)).toBe(true);
      expect(p.replicasOf.reduce((sum, ranks) => sum + ranks.length, 0)).toBe(288);
      expect(p.replicasOf.filter((ranks) => ranks.length > 1)).toHaveLength(32);
    }
  });

  it('splits a replicated expert\'s tokens over its replicas, and sends as many bytes as it receives', () => {
    const t = plan.traffic(0, 0, 0);
    const p = plan.placement(0);
    const used = p.replicasOf.map((ranks, e) => ranks.map((rank) => t.expertTokens[rank]![p.expertsOn[rank]!.indexOf(e)]!));
    const replicated = used.filter((perReplica) => perReplica.length > 1);
    // A hot expert's replicas both get work (no replica idles while the other takes everything).
    expect(replicated.filter((perReplica) => perReplica.every((n) => n > 0)).length).toBeGreaterThan(replicated.length / 2);
    // Picks sent (row sums) = picks received (column sums) = assignments computed.
    let sent = 0;
    let received = 0;
    for (let i = 0; i < t.ep * t.ep; i++) sent += t.picksToRank[i]!;
    for (let r = 0; r < t.ep; r++) received += t.rankAssignments[r]!;
    expect(sent).toBe(received);
    const sink = new FlowList();
    const b = 7168 + 56 * 4;
    expandCollective(exchangeAlgorithm({ form: 'deepep-ll', intraNode: 'nvlink', commSms: 24, gpusPerNode: 8 }, plan.groupGpus(0), t, b, false, 'dispatch'), s.topology, plan.groupGpus(0), sink);
    const out = new Float64Array(144);
    const into = new Float64Array(144);
    for (const f of sink.flows) {
      out[f.src]! += f.bytes;
      into[f.dst]! += f.bytes;
    }
    const total = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
    let diagonal = 0;
    for (let r = 0; r < 144; r++) diagonal += t.picksToRank[r * 144 + r]!;
    expect(total(out)).toBe(total(into));
    expect(total(out)).toBe((sent - diagonal) * b);
    // Per GPU: it sends one message per pick it routes to another rank, and receives one per
    // pick routed to it from another rank (group 0 holds GPUs 0..143, rank r = GPU r).
    for (let r = 0; r < 144; r++) {
      let picksOut = 0;
      let picksIn = 0;
      for (let j = 0; j < 144; j++) {
        if (j === r) continue;
        picksOut += t.picksToRank[r * 144 + j]!;
        picksIn += t.picksToRank[j * 144 + r]!;
      }
      expect(out[r], `GPU ${r} sends`).toBe(picksOut * b);
      expect(into[r], `GPU ${r} receives`).toBe(picksIn * b);
    }
  });
});
