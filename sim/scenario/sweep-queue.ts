// The distributed executor: a sweep's points as jobs on a BullMQ queue in Redis, run by any number
// of `epsim worker` processes on any machines (sweep-queue-worker.ts). BullMQ does the scheduling,
// the locks, the retries and the detection of a worker that died mid-point (its lock expires and
// the job goes back to the queue); this file only shapes the jobs and collects their results.
//
// Each job carries everything its point needs: the point's scenario text, the topology file's
// text, and the trace by content hash (SHA-256), stored once in Redis next to the queue and
// fetched once per worker. A worker therefore needs only the epsim package and the queue's URL.
// Results arrive as BullMQ's `completed` events; a poll of the outstanding jobs catches any event
// missed while subscribing. A point is kept once, however often it ran.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
// bullmq and ioredis load on first use (half a second), not with every epsim command.
import type { Redis } from 'ioredis';
import { UsageError } from '../core/index.ts';
import type { PointOutcome, PointTask } from './sweep-point.ts';
import type { SweepExecutor } from './sweep.ts';

/** The one queue every sweep and worker uses; a sweep's jobs are told apart by their id prefix. */
export const QUEUE_NAME = 'epsim-sweep-points';
/** Redis key of a file's bytes, by content hash. */
export const blobKey = (sha256: string) => `epsim:blob:${sha256}`;
/** Blobs outlive a sweep by a week, so a rerun does not upload its trace again. */
const BLOB_TTL_SECONDS = 7 * 24 * 3600;
/** Env var that tells a worker's processor threads where to fetch traces from (threads copy the process's env). */
export const QUEUE_URL_ENV = 'EPSIM_QUEUE_URL';
/** Attempts per point: a point whose worker crashed or lost its lock runs again, up to this often. */
export const POINT_ATTEMPTS = 3;

/** What a job holds: the point, and the contents of the files it names. */
export interface QueuedPoint {
  task: PointTask;
  topology?: { sha256: string; text: string };
  trace?: { sha256: string };
}

export interface QueueExecutorOptions {
  /** redis://HOST:PORT (rediss:// for TLS; user:password@ and /DB as Redis URLs allow). */
  url: string;
  /** Told once when no worker is connected to the queue. */
  onWaiting?: (message: string) => void;
  /** How often outstanding jobs are polled besides the events (ms). */
  pollMs?: number;
  /** Stops the sweep: its jobs still waiting are taken off the queue (points in progress finish unseen). */
  signal?: AbortSignal;
}

/** Checks a Redis URL's form (it is a user's command-line argument). */
export function checkQueueUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--queue: expected a Redis URL such as redis://127.0.0.1:6379, got "${url}"`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new UsageError(`--queue: expected a redis:// or rediss:// URL, got "${url}"`);
}

/** A plain connection, failing fast (a user's typo must not hang the command). */
export async function connectRedis(url: string): Promise<Redis> {
  checkQueueUrl(url);
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { connectTimeout: 5000, maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than connect()'s "Connection is closed".
  let cause: Error | undefined;
  redis.on('error', (e: Error) => (cause ??= e));
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new UsageError(`--queue: cannot reach Redis at ${url} (${(cause ?? (e as Error)).message})`);
  }
  return redis;
}

/** sha256 of a file's bytes, hex. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function queueExecutor(options: QueueExecutorOptions): SweepExecutor {
  return async (tasks, onOutcome) => {
    const redis = await connectRedis(options.url);
    const { Job, Queue, QueueEvents } = await import('bullmq');
    const connection = { url: options.url, maxRetriesPerRequest: null };
    const queue = new Queue<QueuedPoint, PointOutcome>(QUEUE_NAME, { connection });
    const events = new QueueEvents(QUEUE_NAME, { connection });
    const sweepId = randomUUID();
    const jobId = (id: number) => `${sweepId}-${id}`;
    const outstanding = new Map(tasks.map((t) => [jobId(t.id), t.id]));
    let finish: () => void = () => {};
    let stop: (e: Error) => void = () => {};
    const finished = new Promise<void>((resolve, reject) => ((finish = resolve), (stop = reject)));
    const onAbort = () => {
      void Promise.allSettled([...outstanding.keys()].map((job) => queue.remove(job))).then(() => stop(new UsageError(`the sweep was stopped; its ${outstanding.size} unfinished points were taken off the queue`)));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const deliver = (job: string, outcome: PointOutcome) => {
      const id = outstanding.get(job);
      if (id === undefined) return;
      outstanding.delete(job);
      onOutcome({ ...outcome, id });
      void queue.remove(job).catch(() => {});
      if (outstanding.size === 0) finish();
    };
    const failedFinally = (job: string, reason: string) => deliver(job, { id: -1, error: `failed on every one of ${POINT_ATTEMPTS} attempts on the queue: ${reason}` });
    try {
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      events.on('completed', ({ jobId: job, returnvalue }) => deliver(job, returnvalue as unknown as PointOutcome));
      events.on('failed', async ({ jobId: job, failedReason }) => {
        // 'failed' is sent when a job fails for good (no attempts left); check, to be sure.
        if (!outstanding.has(job)) return;
        const state = await queue.getJobState(job).catch(() => 'unknown');
        if (state === 'failed') failedFinally(job, failedReason);
      });

      const shipped = await shipFiles(redis, tasks);
      await queue.addBulk(
        tasks.map((task) => ({
          name: 'point',
          data: { task, ...shipped(task) },
          opts: {
            jobId: jobId(task.id),
            attempts: POINT_ATTEMPTS,
            backoff: { type: 'fixed', delay: 1000 },
            removeOnComplete: { age: 24 * 3600 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        })),
      );
      if (tasks.length === 0) finish();
      if ((await queue.getWorkersCount()) === 0) options.onWaiting?.(`no worker is connected to the queue yet: start \`epsim worker --queue ${options.url}\` on any machine`);

      const pollOutstanding = async () => {
        const jobs = await Promise.all([...outstanding.keys()].map((job) => Job.fromId<QueuedPoint, PointOutcome>(queue, job).catch(() => undefined)));
        for (const j of jobs) {
          if (!j?.id || !j.finishedOn) continue;
          if (j.returnvalue && !j.failedReason) deliver(j.id, j.returnvalue);
          else if (j.failedReason && (await j.getState()) === 'failed') failedFinally(j.id, j.failedReason);
        }
      };
      let polling = false;
      const poll = setInterval(() => {
        if (polling) return;
        polling = true;
        void pollOutstanding().finally(() => (polling = false));
      }, options.pollMs ?? 2000);
      await finished.finally(() => clearInterval(poll));
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await Promise.allSettled([events.close(), queue.close()]);
      redis.disconnect();
    }
  };
}

/**
 * Puts every trace the tasks read into Redis (once per content) and returns, per task, the job
 * fields that carry its files: the topology's text inline (a few kB), the trace by hash.
 */
async function shipFiles(redis: Redis, tasks: PointTask[]): Promise<(task: PointTask) => Omit<QueuedPoint, 'task'>> {
  const topologies = new Map<string, { sha256: string; text: string }>();
  const traces = new Map<string, { sha256: string }>();
  for (const task of tasks) {
    const { topology, trace } = task.files ?? {};
    if (topology && !topologies.has(topology)) {
      const text = readFileSync(topology, 'utf8');
      topologies.set(topology, { sha256: sha256(text), text });
    }
    if (trace && !traces.has(trace)) {
      const bytes = readFileSync(trace);
      const hash = sha256(bytes);
      // NX: a blob already there (same content, by its hash) is left alone; EXPIRE keeps it a week from now.
      await redis.set(blobKey(hash), bytes, 'EX', BLOB_TTL_SECONDS, 'NX');
      await redis.expire(blobKey(hash), BLOB_TTL_SECONDS);
      traces.set(trace, { sha256: hash });
    }
  }
  return (task) => {
    const { topology, trace } = task.files ?? {};
    return { ...(topology ? { topology: topologies.get(topology)! } : {}), ...(trace ? { trace: traces.get(trace)! } : {}) };
  };
}
