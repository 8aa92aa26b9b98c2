// `epsim worker --queue redis://HOST:PORT [--concurrency N] [--lock-seconds S]`: serve the points
// that `epsim sweep --queue` puts on the queue, until stopped (Ctrl-C or SIGTERM: the points in
// progress finish first). Start one per machine, as many machines as you like.
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../../sim/core/index.ts';
import { checkQueueUrl, startQueueWorker } from '../../sim/scenario/index.ts';
import type { CliIo } from '../index.ts';

export function registerWorker(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('run sweep points from a BullMQ queue in Redis (for epsim sweep --queue)')
    .requiredOption('--queue <url>', 'the Redis the sweeps use, redis://HOST:PORT')
    .option('--concurrency <n>', 'points at once, each on its own thread (default: one per core)')
    .option('--lock-seconds <s>', "a point's lock; if this worker dies, its points go back to the queue after it", '30')
    .option('--name <name>', 'the name this worker shows in Redis (default HOST-PID)')
    .option('--quiet', 'print nothing per point')
    .action(async (options: { queue: string; concurrency?: string; lockSeconds: string; name?: string; quiet?: boolean }) => {
      checkQueueUrl(options.queue);
      const concurrency = options.concurrency === undefined ? availableParallelism() : Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency <= 0) throw new UsageError(`--concurrency: expected a positive integer, got "${options.concurrency}"`);
      const lockSeconds = Number(options.lockSeconds);
      if (!(lockSeconds >= 1) || !Number.isFinite(lockSeconds)) throw new UsageError(`--lock-seconds: expected a number of seconds >= 1, got "${options.lockSeconds}"`);
      const worker = await startQueueWorker({
        url: options.queue,
        concurrency,
        lockSeconds,
        ...(options.name ? { name: options.name } : {}),
        onEvent: (e) => {
          if (e.kind !== 'completed' || !options.quiet) io.err(`${e.kind === 'completed' ? 'done' : e.kind}: ${e.message}\n`);
        },
      });
      io.out(`epsim worker ${worker.name}: serving ${options.queue} with ${concurrency} thread${concurrency === 1 ? '' : 's'}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          io.out(`epsim worker ${worker.name}: stopping after the points in progress\n`);
          void worker.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
