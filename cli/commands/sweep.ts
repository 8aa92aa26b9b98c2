// `epsim sweep SCENARIO.yaml [--ep 8,16,32] [--max-points N] [--threads N | --queue redis://HOST:PORT] [--out DIR]`:
// every point of the scenario's `sweep:` axes, on worker threads or on a job queue that
// `epsim worker` processes serve, then the table, the frontier, the answer to the targets, and
// sweep.json + sweep.csv written atomically.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { readInputText, UsageError } from '../../sim/core/index.ts';
import { writeDirAtomically } from '../../sim/output/index.ts';
import { DEFAULT_MAX_POINTS, describeProduct, label, planSweep, queueExecutor, runSweep, sweepFiles, sweepReport, threadExecutor, toSweepFile } from '../../sim/scenario/index.ts';
import type { CliIo } from '../index.ts';

interface SweepOptions {
  ep?: string;
  out?: string;
  maxPoints?: string;
  threads?: string;
  queue?: string;
}

export function registerSweep(program: Command, io: CliIo): void {
  program
    .command('sweep')
    .description("run every point of the scenario's sweep: axes (any scenario key), print the frontier and the answer to its targets")
    .argument('<scenario>', 'scenario YAML file')
    .option('--ep <sizes>', "comma-separated EP group sizes (replaces the sweep's parallel.ep axis)")
    .option('--max-points <n>', `refuse sweeps larger than this (default ${DEFAULT_MAX_POINTS})`)
    .option('--threads <n>', 'worker threads (default: one per core)')
    .option('--queue <url>', 'put the points on a BullMQ queue in Redis (redis://HOST:PORT) for `epsim worker` processes')
    .option('--out <dir>', 'output folder (default results/<scenario name>/)')
    .action(async (file: string, options: SweepOptions) => {
      if (options.queue && options.threads) throw new UsageError('--threads and --queue exclude each other: queue workers choose their own concurrency');
      const text = readScenario(file);
      const plan = await planSweep(text, file, {
        ...(options.ep ? { cliEp: parseList(options.ep, '--ep') } : {}),
        ...(options.maxPoints ? { maxPoints: parseCount(options.maxPoints, '--max-points') } : {}),
      });
      const threads = options.threads ? parseCount(options.threads, '--threads') : cpus().length;
      const where = options.queue ? `on the queue at ${options.queue}` : `on ${threads} worker thread${threads === 1 ? '' : 's'}`;
      const runnable = plan.points.filter((p) => p.text !== undefined).length;
      io.out(`${plan.name}: ${plan.points.length} points (${describeProduct(plan.axes)})${runnable < plan.points.length ? `, ${plan.points.length - runnable} of them cannot run` : ''}, ${where}\n`);
      // Ctrl-C during a queue sweep takes its waiting points off the queue, so workers do not run them for nobody.
      const stopped = new AbortController();
      const onSigint = () => stopped.abort();
      if (options.queue) process.once('SIGINT', onSigint);
      const executor = options.queue ? queueExecutor({ url: options.queue, onWaiting: (m) => io.err(`${m}\n`), signal: stopped.signal }) : threadExecutor(threads);
      // cli-progress draws on stderr: a bar only when that is a terminal, a few plain lines in logs and pipes.
      const total = plan.points.length;
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'sweep [{bar}] {value}/{total} points | ETA {eta_formatted} | {last}', hideCursor: true }, Presets.shades_classic) : undefined;
      bar?.start(total, 0, { last: '' });
      const every = Math.max(1, Math.ceil(total / 20));
      const shape = { axes: plan.axes };
      const started = performance.now();
      const points = await runSweep(plan, {
        executor,
        onPoint: ({ point, done }) => {
          if (bar) bar.update(done, { last: label(shape, point) });
          else if (done % every === 0 || done === total) io.out(`  [${done}/${total}] ${label(shape, point)}\n`);
        },
      }).finally(() => {
        bar?.stop();
        process.off('SIGINT', onSigint);
      });
      const sweep = toSweepFile(plan, points);
      const dir = options.out ?? join('results', plan.name);
      writeDirAtomically(dir, sweepFiles(sweep));
      const seconds = (performance.now() - started) / 1000;
      io.out(`\n${sweepReport(sweep)}\nran ${runnable} point${runnable === 1 ? '' : 's'} in ${seconds.toFixed(1)} s; wrote ${join(dir, 'sweep.json')} and sweep.csv\n`);
    });
}

/** The scenario's text by the one input reader (a bounded regular file, else a UsageError naming it). */
function readScenario(file: string): string {
  return readInputText(file, 'yaml', { label: `scenario file "${file}"` });
}

function parseList(text: string, option: string): number[] {
  return text.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option}: expected comma-separated positive integers, got "${text}"`);
    return n;
  });
}

function parseCount(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option}: expected a positive integer, got "${text}"`);
  return n;
}
