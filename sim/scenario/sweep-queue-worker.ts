// `epsim worker`: a BullMQ worker on the sweep queue. Points run in BullMQ's sandboxed
// processors on worker threads (bin/sweep-processor.js -> sweep-processor.ts), one per unit of
// concurrency, so this thread stays free to renew the jobs' locks while a point computes; a
// worker that dies (killed, machine lost) stops renewing, its lock expires after `lockSeconds`,
// and another worker's stalled-job check puts the point back on the queue.
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { PointOutcome } from './sweep-point.ts';
import { connectRedis, QUEUE_NAME, QUEUE_URL_ENV, type QueuedPoint } from './sweep-queue.ts';

const PROCESSOR = fileURLToPath(new URL('../../bin/sweep-processor.js', import.meta.url));

export interface QueueWorkerOptions {
  url: string;
  /** Points run at once (each on its own thread). */
  concurrency: number;
  /** A point's lock, renewed at half this while it runs; a dead worker's point is retried after it. */
  lockSeconds: number;
  name?: string;
  onEvent?: (e: { kind: 'completed' | 'failed' | 'error'; message: string }) => void;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<{ name: string; close: () => Promise<void> }> {
  (await connectRedis(options.url)).disconnect(); // fail fast on a wrong URL
  process.env[QUEUE_URL_ENV] = options.url;
  const { Worker } = await import('bullmq');
  const name = options.name ?? `${hostname()}-${process.pid}`;
  const lockDuration = Math.round(options.lockSeconds * 1000);
  const worker = new Worker<QueuedPoint, PointOutcome>(QUEUE_NAME, PROCESSOR, {
    connection: { url: options.url, maxRetriesPerRequest: null },
    concurrency: options.concurrency,
    useWorkerThreads: true,
    name,
    lockDuration,
    stalledInterval: lockDuration,
    // A point put back because its worker died may be unlucky twice; BullMQ's default gives up after one.
    maxStalledCount: 2,
  });
  const say = options.onEvent ?? (() => {});
  worker.on('completed', (job, outcome) => say({ kind: 'completed', message: `point ${job.data.task.id} (${job.data.task.schedule})${outcome?.error ? `: ${outcome.error}` : ''}` }));
  worker.on('failed', (job, error) => say({ kind: 'failed', message: `point ${job?.data.task.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${error.message}` }));
  worker.on('error', (error) => say({ kind: 'error', message: error.message }));
  await worker.waitUntilReady();
  return { name, close: () => worker.close() };
}
