// Reads a scenario file, validates it against the schema and every cross-key rule, and resolves
// what it names (topology, trace, model preset, routing source) into one StepInput per schedule.
// Every problem is a ConfigError at its key's line and column; all of them are collected.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Topology } from '../hardware/index.ts';
import { gpuCount } from '../hardware/index.ts';
import { configErrorAt, parseYaml } from '../core/index.ts';
import { ConfigError, readInputText, UsageError, UserInputError, formatIssue, type InputIssue } from '../core/index.ts';
import type { ModelPreset } from '../models/index.ts';
import { moeLayerCount, presetByName, tracedPreset } from '../models/index.ts';
import type { RoutingSource } from '../replay/index.ts';
import { expertSlotsProblem, redundantSlotsProblem } from '../replay/index.ts';
import { randomRoutingSource } from '../replay/index.ts';
import { uniformRoutingSource } from '../replay/index.ts';
import { DEFAULT_RECOMPUTE_FRACTION, scheduleRefusal } from '../step/index.ts';
import { a2aModel } from '../schedules/index.ts';
import { SCHEDULE_NAMES, type ScheduleName, type Workload } from '../core/index.ts';
import type { StepInput } from '../schedules/index.ts';
import type { NetworkModel } from '../network/index.ts';
import type { RoutingTrace } from '../trace/index.ts';
import { loadTopologyCached, readTraceCached, traceRoutingSourceCached } from './load-cache.ts';
import { scenarioSchema, type ScenarioFile } from './schema.ts';
import { workFigures, workProblems } from './work-bounds.ts';
import { costProbeProblems } from './cost-probe.ts';
import { isTopologyObject, resolveTopologyObject } from './resolve-topology.ts';
import { resolveAllToAll, resolveIntraNode } from './all-to-all.ts';

/** The project root, for resolving paths a scenario names relative to it. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface ResolvedScenario {
  /** The scenario file as given (for messages and results). */
  file: string;
  /** The validated scenario with defaults filled. */
  spec: ScenarioFile;
  topology: Topology;
  model: ModelPreset;
  routing: RoutingSource;
  trace?: { file: string; trace: RoutingTrace };
  /** Schedules to run, in the scenario's order. */
  schedules: ScheduleName[];
  /** The step input every schedule runs (the same tokens, seed and cluster for all). */
  input: StepInput;
}

export interface ScenarioOverrides {
  ep?: number;
  /** Decode: sequencesPerGpu; prefill: tokensPerGpu; train: tokensPerMicrobatch. */
  batch?: number;
  schedules?: ScheduleName[];
  /**
   * Where `schedules` came from (the CLI's "--schedule"): a problem with one of them is reported
   * against that, not against the file's schedules line, which they replaced.
   */
  schedulesFrom?: string;
  /** Replace the trace path (npm start traces a freshly trained model). */
  trace?: string;
  /** Run on this network model whatever the file says (the golden tests pin each model). */
  networkModel?: NetworkModel;
  /** Replace the topology (a sweep worker's local copy of the topology the point names). */
  topology?: string;
  /**
   * Folders the scenario may read files from (topology and trace paths). The dashboard sets it
   * for posted YAML, so a request cannot make the server read, and echo, other files.
   */
  allowedDirs?: string[];
}

type Problem = { path: (string | number)[]; message: string };

/** Reads and resolves a scenario file; throws ConfigError / UsageError with file:line:col. */
export async function loadScenario(file: string, overrides: ScenarioOverrides = {}): Promise<ResolvedScenario> {
  const text = readInputText(file, 'yaml', { label: `scenario file "${file}"` });
  return resolveScenarioText(text, file, overrides);
}

/** Same as loadScenario for YAML text already in memory (the dashboard posts it). */
export async function resolveScenarioText(text: string, file: string, overrides: ScenarioOverrides = {}): Promise<ResolvedScenario> {
  const parsed = parseYaml(text, file, scenarioSchema);
  const spec = applyOverrides(parsed, overrides);
  const problems: Problem[] = [];
  // Issues already placed in the file (an inline topology's schema errors), reported with the rest.
  const located: InputIssue[] = [];
  const fail = (): never => {
    const fromOverride = overrides.schedules && overrides.schedulesFrom !== undefined ? problems.filter((p) => p.path[0] === 'schedules') : [];
    const error = configErrorAt(text, file, problems.filter((p) => !fromOverride.includes(p)));
    const overridden = fromOverride.map((p) => ({ file: '', line: 0, col: 0, path: overrides.schedulesFrom!, message: p.message }));
    if (located.length === 0 && overridden.length === 0) throw error;
    throw new ConfigError([...overridden, ...[...error.issues, ...located].sort((a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path))]);
  };

  // Real paths: a symlink inside an allowed folder may not lead out of it.
  const allowed = (path: string) => !overrides.allowedDirs || overrides.allowedDirs.some((dir) => isInside(realOrResolved(path), realOrResolved(dir)));
  const refuse = (key: string, path: string) =>
    problems.push({ path: [key], message: `"${path}" is outside the folders this server reads (${overrides.allowedDirs!.map(display).join(', ')}); use a preset name or a file there` });

  let topology: Topology | undefined;
  if (isTopologyObject(spec.topology)) {
    const inline = resolveTopologyObject(spec.topology, text, file);
    topology = inline.topology;
    problems.push(...inline.problems);
    located.push(...inline.issues);
  } else {
    const topologyName = resolveTopologyName(spec.topology, file);
    if (topologyName !== spec.topology || /[\\/]|\.ya?ml$/i.test(spec.topology)) {
      if (!allowed(topologyName)) refuse('topology', spec.topology);
    }
    if (problems.length === 0) {
      try {
        topology = loadTopologyCached(topologyName);
      } catch (e) {
        problems.push({ path: ['topology'], message: messageOf(e) });
      }
    }
  }

  const phase = spec.workload.phase;
  if (phase !== 'a2a' && !spec.model) problems.push({ path: ['workload', 'phase'], message: `the ${phase} phase needs a model: add "model: longcat-flash | deepseek-v3 | qwen3-235b-a22b | kimi-k2 | traced"` });
  if (phase === 'a2a' && spec.model) problems.push({ path: ['model'], message: 'the a2a phase takes its shape from workload (tokensPerGpu, hidden, topk, experts); remove "model"' });
  const needsTrace = spec.routing === 'trace' || spec.model === 'traced';
  if (needsTrace && !spec.trace) {
    problems.push({
      path: [spec.model === 'traced' ? 'model' : 'routing'],
      message: spec.model === 'traced' ? 'model "traced" takes its shape from a trace: add "trace: FILE"' : 'routing "trace" needs "trace: FILE" (or use "routing: uniform")',
    });
  }
  let trace: ResolvedScenario['trace'];
  if (needsTrace && spec.trace) {
    const tried = candidatePaths(spec.trace, file).filter(allowed);
    const found = tried.find((p) => existsSync(p));
    if (tried.length === 0) refuse('trace', spec.trace);
    else if (!found) problems.push({ path: ['trace'], message: `no trace file "${spec.trace}"; looked in ${tried.map(display).join(' and ')}` });
    else {
      try {
        trace = { file: display(found), trace: await readTraceCached(found) };
      } catch (e) {
        problems.push({ path: ['trace'], message: messageOf(e) });
      }
    }
  }
  if (problems.length > 0 || !topology) fail();

  let model: ModelPreset;
  if (phase === 'a2a') model = a2aModel(spec.workload as Extract<Workload, { phase: 'a2a' }>);
  else if (spec.model === 'traced') {
    try {
      model = tracedPreset(trace!.trace.model);
    } catch (e) {
      problems.push({ path: ['trace'], message: messageOf(e) });
      fail();
    }
  } else model = presetByName(spec.model!);
  model = model!;

  checkLayout(spec, topology!, model, problems);
  const schedules = spec.schedules ?? defaultSchedules(spec, model);
  schedules.forEach((name, i) => {
    const refusal = scheduleRefusal({ model, workload: toWorkload(spec) }, name);
    if (refusal) problems.push({ path: spec.schedules ? ['schedules', i] : ['workload', 'phase'], message: refusal });
  });
  // The work it asks for, before anything is allocated for it (README, Limits).
  problems.push(...workProblems(spec, topology!, model, schedules));
  if (problems.length > 0) fail();

  let routing: RoutingSource;
  const shape = { modelLayers: phase === 'a2a' ? 1 : moeLayerCount(model), ffnExperts: model.moe.ffnExperts, zeroExperts: model.moe.zeroExperts, topk: model.moe.topk };
  if (spec.routing === 'random') {
    if (shape.zeroExperts > 0) problems.push({ path: ['routing'], message: `random routing has no zero experts; ${model.name} has ${shape.zeroExperts}` });
    const groups = Math.max(1, spec.parallel.ep / topology!.gpusPerNode);
    try {
      routing = randomRoutingSource({ layers: shape.modelLayers, ffnExperts: shape.ffnExperts, topk: shape.topk, groups, seed: spec.seed });
    } catch (e) {
      problems.push({ path: ['routing'], message: messageOf(e) });
    }
    if (problems.length > 0) fail();
  } else if (spec.routing === 'uniform' || !trace) {
    try {
      routing = uniformRoutingSource({ layers: shape.modelLayers, ffnExperts: shape.ffnExperts, zeroExperts: shape.zeroExperts, topk: shape.topk });
    } catch (e) {
      problems.push({ path: ['routing'], message: messageOf(e) });
      fail();
    }
  } else {
    try {
      routing = traceRoutingSourceCached(trace.trace, { mapping: spec.traceMapping, model: shape, file: trace.file, seed: spec.seed });
    } catch (e) {
      problems.push({ path: ['traceMapping'], message: messageOf(e) });
      fail();
    }
  }

  const allToAll = resolveAllToAll(phase, topology!.comm.allToAll, spec.network?.allToAll);
  const intraNode = resolveIntraNode(topology!.comm.intraNode, spec.network?.intraNode);
  if (spec.network?.intraNode && allToAll !== 'deepep-ll') {
    problems.push({ path: ['network', 'intraNode'], message: `applies to the deepep-ll kernels only; this run uses ${allToAll} (set network.allToAll: deepep-ll or remove intraNode)` });
    fail();
  }
  const topo: Topology = { ...topology!, comm: { ...topology!.comm, allToAll, ...(allToAll === 'deepep-ll' ? { intraNode } : {}) } };
  const gpus = gpuCount(topo);
  const input: StepInput = {
    model,
    topology: topo,
    parallel: {
      ep: spec.parallel.ep,
      attention: { dp: spec.parallel.attention.dp ?? defaultDp(spec, gpus), tp: spec.parallel.attention.tp },
      placement: spec.parallel.placement,
      redundantExperts: spec.parallel.redundantExperts,
      ...(spec.parallel.cp > 1 ? { cp: spec.parallel.cp } : {}),
    },
    workload: toWorkload(spec),
    precision: spec.precision,
    commSms: spec.commSms ?? topo.comm.sms,
    routing: routing!,
    seed: spec.seed,
    costUsdPerGpuHour: spec.costUsdPerGpuHour,
    networkModel: overrides.networkModel ?? spec.network?.model ?? 'fluid',
    recomputeFraction: spec.network?.recomputeFraction ?? DEFAULT_RECOMPUTE_FRACTION,
    computeModel: spec.compute.model,
  };
  // The cost functions a run calls, called once now: what a run would refuse, validate refuses.
  problems.push(...costProbeProblems(input, workFigures(spec, topo, model, schedules).tokensPerGpu));
  if (problems.length > 0) fail();
  return { file, spec, topology: topo, model, routing: routing!, ...(trace ? { trace } : {}), schedules: [...schedules], input };
}

function applyOverrides(spec: ScenarioFile, o: ScenarioOverrides): ScenarioFile {
  const out: ScenarioFile = { ...spec, parallel: { ...spec.parallel }, workload: { ...spec.workload } };
  if (o.ep !== undefined) {
    out.parallel.ep = o.ep;
    // dp follows the GPU count unless the file pinned it.
  }
  if (o.batch !== undefined) {
    const w = out.workload;
    if (w.phase === 'decode') w.sequencesPerGpu = o.batch;
    else if (w.phase === 'prefill' || w.phase === 'a2a') w.tokensPerGpu = o.batch;
    else w.tokensPerMicrobatch = o.batch;
  }
  if (o.schedules) {
    if (o.schedules.length === 0) throw new UsageError('no schedule to run: name at least one (--schedule serial,tbo)');
    out.schedules = [...new Set(o.schedules)];
  }
  if (o.trace) out.trace = o.trace;
  if (o.topology) out.topology = o.topology;
  return out;
}

function checkLayout(spec: ScenarioFile, topology: Topology, model: ModelPreset, problems: Problem[]): void {
  const gpus = gpuCount(topology);
  const { ep, attention } = spec.parallel;
  if (gpus % ep !== 0) problems.push({ path: ['parallel', 'ep'], message: `must divide the number of GPUs (${gpus} in ${topology.name}); got ${ep}` });
  const { placement, redundantExperts } = spec.parallel;
  if (redundantExperts > 0 && placement !== 'load-aware') {
    problems.push({ path: ['parallel', 'redundantExperts'], message: 'redundant experts need "placement: load-aware"' });
  } else if (spec.workload.phase === 'train' && model.moe.ffnExperts % ep !== 0) {
    // Training's gradient sync shards each GPU's N / ep experts: no redundant slots there.
    problems.push({ path: ['parallel', 'ep'], message: `must divide the ${model.moe.ffnExperts} FFN experts of ${model.name} in training (each GPU hosts the same number); got ${ep}` });
  } else {
    const slots = expertSlotsProblem(model.moe.ffnExperts, ep, redundantExperts, placement);
    if (slots) problems.push({ path: slots.path.split('.'), message: slots.message });
    else if (placement === 'load-aware') {
      const tooMany = redundantSlotsProblem(model.moe.ffnExperts, ep, redundantExperts);
      if (tooMany) problems.push({ path: ['parallel', 'redundantExperts'], message: tooMany });
    }
  }
  const tp = attention.tp;
  // A TP group is consecutive GPUs: part of one node (NVLink), or whole nodes (its all-reduce then
  // runs NCCL's two levels, NVLink inside each node and the NICs across them).
  const perNode = topology.gpusPerNode;
  if (perNode % tp !== 0 && (tp % perNode !== 0 || gpus % tp !== 0)) {
    problems.push({ path: ['parallel', 'attention', 'tp'], message: `must divide the ${perNode} GPUs of a node, or be whole nodes (a multiple of ${perNode} that divides the ${gpus} GPUs); got ${tp}` });
  }
  const dp = attention.dp ?? defaultDp(spec, gpus);
  const w0 = spec.workload;
  if (w0.phase === 'train') {
    // Training: every pipeline stage holds gpus / stages GPUs, split dp x cp x tp.
    const stages = w0.pipelineStages;
    const cp = spec.parallel.cp;
    if (dp * cp * tp * stages !== gpus) {
      problems.push({ path: ['parallel', 'attention'], message: `dp x cp x tp x pipelineStages must equal the number of GPUs (${gpus}); got ${dp} x ${cp} x ${tp} x ${stages} = ${dp * cp * tp * stages}` });
    }
  } else if (dp * tp !== gpus) problems.push({ path: ['parallel', 'attention'], message: `dp x tp must equal the number of GPUs (${gpus}); got ${dp} x ${tp} = ${dp * tp}` });
  if (spec.parallel.cp > 1 && w0.phase !== 'train') problems.push({ path: ['parallel', 'cp'], message: `context parallelism is modelled for training only; got cp ${spec.parallel.cp} in the ${w0.phase} phase` });
  if (spec.commSms !== undefined && spec.commSms >= topology.gpu.sms) {
    problems.push({ path: ['commSms'], message: `must be below the GPU's ${topology.gpu.sms} SMs; got ${spec.commSms}` });
  }
  checkWorkloadShape(spec, topology, model, problems);
}

/** dp when the file does not pin it: the GPUs left after tp (and, in training, cp and the pipeline stages). */
function defaultDp(spec: ScenarioFile, gpus: number): number {
  const w = spec.workload;
  const tp = spec.parallel.attention.tp;
  return w.phase === 'train' ? gpus / (tp * spec.parallel.cp * w.pipelineStages) : gpus / tp;
}

/** Rules on sequence lengths, pipeline shapes and MTP that span the workload and the model. */
function checkWorkloadShape(spec: ScenarioFile, topology: Topology, model: ModelPreset, problems: Problem[]): void {
  const w = spec.workload;
  const gpus = gpuCount(topology);
  if (w.phase === 'prefill' && w.sequenceTokens !== undefined && (w.sequenceTokens > w.tokensPerGpu || w.tokensPerGpu % w.sequenceTokens !== 0)) {
    problems.push({ path: ['workload', 'sequenceTokens'], message: `must divide tokensPerGpu (${w.tokensPerGpu}): a GPU prefills whole sequences; got ${w.sequenceTokens}` });
  }
  if (w.phase === 'decode' && w.mtp && w.mtp.draftTokens > 0 && !model.mtp) {
    problems.push({ path: ['workload', 'mtp'], message: `model '${model.name}' has no MTP draft head (its config has no next-token-prediction layer); remove "mtp"` });
  }
  if (w.phase === 'a2a' && w.topk > w.experts) problems.push({ path: ['workload', 'topk'], message: `at most the ${w.experts} experts (top-k picks distinct experts); got ${w.topk}` });
  if (w.phase !== 'train') return;
  const stages = w.pipelineStages;
  const at = (key: string) => ['workload', key];
  if (stages > model.layers) problems.push({ path: at('pipelineStages'), message: `at most the model's ${model.layers} layers; got ${stages}` });
  if (gpus % stages !== 0) problems.push({ path: at('pipelineStages'), message: `must divide the number of GPUs (${gpus}): each stage has its own GPUs; got ${stages}` });
  else if ((gpus / stages) % spec.parallel.ep !== 0) {
    problems.push({ path: ['parallel', 'ep'], message: `must divide the ${gpus / stages} GPUs of a pipeline stage (${gpus} GPUs / ${stages} stages); got ${spec.parallel.ep}` });
  }
  const cp = spec.parallel.cp;
  const seq = w.sequenceTokens ?? w.tokensPerMicrobatch * cp;
  if ((w.tokensPerMicrobatch * cp) % seq !== 0 || seq % cp !== 0) {
    problems.push({ path: at('sequenceTokens'), message: `must divide tokensPerMicrobatch x cp (${w.tokensPerMicrobatch * cp}) and be a multiple of cp (${cp}); got ${seq}` });
  }
  const m = w.gradientAccumulation;
  if (w.pipelineSchedule === 'v-zb' && 2 * stages > model.layers) {
    problems.push({ path: at('pipelineSchedule'), message: `v-zb splits the model into 2 x pipelineStages = ${2 * stages} chunks; ${model.name} has ${model.layers} layers` });
  }
  if (w.pipelineSchedule === 'dualpipe' && (stages % 2 !== 0 || m % 2 !== 0)) {
    problems.push({ path: at('pipelineSchedule'), message: `dualpipe feeds half the micro-batches from each end: pipelineStages and gradientAccumulation must be even; got ${stages} and ${m}` });
  }
}

function defaultSchedules(spec: ScenarioFile, model: ModelPreset): ScheduleName[] {
  return SCHEDULE_NAMES.filter((name) => !scheduleRefusal({ model, workload: toWorkload(spec) }, name));
}

function toWorkload(spec: ScenarioFile): Workload {
  return spec.workload as Workload;
}

/** A preset name stays a name; a path is tried next to the scenario file, then under the project. */
function resolveTopologyName(name: string, scenarioFile: string): string {
  if (!/[\\/]/.test(name) && !/\.ya?ml$/i.test(name)) return name;
  const tried = candidatePaths(name, scenarioFile);
  return display(tried.find((p) => existsSync(p)) ?? tried[0]!);
}

function candidatePaths(path: string, scenarioFile: string): string[] {
  if (isAbsolute(path)) return [path];
  const nextToScenario = resolve(dirname(scenarioFile), path);
  const underProject = join(PROJECT_ROOT, path);
  return nextToScenario === underProject ? [nextToScenario] : [nextToScenario, underProject];
}

/** The path with symlinks resolved where it exists, else resolved lexically. */
function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function messageOf(e: unknown): string {
  if (e instanceof UserInputError) return e.issues.map((i) => formatIssue({ ...i, path: i.path })).join('; ');
  return e instanceof Error ? e.message : String(e);
}
