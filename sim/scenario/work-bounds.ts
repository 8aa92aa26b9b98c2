// The work a scenario asks for, computed from the validated file before anything is allocated,
// and the problems where it passes WORK_LIMITS (README "Limits"), each at the key to change with
// the figure and the limit. One place, so `validate`, `run`, sweeps and the server refuse alike.
//
// Besides counts (GPUs, tokens, exchange pairs, op-graph size, routing draws) it bounds the step's
// simulated time from above, so every event time stays an exact integer number of ns in float64.
// The estimate charges the busiest GPU with everything at once, serialized, at the slowest rates:
//   compute  T x modelFlopsPerToken(k, context) x L/layers (training FLOPs: forward and backward)
//            + (ep - 1) x T x 6k x expert params x MoE layers (routing may send the expert work of
//            every token of the EP group to one GPU), at the slower of the BF16/FP8 rates, slowed
//            by the SMs comm kernels hold, plus 64 kernel launches per layer visit;
//   HBM      every weight read once per layer visit, ep x T tokens' activations per visit, and
//            KV-cache reads (at most the attention FLOPs);
//   network  every exchange carries ep x T x k token copies of H x 2 bytes, every all-reduce its
//            tensor twice (training: the FP32 gradients too), over every link of a route at the
//            slowest link (NIC divided by the worst oversubscription), plus the hop latencies and
//            launch cost of 8 pieces per exchange and 2 x gpus ring steps per all-reduce.
// It is loose by orders of magnitude for real clusters (the 1024-GPU wide-EP decode estimates
// ~10^13 ns against the 2^50 limit) and only bites when rates or sizes are absurd.
import type { Topology } from '../hardware/index.ts';
import { gpuCount } from '../hardware/index.ts';
import { WORK_LIMITS } from '../core/index.ts';
import type { ScheduleName, Workload } from '../core/index.ts';
import type { ModelPreset } from '../models/index.ts';
import { expertParams, modelFlopsPerToken, moeLayerCount } from '../models/index.ts';
import { SCHEDULES, tokensPerGpuOf } from '../schedules/index.ts';
import type { ScenarioFile } from './schema.ts';

export interface WorkFigures {
  gpus: number;
  ep: number;
  tokensPerGpu: number;
  totalTokens: number;
  /** GPU pairs of the largest exchange (an EP group's all-to-all): ep x (ep - 1). */
  collectivePairs: number;
  /** GPUs x layers simulated x micro-batches x chunks x passes: what the op graph grows with. */
  gpuLayers: number;
  /** Routing decisions drawn per step: total tokens x top-k x MoE layers simulated. */
  routingDecisions: number;
  /** Upper estimate of the step's simulated time, ns (header). */
  stepCeilingNs: number;
  /** Which part of the estimate dominates, for the message. */
  stepCeilingCause: string;
}

export interface WorkProblem {
  path: (string | number)[];
  message: string;
}

/** Ops per GPU per layer and pass, an upper bound (a schedule emits 10-30). */
const OPS_PER_LAYER = 64;
/** Pieces a two-hop exchange is sent in, at most (emitter's TWO_HOP_MAX_CHUNKS). */
const PIECES_PER_EXCHANGE = 8;
/** H-wide activation tensors read or written per token per layer, an upper bound. */
const ACTIVATIONS_PER_LAYER = 64;
const BF16_BYTES = 2;
const FP32_BYTES = 4;

export function workFigures(spec: ScenarioFile, topology: Topology, model: ModelPreset, schedules: readonly ScheduleName[]): WorkFigures {
  const w = spec.workload as Workload;
  const gpus = gpuCount(topology);
  const ep = spec.parallel.ep;
  const tokensPerGpu = tokensOf(w);
  const totalTokens = gpus * tokensPerGpu;
  const train = w.phase === 'train';
  const passes = train ? 2 : 1;
  const chunks = w.phase === 'train' ? (w.chunks ?? 1) : 1;
  const microBatches = Math.max(1, ...schedules.map((s) => SCHEDULES[s].microBatches(w))) * chunks;
  const stages = w.phase === 'train' ? (w.pipelineStages ?? 1) : 1;
  const layers = Math.ceil(model.layers / stages);
  const moeLayers = w.phase === 'a2a' ? 1 : Math.ceil((moeLayerCount(model) * layers) / model.layers);
  const topk = model.moe.topk;
  const hidden = model.hidden;

  // Compute and HBM.
  const context = w.phase === 'decode' ? w.contextTokens : w.phase === 'a2a' ? 0 : tokensPerGpu;
  const layerShare = layers / model.layers;
  const flopsPerToken = w.phase === 'a2a' ? 0 : modelFlopsPerToken(model, topk, context) * layerShare;
  const attentionFlopsPerToken = w.phase === 'a2a' ? 0 : flopsPerToken - modelFlopsPerToken(model, topk, 0) * layerShare;
  // Skew: the GPU's experts may get the expert work of every token of the EP group.
  const skewFlops = w.phase === 'a2a' ? 0 : (ep - 1) * tokensPerGpu * 6 * topk * expertParams(model) * moeLayers;
  const flops = tokensPerGpu * flopsPerToken + skewFlops;
  // Every parameter: those a token activates plus the experts it does not.
  const allParams =
    w.phase === 'a2a' ? 0 : (modelFlopsPerToken(model, topk, 0) / 6 + Math.max(0, model.moe.ffnExperts - topk) * expertParams(model) * moeLayerCount(model)) * layerShare;
  const visits = layers * microBatches * passes;
  const activationBytesPerToken = (ACTIVATIONS_PER_LAYER * hidden + 4 * topk * model.moe.expertHidden + 4 * model.denseFfnHidden) * BF16_BYTES;
  // KV-cache reads are bounded by the attention FLOPs (6 x heads x head dims per context token >= its cached bytes).
  const hbmBytes = tokensPerGpu * attentionFlopsPerToken + allParams * BF16_BYTES * visits + ep * tokensPerGpu * activationBytesPerToken * visits;
  const gpu = topology.gpu;
  const commSms = spec.commSms ?? topology.comm.sms;
  const smSlowdown = gpu.sms / Math.max(1, gpu.sms - commSms);
  const flopsPerNs = Math.min(gpu.bf16Tflops.achieved, gpu.fp8Tflops.achieved) * 1e3;
  const computeNs = (flops / flopsPerNs + hbmBytes / gpu.hbmGBps.achieved) * smSlowdown + visits * OPS_PER_LAYER * gpu.launchOverheadNs;

  // Network.
  const exchanges = moeLayers * microBatches * passes * 2;
  const exchangeBytes = exchanges * ep * tokensPerGpu * topk * hidden * BF16_BYTES;
  const allReduces = w.phase === 'a2a' ? 0 : visits * 2 + (train ? layers : 0);
  const allReduceBytes = visits * 2 * 2 * tokensPerGpu * hidden * BF16_BYTES + (train ? 2 * allParams * FP32_BYTES : 0);
  const worstOversubscription = Math.max(1, ...topology.tiers.map((t) => t.oversubscription));
  const slowestLinkBytesPerNs = Math.min(topology.nvlink.bandwidthGBps.achieved, topology.nic.bandwidthGBps.achieved / worstOversubscription);
  const hopNs = topology.nvlink.latencyNs + topology.nic.latencyNs + topology.tiers.reduce((s, t) => s + t.latencyNs, 0) + gpu.launchOverheadNs;
  // Max-min sharing keeps some link of every active flow saturated, so the bytes x links to move
  // drain at least at the slowest link's rate; x2 for the rate re-solves being batched.
  const linksPerRoute = 4 + 2 * topology.tiers.length;
  const networkNs =
    ((exchangeBytes + allReduceBytes) * linksPerRoute * 2) / slowestLinkBytesPerNs + (exchanges * PIECES_PER_EXCHANGE + allReduces * 2 * gpus) * hopNs;

  const stepCeilingNs = computeNs + networkNs;
  const stepCeilingCause =
    networkNs >= computeNs
      ? `network: ${sci(exchangeBytes + allReduceBytes)} bytes at ${+slowestLinkBytesPerNs.toPrecision(3)} GB/s (the slowest of nvlink, nic and nic / oversubscription)`
      : `compute: ${sci(flops)} FLOPs and ${sci(hbmBytes)} HBM bytes at ${+(flopsPerNs / 1e3).toPrecision(3)} TFLOP/s and ${gpu.hbmGBps.achieved} GB/s`;
  return {
    gpus,
    ep,
    tokensPerGpu,
    totalTokens,
    collectivePairs: ep * (ep - 1),
    gpuLayers: gpus * layers * microBatches * passes,
    routingDecisions: totalTokens * topk * moeLayers,
    stepCeilingNs,
    stepCeilingCause,
  };
}

/** Each figure over its limit, as a problem at the scenario key that sets it. */
export function workProblems(spec: ScenarioFile, topology: Topology, model: ModelPreset, schedules: readonly ScheduleName[]): WorkProblem[] {
  const f = workFigures(spec, topology, model, schedules);
  const L = WORK_LIMITS;
  const out: WorkProblem[] = [];
  const over = (path: (string | number)[], figure: string, limit: number) =>
    out.push({ path, message: `${figure}; epsim simulates at most ${limit.toLocaleString('en-US')} (README, Limits)` });
  const batch = batchKey(spec.workload as Workload);
  const n = (v: number) => v.toLocaleString('en-US');
  if (f.gpus > L.gpus) over(['topology'], `${topology.name} has ${n(f.gpus)} GPUs`, L.gpus);
  if (f.ep > L.ep) over(['parallel', 'ep'], `an EP group of ${n(f.ep)} GPUs (${n(f.collectivePairs)} exchange pairs)`, L.ep);
  if (f.tokensPerGpu > L.tokensPerGpu) over(batch, `${tokensPerGpuWords(spec.workload as Workload)} = ${n(f.tokensPerGpu)} tokens per GPU per step`, L.tokensPerGpu);
  else if (f.totalTokens > L.totalTokens) over(batch, `${n(f.gpus)} GPUs x ${n(f.tokensPerGpu)} tokens = ${n(f.totalTokens)} tokens per step`, L.totalTokens);
  if (f.gpuLayers > L.gpuLayers) over(['topology'], `${n(f.gpus)} GPUs x layers x micro-batches = ${n(f.gpuLayers)} GPU-layers to simulate`, L.gpuLayers);
  if (f.routingDecisions > L.routingDecisions && f.totalTokens <= L.totalTokens) over(batch, `${n(f.routingDecisions)} routing decisions per step (tokens x top-k x MoE layers)`, L.routingDecisions);
  if (out.length === 0 && !(f.stepCeilingNs <= L.stepNs)) {
    out.push({
      path: ['topology'],
      message:
        `a step here could last up to ${sci(f.stepCeilingNs)} ns of simulated time (upper estimate; ${f.stepCeilingCause}), ` +
        `beyond the ${sci(L.stepNs)} ns (13 days) epsim keeps its integer-ns clock within; use realistic rates or a smaller batch (README, Limits)`,
    });
  }
  return out;
}

/** Tokens per GPU per step (per micro-batch in training), as the step plan counts them. */
const tokensOf = (w: Workload): number => tokensPerGpuOf({ workload: w });

function tokensPerGpuWords(w: Workload): string {
  if (w.phase === 'decode') return `${w.sequencesPerGpu} sequences x (1 + ${w.mtp?.draftTokens ?? 0} draft tokens)`;
  return `${tokensOf(w)} tokens`;
}

/** The key that sets the tokens per GPU of this phase. */
function batchKey(w: Workload): string[] {
  if (w.phase === 'decode') return ['workload', 'sequencesPerGpu'];
  if (w.phase === 'train') return ['workload', 'tokensPerMicrobatch'];
  return ['workload', 'tokensPerGpu'];
}

function sci(v: number): string {
  return v.toExponential(2).replace('e+', 'e');
}
