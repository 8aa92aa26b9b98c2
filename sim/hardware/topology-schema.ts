// The on-disk shape of topologies/*.yaml (units in the key names: µs, GB, GB/s, TFLOP/s) and the
// rules that span several keys. load-topology.ts converts a valid file into the runtime Topology (ns, bytes).
import { z } from 'zod';

const positive = () => z.number().positive('must be > 0');
const positiveInt = () => z.number().int('must be an integer').positive('must be > 0');
const nonNegative = () => z.number().nonnegative('must be >= 0');

/** A hardware figure: the datasheet peak and the achieved value the models run at. */
const rated = () => z.strictObject({ peak: positive(), achieved: positive() });

const link = z.strictObject({
  /** Per GPU, per direction, GB/s (1 GB = 1e9 bytes). */
  bandwidthGBps: rated(),
  /** Paid once per transfer, µs. */
  latencyUs: nonNegative(),
});

const tier = z.strictObject({
  name: z.string().min(1, 'must not be empty'),
  /** Nodes under one switch of this tier, counted in nodes (not in switches of the tier below). */
  nodesPerSwitch: positiveInt(),
  /** NIC bandwidth below a switch divided by its uplink bandwidth; 1 = non-blocking. */
  oversubscription: z.number().min(1, 'must be >= 1 (1 = non-blocking)'),
  /** Added once when a transfer crosses this tier (up and down together), µs. */
  latencyUs: nonNegative(),
});

export const topologyFileSchema = z.strictObject({
  name: z.string().min(1, 'must not be empty'),
  nodes: positiveInt(),
  gpusPerNode: positiveInt(),
  gpu: z.strictObject({
    name: z.string().min(1, 'must not be empty'),
    sms: positiveInt(),
    /** Usable HBM capacity, GB (1e9 bytes). */
    memoryGB: positive(),
    hbmGBps: rated(),
    bf16Tflops: rated(),
    fp8Tflops: rated(),
    /** Fixed cost added to every kernel, µs. */
    launchOverheadUs: nonNegative(),
  }),
  nvlink: link,
  nic: link,
  /** Switch tiers above the NICs, lowest first; omitted or [] means one non-blocking switch. */
  tiers: z.array(tier).default([]),
  comm: z.strictObject({
    /** SMs a communication kernel holds while it runs. */
    sms: positiveInt(),
    allToAll: z.enum(['direct', 'two-hop']),
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
