// Sweep speed: a sweep of longcat-decode-h800x128 (128 GPUs, 28 layers) run on worker threads and
// on the BullMQ queue with 1 and 2 `epsim worker` processes (concurrency 1 each), each from the
// plan to the files, with the files compared byte for byte. The full sweep is 1,000 points:
// EP 8, 16, 32, 64, 128 x sequencesPerGpu (10 sizes) x commSms 16..32 (5) x 4 schedules;
// `--small` runs 3 x 2 x 1 x 4 = 24 of them, `--quick` 2 x 2 x 1 x 3 = 12. The queue runs need
// Debian's redis-server (started here on 127.0.0.1 on a free port) and are skipped without it.
// On a shared machine the load changes under a run: `--rounds N` alternates the 1- and 2-worker
// queue runs N times, so the two are measured under the same conditions.
// Usage: node bin/run-ts.js bench/sweep.ts [--small | --quick] [--no-queue] [--threads N] [--rounds N]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { DEFAULT_MAX_POINTS, planSweep, queueExecutor, runSweep, sweepFiles, threadExecutor, toSweepFile, type SweepExecutor, type SweepPlan } from '../sim/scenario/index.ts';

const small = process.argv.includes('--small');
const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 1;
const threadsArg = process.argv.indexOf('--threads');
const threads = threadsArg > 0 ? Number(process.argv[threadsArg + 1]) : cpus().length;
const file = 'scenarios/longcat-decode-h800x128.yaml';
const axes = quick
  ? 'sweep:\n  parallel.ep: [64, 128]\n  workload.sequencesPerGpu: [8, 16]\n  commSms: [24]\n  schedules: [serial, tbo, scmoe-sbo]\n  targets: { tpotMs: 20, totalTokensPerSec: 1000000 }\n'
  : small
  ? 'sweep:\n  parallel.ep: [32, 64, 128]\n  workload.sequencesPerGpu: [8, 64]\n  commSms: [24]\n  schedules: [serial, shared-overlap, tbo, scmoe-sbo]\n  targets: { tpotMs: 20, totalTokensPerSec: 1000000 }\n'
  : 'sweep:\n  parallel.ep: [8, 16, 32, 64, 128]\n  workload.sequencesPerGpu: [4, 8, 12, 16, 24, 32, 48, 64, 96, 128]\n  commSms: [16, 20, 24, 28, 32]\n  schedules: [serial, shared-overlap, tbo, scmoe-sbo]\n  targets: { tpotMs: 20, totalTokensPerSec: 1000000 }\n';
const text = readFileSync(file, 'utf8').replace(/^sweep: .*$/m, axes);

const t0 = performance.now();
const plan = await planSweep(text, file, { maxPoints: Math.max(DEFAULT_MAX_POINTS, 1000) });
console.log(`${file}: ${plan.points.length} points planned (every layout through the loader) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

async function timed(what: string, executor: SweepExecutor, plan: SweepPlan): Promise<string> {
  const t = performance.now();
  let last = t;
  let done = 0;
  const points = await runSweep(plan, {
    executor,
    onPoint: () => {
      done++;
      if (performance.now() - last > 30_000) {
        last = performance.now();
        console.log(`    ${what}: ${done}/${plan.points.length} after ${((last - t) / 1000).toFixed(0)} s`);
      }
    },
  });
  const files = sweepFiles(toSweepFile(plan, points));
  const s = (performance.now() - t) / 1000;
  console.log(`  ${what.padEnd(36)} ${s.toFixed(1).padStart(7)} s  (${(s / plan.points.length).toFixed(3)} s per point, ${(plan.points.length / s).toFixed(2)} points/s)`);
  return files['sweep.json']!;
}

const local = await timed(`worker threads (${threads})`, threadExecutor(threads), plan);
const sweep = JSON.parse(local);
if (sweep.answer) {
  const p = sweep.points[sweep.answer.id];
  console.log(`  answer: EP ${p.ep}, ${p.batch ?? ''} sequences/GPU, ${p.schedule}: ${Math.round(p.metrics.tokensPerSecPerGpu)} tokens/s per GPU at TPOT ${p.metrics.tpotMs} ms; 1M tokens/s needs ${sweep.answer.gpusNeeded} GPUs`);
}

const redisServer = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
if (process.argv.includes('--no-queue')) console.log('  queue: skipped (--no-queue)');
else if (!redisServer) console.log('  queue: skipped (redis-server is not installed: apt-get install -y redis-server)');
else {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  const url = `redis://127.0.0.1:${port}`;
  const children: ChildProcess[] = [];
  const ready = (child: ChildProcess, pattern: RegExp) =>
    new Promise<void>((resolve) => {
      let seen = '';
      child.stdout!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (pattern.test(seen)) resolve();
      });
    });
  try {
    const redis = spawn(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(redis);
    await ready(redis, /Ready to accept connections/);
    // Fresh workers for every run, started (and ready) before the clock starts: each run pays
    // the same start-up of a worker's processor thread.
    for (let round = 0; round < rounds; round++) {
      for (const n of [1, 2]) {
        const workers: ChildProcess[] = [];
        for (let i = 0; i < n; i++) {
          const w = spawn(process.execPath, ['bin/epsim.js', 'worker', '--queue', url, '--concurrency', '1', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
          children.push(w);
          workers.push(w);
          await ready(w, /serving/);
        }
        const files = await timed(`queue, ${n} worker process${n === 1 ? '' : 'es'}${rounds > 1 ? ` (round ${round + 1})` : ''}`, queueExecutor({ url }), plan);
        console.log(`    files ${files === local ? 'byte-identical to' : 'DIFFERENT from'} the worker-thread run`);
        for (const w of workers) w.kill('SIGTERM');
        await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
      }
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}
