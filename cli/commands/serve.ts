// `epsim serve [--port 8080] [--results DIR] [--host 127.0.0.1] [--topologies DIR]`: the dashboard over a
// results folder; --topologies names a folder of the user's own topology files the page may run on.
import { join } from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../../sim/scenario/index.ts';
import type { CliIo } from '../index.ts';
import { parseIntOption } from './options.ts';

export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('serve the dashboard (timelines, sweeps, routing) over a results folder')
    .option('--port <port>', 'port', '8080')
    .option('--host <host>', 'address to bind (loopback by default)', '127.0.0.1')
    .option('--results <dir>', 'results folder', 'results')
    .option('--max-jobs <n>', 'runs the page may start at once', '2')
    .option('--topologies <dir>', 'a folder of your own topology YAML files that runs started from the page may use')
    .action(async (options: { port: string; host: string; results: string; maxJobs: string; topologies?: string }) => {
      const port = parseIntOption('--port', options.port, 0)!;
      const maxJobs = parseIntOption('--max-jobs', options.maxJobs, 1)!;
      // web/ loads Express: only when the command runs, not to register it.
      const { startServer } = await import('../../web/index.ts');
      const server = await startServer({
        port,
        host: options.host,
        resultsDir: options.results,
        scenariosDir: join(PROJECT_ROOT, 'scenarios'),
        maxJobs,
        ...(options.topologies ? { topologiesDir: options.topologies } : {}),
      });
      io.out(`dashboard: ${server.url}  (results from ${options.results}/; Ctrl-C to stop)\n`);
      await waitForSignal();
      await server.close();
    });
}

export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
