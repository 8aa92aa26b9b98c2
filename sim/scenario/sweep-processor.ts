// The sandboxed BullMQ processor of `epsim worker` (on a worker thread): writes the job's
// topology text and the trace (fetched from Redis by its hash, once per thread) into a local
// cache folder named by content, then runs the point with the scenario's topology and trace
// replaced by those copies. The scenario text itself is the one the sweep planned.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { Redis } from 'ioredis';
import type { ScenarioOverrides } from './load.ts';
import { runPoint, type PointOutcome } from './sweep-point.ts';
import { blobKey, QUEUE_URL_ENV, sha256, type QueuedPoint } from './sweep-queue.ts';

const CACHE_DIR = join(tmpdir(), 'epsim-worker-cache');
let redis: Redis | undefined;

/** Writes `bytes` to the cache under its hash (atomically: several threads may race), unless it is there. */
function cached(hash: string, ext: string, bytes: () => Promise<Uint8Array | string>): Promise<string> {
  const path = join(CACHE_DIR, `${hash}${ext}`);
  if (existsSync(path)) return Promise.resolve(path);
  return bytes().then((b) => {
    if (sha256(b) !== hash) throw new Error(`the ${ext} file fetched for hash ${hash.slice(0, 12)} has other contents`);
    mkdirSync(CACHE_DIR, { recursive: true });
    const temp = `${path}.${process.pid}-${threadId}.tmp`;
    writeFileSync(temp, b);
    renameSync(temp, path);
    return path;
  });
}

async function fetchBlob(hash: string): Promise<Uint8Array> {
  const url = process.env[QUEUE_URL_ENV];
  if (!url) throw new Error(`${QUEUE_URL_ENV} is not set: this processor runs inside epsim worker`);
  if (!redis) {
    const { Redis } = await import('ioredis');
    redis = new Redis(url, { maxRetriesPerRequest: 3 });
  }
  const bytes = await redis.getBuffer(blobKey(hash));
  if (!bytes) throw new Error(`the trace with hash ${hash.slice(0, 12)} is not in Redis (expired, or the sweep that stored it used another Redis)`);
  return bytes;
}

export async function processPoint(job: { data: QueuedPoint }): Promise<PointOutcome> {
  const { task, topology, trace } = job.data;
  const overrides: ScenarioOverrides = {};
  if (topology) overrides.topology = await cached(topology.sha256, '.yaml', async () => topology.text);
  if (trace) overrides.trace = await cached(trace.sha256, '.trace', () => fetchBlob(trace.sha256));
  return runPoint(task, overrides);
}
