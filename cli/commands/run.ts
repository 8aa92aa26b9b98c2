// `epsim run SCENARIO.yaml [--out DIR] [--schedule NAME ...] [--json] [--threads N]`: simulate every schedule of
// a scenario, print the comparison table and write result.json, timeline.json, trace.chrome.json.
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { gpuCount } from '../../sim/hardware/index.ts';
import { UsageError } from '../../sim/core/index.ts';
import { comparisonTable, stragglerTable } from '../../sim/output/index.ts';
import { writeDirAtomically } from '../../sim/output/index.ts';
import { loadScenario } from '../../sim/scenario/index.ts';
import { runFiles, runScenario, runScenarioOnWorkers, type RunProgress } from '../../sim/scenario/index.ts';
import { SCHEDULE_NAMES, type ScheduleName } from '../../sim/core/index.ts';
import type { CliIo } from '../index.ts';

export function registerRun(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('simulate every schedule of a scenario and compare them')
    .argument('<scenario>', 'scenario YAML file')
    .option('--out <dir>', 'output folder (default results/<scenario name>/)')
    .option('--schedule <name...>', `only these schedules, space- or comma-separated (${SCHEDULE_NAMES.join(', ')})`)
    .option('--json', 'print result.json to stdout instead of the table')
    .option('--threads <n>', 'worker threads, one schedule each (default: one per core for 64+ GPUs, else 1)')
    .action(async (file: string, options: { out?: string; schedule?: string[]; json?: boolean; threads?: string }) => {
      const schedules = options.schedule ? parseSchedules(options.schedule) : undefined;
      const threadsAsked = options.threads === undefined ? undefined : parseThreads(options.threads);
      const overrides = schedules ? { schedules } : {};
      const scenario = await loadScenario(file, overrides);
      const log = (line: string) => (options.json ? io.err : io.out)(`${line}\n`);
      // A worker costs about a second to start; it pays off where one schedule takes seconds.
      const threads = Math.min(threadsAsked ?? (gpuCount(scenario.topology) >= 64 ? cpus().length : 1), scenario.schedules.length);
      log(
        `${scenario.spec.name}: ${scenario.spec.workload.phase} of ${scenario.model.name} on ${scenario.topology.name}, EP ${scenario.input.parallel.ep}` +
          (threads > 1 ? ` (${threads} worker threads)` : ''),
      );
      const onProgress = (p: RunProgress) => {
        if (p.wallMs !== undefined) log(`  ${p.schedule} simulated in ${(p.wallMs / 1000).toFixed(2)} s (${p.done}/${p.total})`);
      };
      const out = threads > 1 ? await runScenarioOnWorkers(scenario, { file, overrides }, threads, { onProgress }) : runScenario(scenario, { onProgress });
      const dir = options.out ?? join('results', scenario.spec.name);
      writeDirAtomically(dir, runFiles(out));
      if (options.json) {
        io.out(`${JSON.stringify(out.result, null, 2)}\n`);
        return;
      }
      io.out(`\n${comparisonTable(out.result)}\n`);
      const stragglers = stragglerTable(out.result);
      if (stragglers.length > 0) io.out(`\n${stragglers.join('\n')}\n\n`);
      io.out(`routing: ${scenario.routing.description}\n`);
      io.out(`wrote ${join(dir, 'result.json')}, ${Object.keys(runFiles(out)).slice(1).join(', ')} (open trace.chrome.json in https://ui.perfetto.dev)\n`);
    });
}

/** `--schedule tbo scmoe-sbo` and `--schedule tbo,scmoe-sbo` both work; repeats are dropped. */
function parseSchedules(values: string[]): ScheduleName[] {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  for (const name of names) {
    if (!(SCHEDULE_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown schedule '${name}'; schedules: ${SCHEDULE_NAMES.join(', ')}`);
  }
  return [...new Set(names)] as ScheduleName[];
}

function parseThreads(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--threads: expected a positive integer, got "${text}"`);
  return n;
}
