// Reads a scenario file, validates it against the schema and every cross-key rule, and resolves
// what it names (topology, trace, model preset, routing source) into one StepInput per schedule.
// Every problem is a ConfigError at its key's line and column; all of them are collected.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Topology } from '../hardware/index.ts';
import { gpuCount } from '../hardware/index.ts';
import { configErrorAt, parseYaml } from '../core/index.ts';
import { UsageError, UserInputError, formatIssue } from '../core/index.ts';
import type { ModelPreset } from '../models/index.ts';
import { moeLayerCount, presetByName, tracedPreset } from '../models/index.ts';
import type { RoutingSource } from '../replay/index.ts';
import { randomRoutingSource } from '../replay/index.ts';
import { uniformRoutingSource } from '../replay/index.ts';
import { DEFAULT_RECOMPUTE_FRACTION, scheduleRefusal } from '../step/index.ts';
import { a2aModel } from '../schedules/index.ts';
import { SCHEDULE_NAMES, type ScheduleName, type Workload } from '../core/index.ts';
import type { StepInput } from '../schedules/index.ts';
import type { RoutingTrace } from '../trace/index.ts';
import { loadTopologyCached, readTraceCached, traceRoutingSourceCached } from './load-cache.ts';
import { scenarioSchema, type ScenarioFile } from './schema.ts';

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
  /** Replace the trace path (npm start traces a freshly trained model). */
  trace?: string;
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read scenario file "${file}" (${readFailure(error)})`, file);
  }
  return resolveScenarioText(text, file, overrides);
}

/** Same as loadScenario for YAML text already in memory (the dashboard posts it). */
export async function resolveScenarioText(text: string, file: string, overrides: ScenarioOverrides = {}): Promise<ResolvedScenario> {
  const parsed = parseYaml(text, file, scenarioSchema);
  const spec = applyOverrides(parsed, overrides);
  const problems: Problem[] = [];
  const fail = (): never => {
    throw configErrorAt(text, file, problems);
  };

  const allowed = (path: string) => !overrides.allowedDirs || overrides.allowedDirs.some((dir) => isInside(resolve(path), resolve(dir)));
  const refuse = (key: string, path: string) =>
    problems.push({ path: [key], message: `"${path}" is outside the folders this server reads (${overrides.allowedDirs!.map(display).join(', ')}); use a preset name or a file there` });

  let topology: Topology | undefined;
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

  const phase = spec.workload.phase;
  if (phase !== 'a2a' && !spec.model) problems.push({ path: ['workload', 'phase'], message: `the ${phase} phase needs a model: add "model: longcat-flash | deepseek-v3 | traced"` });
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
    routing = uniformRoutingSource({ layers: shape.modelLayers, ffnExperts: shape.ffnExperts, zeroExperts: shape.zeroExperts, topk: shape.topk });
  } else {
    try {
      routing = traceRoutingSourceCached(trace.trace, { mapping: spec.traceMapping, model: shape, file: trace.file, seed: spec.seed });
    } catch (e) {
      problems.push({ path: ['traceMapping'], message: messageOf(e) });
      fail();
    }
  }

  const topo = spec.network?.allToAll ? { ...topology!, comm: { ...topology!.comm, allToAll: spec.network.allToAll } } : topology!;
  const gpus = gpuCount(topo);
  const input: StepInput = {
    model,
    topology: topo,
    parallel: {
      ep: spec.parallel.ep,
      attention: { dp: spec.parallel.attention.dp ?? gpus / spec.parallel.attention.tp, tp: spec.parallel.attention.tp },
      placement: spec.parallel.placement,
      redundantExperts: spec.parallel.redundantExperts,
    },
    workload: toWorkload(spec),
    precision: spec.precision,
    commSms: spec.commSms ?? topo.comm.sms,
    routing: routing!,
    seed: spec.seed,
    costUsdPerGpuHour: spec.costUsdPerGpuHour,
    recomputeFraction: spec.network?.recomputeFraction ?? DEFAULT_RECOMPUTE_FRACTION,
  };
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
  if (o.schedules) out.schedules = o.schedules;
  if (o.trace) out.trace = o.trace;
  if (o.topology) out.topology = o.topology;
  return out;
}

function checkLayout(spec: ScenarioFile, topology: Topology, model: ModelPreset, problems: Problem[]): void {
  const gpus = gpuCount(topology);
  const { ep, attention } = spec.parallel;
  if (gpus % ep !== 0) problems.push({ path: ['parallel', 'ep'], message: `must divide the number of GPUs (${gpus} in ${topology.name}); got ${ep}` });
  if (model.moe.ffnExperts % ep !== 0) {
    problems.push({ path: ['parallel', 'ep'], message: `must divide the ${model.moe.ffnExperts} FFN experts of ${model.name} (each GPU hosts the same number); got ${ep}` });
  }
  if (spec.parallel.redundantExperts > 0 && spec.parallel.placement !== 'load-aware') {
    problems.push({ path: ['parallel', 'redundantExperts'], message: 'redundant experts need "placement: load-aware"' });
  }
  const tp = attention.tp;
  if (topology.gpusPerNode % tp !== 0) problems.push({ path: ['parallel', 'attention', 'tp'], message: `must divide the ${topology.gpusPerNode} GPUs of a node (TP stays on NVLink); got ${tp}` });
  const dp = attention.dp ?? gpus / tp;
  if (dp * tp !== gpus) problems.push({ path: ['parallel', 'attention'], message: `dp x tp must equal the number of GPUs (${gpus}); got ${dp} x ${tp} = ${dp * tp}` });
  if (spec.commSms !== undefined && spec.commSms >= topology.gpu.sms) {
    problems.push({ path: ['commSms'], message: `must be below the GPU's ${topology.gpu.sms} SMs; got ${spec.commSms}` });
  }
  const w = spec.workload;
  if (w.phase === 'train' && w.pipelineStages > model.layers) {
    problems.push({ path: ['workload', 'pipelineStages'], message: `at most the model's ${model.layers} layers; got ${w.pipelineStages}` });
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

/** Why a file could not be read, in words (not an errno code). */
function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES') return 'permission denied';
  return code ?? String(error);
}
