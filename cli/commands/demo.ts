// `epsim demo` (what `npm start` runs): the embedded default end to end. Train the tiny model on
// the bundled corpus (or reuse runs/tiny), trace it, run scenarios/default.yaml on that fresh trace
// with every schedule, print the comparison table, then serve the dashboard.
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ensureDefaultModel } from '../../model/index.ts';
import { comparisonTable } from '../../sim/output/index.ts';
import { writeDirAtomically } from '../../sim/output/index.ts';
import { loadScenario, PROJECT_ROOT } from '../../sim/scenario/index.ts';
import { runFiles, runScenario } from '../../sim/scenario/index.ts';
import type { CliIo } from '../index.ts';
import { startServer } from '../../web/index.ts';
import { waitForSignal } from './serve.ts';
import { createTrainReporter, parseIntOption } from './train.ts';

export function registerDemo(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('train (or reuse) the tiny model, trace it, run the default scenario and serve the dashboard (npm start)')
    .option('--no-serve', 'stop after printing the table')
    .option('--port <port>', 'dashboard port', '8080')
    .option('--runs <dir>', 'where the model is trained and traced', 'runs')
    .action(async (options: { serve: boolean; port: string; runs: string }) => {
      const port = parseIntOption('--port', options.port, 0)!;
      io.out('1/3 model: the tiny LongCat-style MoE on the bundled corpus\n');
      const reporter = createTrainReporter(io, Boolean(process.stderr.isTTY));
      const model = await ensureDefaultModel({ runsDir: options.runs, log: (line) => io.out(`  ${line}\n`), onTrainEvent: reporter.onEvent });
      reporter.stop();

      io.out(`2/3 simulate: scenarios/default.yaml with the routing trace ${model.tracePath}\n`);
      const scenario = await loadScenario(join(PROJECT_ROOT, 'scenarios', 'default.yaml'), { trace: resolve(model.tracePath) });
      const out = runScenario(scenario);
      const dir = join('results', scenario.spec.name);
      writeDirAtomically(dir, runFiles(out));
      io.out(`\n${comparisonTable(out.result)}\nrouting: ${scenario.routing.description}\nwrote ${dir}/\n\n`);

      if (!options.serve) return;
      io.out('3/3 dashboard\n');
      const server = await startServer({ port, host: '127.0.0.1', resultsDir: 'results', scenariosDir: join(PROJECT_ROOT, 'scenarios') });
      io.out(`dashboard: ${server.url}  (Ctrl-C to stop)\n`);
      await waitForSignal();
      await server.close();
    });
}
