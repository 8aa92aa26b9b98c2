// The on-disk shape of topologies/*.yaml (units in the key names: µs, GB, GB/s, TFLOP/s) and the
// rules that span several keys. load-topology.ts converts a valid file into the runtime Topology (ns, bytes).
// Every number has a range a real cluster can have (boundedNumber); the slowest rates allowed
// still keep a step's simulated time inside the integer-ns clock, which work-bounds.ts checks.
import { z } from 'zod';
import { boundedInt, boundedNumber, WORK_LIMITS } from '../core/index.ts';
import { ALL_TO_ALL_FORMS } from './topology.ts';

/** Slowest to fastest a GPU or link can plausibly be, with room both ways (1 MB/s to 100 TB/s). */
const GBPS = { min: 0.001, max: 100_000, unit: 'GB/s' };
const TFLOPS = { min: 0.001, max: 100_000, unit: 'TFLOP/s' };
/** Link, switch and launch latencies: real ones are 0.1-10 µs; 10 ms is far past any fabric. */
const LATENCY_US = { min: 0, max: 10_000, unit: 'µs' };

const name = () => z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** A hardware figure: the datasheet peak and the achieved value the models run at. */
const rated = (range: { min: number; max: number; unit: string }) => z.strictObject({ peak: boundedNumber(range), achieved: boundedNumber(range) });

const link = z.strictObject({
  /** Per GPU, per direction, GB/s (1 GB = 1e9 bytes). */
  bandwidthGBps: rated(GBPS),
  /** Paid once per transfer, µs. */
  latencyUs: boundedNumber(LATENCY_US),
});

const tier = z.strictObject({
  name: name(),
  /** Nodes under one switch of this tier, counted in nodes (not in switches of the tier below). */
  nodesPerSwitch: boundedInt(1, WORK_LIMITS.gpus),
  /** NIC bandwidth below a switch divided by its uplink bandwidth; 1 = non-blocking (real fabrics: 1-4). */
  oversubscription: boundedNumber({ min: 1, max: 64 }),
  /** Added once when a transfer crosses this tier (up and down together), µs. */
  latencyUs: boundedNumber(LATENCY_US),
});

export const topologyFileSchema = z.strictObject({
  name: name(),
  nodes: boundedInt(1, WORK_LIMITS.gpus),
  /** GPUs on one NVLink domain: 8 in an HGX node, 72 in an NVL72 rack. */
  gpusPerNode: boundedInt(1, 1024),
  gpu: z.strictObject({
    name: name(),
    /** 108 (A100) to 148 (B200) today. */
    sms: boundedInt(1, 1024),
    /** Usable HBM capacity, GB (1e9 bytes). */
    memoryGB: boundedNumber({ min: 0.001, max: 100_000, unit: 'GB' }),
    hbmGBps: rated(GBPS),
    bf16Tflops: rated(TFLOPS),
    fp8Tflops: rated(TFLOPS),
    /** Fixed cost added to every kernel, µs. */
    launchOverheadUs: boundedNumber({ min: 0, max: 1_000, unit: 'µs' }),
  }),
  nvlink: link,
  nic: link,
  /** Switch tiers above the NICs, lowest first; omitted or [] means one non-blocking switch. */
  tiers: z.array(tier).max(8, 'at most 8 tiers (real fabrics have 1-3)').default([]),
  comm: z.strictObject({
    /** SMs a communication kernel holds while it runs. */
    sms: boundedInt(1, 1023),
    /** The normal (prefill, training) kernels' form; decode defaults to deepep-ll (docs/ep-kernels.md). */
    allToAll: z.enum(ALL_TO_ALL_FORMS),
  }),
});

export type TopologyFile = z.output<typeof topologyFileSchema>;

export interface RuleViolation {
  path: (string | number)[];
  message: string;
}

/** Cross-key rules the schema cannot express; each violation names the key to blame. */
export function topologyRuleViolations(t: TopologyFile): RuleViolation[] {
  const out: RuleViolation[] = [];
  const rated: [string[], { peak: number; achieved: number }][] = [
    [['gpu', 'hbmGBps'], t.gpu.hbmGBps],
    [['gpu', 'bf16Tflops'], t.gpu.bf16Tflops],
    [['gpu', 'fp8Tflops'], t.gpu.fp8Tflops],
    [['nvlink', 'bandwidthGBps'], t.nvlink.bandwidthGBps],
    [['nic', 'bandwidthGBps'], t.nic.bandwidthGBps],
  ];
  for (const [path, figure] of rated) {
    if (figure.achieved > figure.peak) {
      out.push({ path: [...path, 'achieved'], message: `must not exceed peak (${figure.peak}); got ${figure.achieved}` });
    }
  }
  const gpus = t.nodes * t.gpusPerNode;
  if (gpus > WORK_LIMITS.gpus) {
    out.push({ path: ['nodes'], message: `nodes x gpusPerNode = ${t.nodes} x ${t.gpusPerNode} = ${gpus} GPUs; epsim simulates at most ${WORK_LIMITS.gpus} (README, Limits)` });
  }
  if (t.comm.sms >= t.gpu.sms) {
    out.push({ path: ['comm', 'sms'], message: `must be less than gpu.sms (${t.gpu.sms}); got ${t.comm.sms}` });
  }
  // Tiers must form a tree: each switch of a tier holds whole switches of the tier below.
  t.tiers.forEach((tier, i) => {
    const path = ['tiers', i, 'nodesPerSwitch'];
    const below = t.tiers[i - 1];
    if (t.nodes % tier.nodesPerSwitch !== 0) {
      out.push({ path, message: `must divide nodes (${t.nodes}); got ${tier.nodesPerSwitch}` });
    } else if (below && (tier.nodesPerSwitch <= below.nodesPerSwitch || tier.nodesPerSwitch % below.nodesPerSwitch !== 0)) {
      out.push({
        path,
        message: `must be a larger multiple of tiers[${i - 1}].nodesPerSwitch (${below.nodesPerSwitch}); got ${tier.nodesPerSwitch}`,
      });
    }
  });
  return out;
}
