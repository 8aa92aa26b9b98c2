// The distributed executor against a real Redis: Debian's redis-server, started here on
// 127.0.0.1 on a free port, and two `epsim worker` processes. The files must be byte-identical
// to a local run's; a worker killed in the middle of a point must not lose or double that point.
// Skipped, saying so, where redis-server is not installed; CI installs it (.ci/run) and fails without it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSweep, type SweepPlan } from '../../sim/scenario/sweep-plan.ts';
import { QUEUE_NAME, queueExecutor } from '../../sim/scenario/sweep-queue.ts';
import { runSweep, sweepFiles, threadExecutor, toSweepFile, type SweepExecutor } from '../../sim/scenario/sweep.ts';

const REDIS = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
if (!REDIS) console.warn('Redis executor tests skipped: redis-server is not installed (apt-get install -y redis-server)');

// CI must run them: there a missing redis-server is a failure, not a skip.
describe.runIf(!REDIS && process.env.CI === 'true')('sweep queue in CI', () => {
  it('has redis-server (.ci/run installs it)', () => {
    expect(REDIS, 'redis-server is not installed on this CI machine').not.toBe('');
  });
});

// 24 points of 16 GPUs; the larger batches make a point take long enough to be caught mid-run.
const SCENARIO = `name: queued
model: traced
trace: traces/tiny.trace
topology: h800-2node
parallel: { ep: 16 }
workload: { phase: decode, sequencesPerGpu: 64, contextTokens: 512 }
schedules: [serial, tbo, scmoe-sbo]
sweep:
  parallel.ep: [8, 16]
  parallel.placement: [contiguous, load-aware]
  workload.sequencesPerGpu: [64, 512]
  targets: { tpotMs: 0.13, totalTokensPerSec: 50000000 }
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves when the process prints `pattern` on stdout. */
function waitFor(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready:\n${seen}`)));
  });
}

describe.skipIf(!REDIS)('sweep on a BullMQ queue in Redis', () => {
  let redis: ChildProcess;
  let url: string;
  const workers = new Map<string, ChildProcess>();
  let plan: SweepPlan;
  let local: Record<string, string>;

  const startWorker = async (name: string) => {
    const w = spawn(process.execPath, ['bin/epsim.js', 'worker', '--queue', url, '--concurrency', '1', '--lock-seconds', '2', '--name', name, '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
    workers.set(name, w);
    await waitFor(w, /serving/, `worker ${name}`);
    return w;
  };

  beforeAll(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitFor(redis, /Ready to accept connections/, 'redis-server');
    const dir = mkdtempSync(join(tmpdir(), 'epsim-queue-'));
    const file = join(dir, 'queued.yaml');
    writeFileSync(file, SCENARIO);
    plan = await planSweep(SCENARIO, file);
    local = sweepFiles(toSweepFile(plan, await runSweep(plan, { executor: threadExecutor(2) })));
    await Promise.all([startWorker('worker-a'), startWorker('worker-b')]);
  }, 120_000);

  afterAll(async () => {
    for (const w of workers.values()) w.kill('SIGKILL');
    redis?.kill('SIGKILL');
  });

  /** The queue executor, counting every outcome it hands over. */
  const counted = (delivered: number[]): SweepExecutor => {
    const queue = queueExecutor({ url, pollMs: 500 });
    return (tasks, onOutcome) => queue(tasks, (o) => (delivered.push(o.id), onOutcome(o)));
  };

  it('two workers produce the same files, byte for byte, as worker threads', async () => {
    const delivered: number[] = [];
    const files = sweepFiles(toSweepFile(plan, await runSweep(plan, { executor: counted(delivered) })));
    expect(files['sweep.json']).toBe(local['sweep.json']);
    expect(files['sweep.csv']).toBe(local['sweep.csv']);
    expect(delivered.sort((a, b) => a - b)).toEqual(plan.points.map((p) => p.id));
    expect(JSON.parse(files['sweep.json']!).answer).toBeDefined();
  }, 120_000);

  it('a worker killed in the middle of a point: the point goes back to the queue, runs once more, and the files are the same', async () => {
    const queue = new Queue(QUEUE_NAME, { connection: { url } });
    const events = new QueueEvents(QUEUE_NAME, { connection: { url } });
    const stalled: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    await events.waitUntilReady();
    let held: string | undefined;
    const delivered: number[] = [];
    const progress: number[] = [];
    try {
      const run = runSweep(plan, { executor: counted(delivered), onPoint: ({ point }) => progress.push(point.id) });
      // Kill worker-a while it holds a point, after the sweep is under way. A point takes a
      // fraction of a second, so freeze worker-a first (SIGSTOP) and look at what it holds then:
      // the job stays active under its name until its lock expires. If it holds nothing (between
      // two points), let it go on and look again.
      const a = workers.get('worker-a')!;
      const holding = async () => (await queue.getActive()).filter((j) => j.processedBy === 'worker-a').map((j) => j.id);
      for (let i = 0; i < 600 && !held; i++) {
        await new Promise((r) => setTimeout(r, 50));
        if (progress.length === 0 || (await holding()).length === 0) continue;
        a.kill('SIGSTOP');
        const now = await holding();
        if (now.length === 1) held = now[0];
        else a.kill('SIGCONT');
      }
      expect(held).toBeDefined();
      a.kill('SIGKILL');
      const files = sweepFiles(toSweepFile(plan, await run));
      expect(files['sweep.json']).toBe(local['sweep.json']);
      expect(files['sweep.csv']).toBe(local['sweep.csv']);
      // Every point exactly once: in what the executor handed over and in the progress.
      expect(delivered.slice().sort((a, b) => a - b)).toEqual(plan.points.map((p) => p.id));
      expect(progress.slice().sort((a, b) => a - b)).toEqual(plan.points.map((p) => p.id));
      // The killed worker's point stalled (its lock expired) and was run again by worker-b.
      expect(stalled).toContain(held);
      // The sweep removed its jobs from the queue.
      const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
      expect(counts).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    } finally {
      await events.close();
      await queue.close();
    }
  }, 180_000);
});
