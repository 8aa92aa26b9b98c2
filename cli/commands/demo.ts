// `epsim demo` (what `npm start` runs): epsim's question answered end to end. Train the tiny model
// on the bundled corpus (or reuse runs/tiny) and trace it; run the tiny model on its own 2-node
// cluster (scenarios/default.yaml); then the real question: that routing fitted onto
// LongCat-Flash on 128 H800s with every decode schedule (scenarios/longcat-decode-tiny-routing.yaml,
// on worker threads); print both tables and serve the dashboard opened on the real-size result.
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadScenario, PROJECT_ROOT } from '../../sim/scenario/index.ts';
import type { CliIo } from '../index.ts';
import { parseIntOption } from './options.ts';
import { runReport, simulateAndWrite } from './run.ts';
import { waitForSignal } from './serve.ts';
import { createTrainReporter } from './train.ts';
import { terminalStatusLine } from './status-line.ts';

/** The scenario the dashboard opens on: the routing `npm start` just traced, at LongCat-Flash's size. */
export const FIRST_SCREEN_SCENARIO = 'longcat-decode-tiny-routing';

export function registerDemo(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('train (or reuse) the tiny model, trace it, simulate its routing on LongCat-Flash x 128 H800s, serve the dashboard (npm start)')
    .option('--no-serve', 'stop after printing the tables')
    .option('--port <port>', 'dashboard port', '8080')
    .option('--runs <dir>', 'where the model is trained and traced', 'runs')
    .option('--threads <n>', "worker threads for the 128-GPU run (default: epsim run's)")
    .action(async (options: { serve: boolean; port: string; runs: string; threads?: string }) => {
      const port = parseIntOption('--port', options.port, 0)!;
      const threads = parseIntOption('--threads', options.threads, 1);
      io.out('1/4 model: the tiny LongCat-style MoE on the bundled corpus\n');
      // model/ (TensorFlow.js) and web/ (Express) are loaded when the demo runs, not to register it.
      const { ensureDefaultModel } = await import('../../model/index.ts');
      const reporter = createTrainReporter(io, Boolean(process.stderr.isTTY));
      const model = await ensureDefaultModel({ runsDir: options.runs, log: (line) => reporter.say(`  ${line}`), onTrainEvent: reporter.onEvent });
      reporter.stop();
      const trace = resolve(model.tracePath);
      const log = (line: string) => io.out(`  ${line}\n`);

      io.out(`\n2/4 the tiny model on its own 2 H800 nodes (scenarios/default.yaml), routing from ${model.tracePath}\n`);
      const tinyFile = join(PROJECT_ROOT, 'scenarios', 'default.yaml');
      const tiny = await simulateAndWrite(await loadScenario(tinyFile, { trace }), { file: tinyFile, overrides: { trace } }, { log, threads: 1 });
      io.out(runReport(tiny.out, tiny.dir, tiny.gpusInTrace));

      io.out(`\n3/4 the question at real size: that routing fitted onto LongCat-Flash on 128 H800s (scenarios/${FIRST_SCREEN_SCENARIO}.yaml)\n`);
      const bigFile = join(PROJECT_ROOT, 'scenarios', `${FIRST_SCREEN_SCENARIO}.yaml`);
      const status = terminalStatusLine(io.err);
      const big = await simulateAndWrite(await loadScenario(bigFile, { trace }), { file: bigFile, overrides: { trace } }, { log, status, ...(threads ? { threads } : {}) });
      io.out(runReport(big.out, big.dir, big.gpusInTrace));

      if (!options.serve) return;
      const { startServer } = await import('../../web/index.ts');
      const server = await startServer({ port, host: '127.0.0.1', resultsDir: 'results', scenariosDir: join(PROJECT_ROOT, 'scenarios') });
      io.out(`\n4/4 dashboard: ${server.url}?result=${FIRST_SCREEN_SCENARIO}  (the tiny model's run is "default" in its list; Ctrl-C to stop)\n`);
      await waitForSignal();
      await server.close();
    });
}
