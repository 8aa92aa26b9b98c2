// `epsim run SCENARIO.yaml [--out DIR] [--schedule NAME ...] [--json] [--threads N] [--trace-gpus LIST]`: simulate every schedule of
// a scenario, print the comparison table and write result.json, timeline.json, trace.chrome.json.
import { statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { closestOption, UsageError } from '../../sim/core/index.ts';
import { TRACE_ALL_GPUS_UP_TO, comparisonTable, describeGpusOf, parseTraceGpus, stragglerTable } from '../../sim/output/index.ts';
import { gpuCount } from '../../sim/hardware/index.ts';
import { checkWritableDir, writeDirAtomically } from '../../sim/output/index.ts';
import { loadScenario, type ResolvedScenario } from '../../sim/scenario/index.ts';
import { runFileNames, runFiles, runTraceGpus, runScenario, runScenarioAdaptively, runScenarioOnWorkers, WORKERS_EARLY_BUILD_MS, WORKERS_PAY_OFF_MS, type RunOutput, type RunProgress, type ScenarioSource } from '../../sim/scenario/index.ts';
import { SCHEDULE_NAMES, type ScheduleName } from '../../sim/core/index.ts';
import type { CliIo } from '../index.ts';
import { describeStep, terminalStatusLine, type StatusLine } from './status-line.ts';

export function registerRun(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('simulate every schedule of a scenario and compare them')
    .argument('<scenario>', 'scenario YAML file')
    .option('--out <dir>', 'output folder (default results/<scenario name>/)')
    .option('--schedule <name...>', `only these schedules, space- or comma-separated (${SCHEDULE_NAMES.join(', ')})`)
    .option('--json', 'print result.json to stdout instead of the table')
    .option('--threads <n>', 'worker threads, one schedule each (default: this thread, the rest on one worker per core once a graph takes 2 s to build or a schedule 5 s)')
    .option(
      '--trace-gpus <list>',
      `GPUs in trace.chrome.json: "all", or ids and ranges like 0-7,150 (default: all up to ${TRACE_ALL_GPUS_UP_TO} GPUs; above, the first node and each schedule's 3 slowest GPUs)`,
    )
    .action(async (file: string, options: { out?: string; schedule?: string[]; json?: boolean; threads?: string; traceGpus?: string }) => {
      const schedules = options.schedule ? parseSchedules(options.schedule) : undefined;
      const threadsAsked = options.threads === undefined ? undefined : parseThreads(options.threads);
      const overrides = schedules ? { schedules, schedulesFrom: '--schedule' } : {};
      const scenario = await loadScenario(file, overrides);
      // Checked against the cluster before the simulation, not after it.
      const traceGpus = options.traceGpus === undefined ? undefined : parseTraceGpusOption(options.traceGpus, gpuCount(scenario.topology));
      const log = (line: string) => (options.json ? io.err : io.out)(`${line}\n`);
      // What runs now, on one line of a terminal's stderr (nothing in logs and pipes).
      const status = terminalStatusLine(io.err);
      const { out, dir, gpusInTrace } = await simulateAndWrite(scenario, { file, overrides }, { log, threads: threadsAsked, out: options.out, status, traceGpus });
      if (options.json) {
        io.out(`${JSON.stringify(out.result, null, 2)}\n`);
        return;
      }
      io.out(runReport(out, dir, gpusInTrace));
    });
}

/**
 * Simulates every schedule (on worker threads where schedules take seconds), logging each one as
 * it finishes, and writes the run's files into `out` (default results/<scenario>/).
 */
export async function simulateAndWrite(
  scenario: ResolvedScenario,
  source: ScenarioSource,
  options: { log: (line: string) => void; threads?: number; out?: string; status?: StatusLine; traceGpus?: 'all' | number[] },
): Promise<{ out: RunOutput; dir: string; gpusInTrace: number[] | undefined }> {
  const status = options.status;
  const log = status ? (line: string) => status.log(options.log, line) : options.log;
  // Asked for threads: every schedule on them. Otherwise in this thread, the rest going to
  // workers once a schedule shows they pay off (runScenarioAdaptively).
  const asked = options.threads === undefined ? undefined : Math.min(options.threads, scenario.schedules.length);
  options.log(
    `${scenario.spec.name}: ${scenario.spec.workload.phase} of ${scenario.model.name} on ${scenario.topology.name}, EP ${scenario.input.parallel.ep}; ` +
      `network: ${scenario.input.networkModel ?? 'fluid'} model, ${allToAllLabel(scenario.input.topology.comm)}` +
      (asked !== undefined && asked > 1 ? ` (${asked} worker threads)` : ''),
  );
  const dir = options.out ?? join('results', scenario.spec.name);
  checkWritableDir(dir); // before the simulation, not after it
  const onProgress = (p: RunProgress) => {
    if (p.step) status?.set(p.schedule, describeStep(p.step));
    if (p.wallMs === undefined) return;
    status?.delete(p.schedule);
    log(`  ${p.schedule} simulated in ${(p.wallMs / 1000).toFixed(2)} s (${p.done}/${p.total})`);
    if (p.done === p.total) status?.set('files', 'summarizing and writing');
  };
  const onWorkers = (threads: number, left: number, why: 'build' | 'step') =>
    log(
      `  the other ${left === 1 ? 'schedule' : `${left} schedules`} on ${threads === 1 ? 'a worker thread' : `${threads} worker threads`} ` +
        (why === 'build' ? `(a graph took ${WORKERS_EARLY_BUILD_MS / 1000} s or more to build)` : `(one took ${WORKERS_PAY_OFF_MS / 1000} s or more)`),
    );
  try {
    const out =
      asked === undefined
        ? await runScenarioAdaptively(scenario, source, cpus().length, { onProgress, onWorkers })
        : asked > 1
          ? await runScenarioOnWorkers(scenario, source, asked, { onProgress })
          : runScenario(scenario, { onProgress });
    writeDirAtomically(dir, runFiles(out, options.traceGpus));
    const gpusInTrace = runTraceGpus(out, options.traceGpus);
    return { out, dir, gpusInTrace };
  } finally {
    // Cleared also when a schedule fails, so the error starts on a clean line.
    status?.stop();
  }
}

/**
 * What `epsim run` prints after simulating: the table, the stragglers, the routing, the files
 * (`gpusInTrace`: the GPUs trace.chrome.json holds, if not all).
 */
export function runReport(out: RunOutput, dir: string, gpusInTrace?: readonly number[]): string {
  const stragglers = stragglerTable(out.result);
  const note = (name: string) => {
    const parts = [sizeNote(join(dir, name))];
    if (name === 'trace.chrome.json' && gpusInTrace) parts.push(traceGpusNote(gpusInTrace, gpuCount(out.chrome[1])));
    const text = parts.filter((p) => p !== '').join('; ');
    return text === '' ? '' : ` (${text})`;
  };
  return [
    '',
    comparisonTable(out.result),
    ...(stragglers.length > 0 ? ['', ...stragglers] : []),
    '',
    `routing: ${out.result.trace.description}`,
    `wrote ${join(dir, 'result.json')}, ${runFileNames(out).slice(1).map((name) => name + note(name)).join(', ')} (open trace.chrome.json in https://ui.perfetto.dev)`,
    '',
  ].join('\n');
}

/** "424 MB" for a file of 10 MB or more (a 1,024-GPU run's timelines are tens to hundreds), else "". */
export function sizeNote(path: string): string {
  let bytes: number;
  try {
    bytes = statSync(path).size;
  } catch {
    return '';
  }
  return bytes >= 10e6 ? `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB` : '';
}

/** Which GPUs a partial trace holds, and how to get them all. */
export function traceGpusNote(gpus: readonly number[], of: number): string {
  return `GPUs ${describeGpusOf(gpus, of)}; --trace-gpus all for every GPU`;
}

function parseTraceGpusOption(text: string, gpus: number): 'all' | number[] {
  const parsed = parseTraceGpus(text, gpus);
  if ('error' in parsed) throw new UsageError(`--trace-gpus: ${parsed.error}`);
  return parsed.ok;
}

/** `--schedule tbo scmoe-sbo` and `--schedule tbo,scmoe-sbo` both work; repeats are dropped. */
function parseSchedules(values: string[]): ScheduleName[] {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (names.length === 0) throw new UsageError(`--schedule: no schedule named in "${values.join(' ')}"; schedules: ${SCHEDULE_NAMES.join(', ')}`);
  for (const name of names) {
    if (!(SCHEDULE_NAMES as readonly string[]).includes(name)) throw new UsageError(`--schedule: unknown schedule '${name}'${closestOption(name, SCHEDULE_NAMES)}; schedules: ${SCHEDULE_NAMES.join(', ')}`);
  }
  return [...new Set(names)] as ScheduleName[];
}

function parseThreads(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--threads: expected a positive integer, got "${text}"`);
  return n;
}

/** The exchange kernels a run uses, as the header names them (docs/ep-kernels.md). */
function allToAllLabel(comm: { allToAll: string; intraNode?: string }): string {
  const path = comm.allToAll === 'deepep-ll' ? ` (same-node peers over ${comm.intraNode === 'rdma' ? 'RDMA' : 'NVLink'})` : '';
  return `${comm.allToAll} all-to-all${path}`;
}
