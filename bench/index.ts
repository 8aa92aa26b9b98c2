// `npm run bench`: every benchmark in its own process (no shared JIT or heap), in order, with its
// figures printed as it goes. `--all` adds the model benchmarks, which train and trace for minutes.
// Timings on a shared machine are noisy: compare figures from one run, not across runs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const all = process.argv.includes('--all');

const benches: { file: string; args: string[]; what: string; slow?: boolean }[] = [
  { file: 'bench/engine.ts', args: [], what: 'event engine: events/s on a 1M-op synthetic DAG' },
  { file: 'bench/network.ts', args: [], what: 'network model: all-to-all among 8 to 1024 GPUs' },
  { file: 'bench/replay.ts', args: [], what: 'trace replay: traffic building throughput' },
  { file: 'bench/scenario.ts', args: [], what: 'scenarios: one step per schedule (decode, prefill, a training step), fluid vs flow' },
  { file: 'bench/command.ts', args: [], what: 'whole epsim commands as a user runs them (start-up, simulation, files)' },
  { file: 'bench/deepep.ts', args: [], what: "DeepEP's normal and low-latency kernels as epsim predicts them (the README's side-by-side tables)" },
  { file: 'bench/sweep.ts', args: ['--small'], what: 'sweeps: 24 LongCat decode points on worker threads, then on the queue with 1 and 2 workers' },
  { file: 'bench/sweep.ts', args: [], what: 'sweeps: the 1,000-point LongCat decode sweep, threads and queue', slow: true },
  { file: 'bench/dashboard.ts', args: [], what: 'dashboard: the LongCat decode timeline in headless Chromium (ready, draw, zoom)' },
  { file: 'bench/tokenizer.ts', args: [], what: 'BPE tokenizer: training time, bytes/token, encode speed' },
  { file: 'bench/model-train.ts', args: [], what: 'model: training tokens/s per preset and backend', slow: true },
  { file: 'bench/model-trace.ts', args: [], what: 'model: tracing tokens/s per preset and backend', slow: true },
];

// Worker threads load the CLI bundle only while it is fresh (bin/cli-bundle.js): build it first,
// so every benchmark measures the code users run.
spawnSync(process.execPath, [join(root, 'bin/epsim.js'), 'run', '--help'], { stdio: 'ignore', cwd: root });

let failed = 0;
for (const b of benches) {
  if (b.slow && !all) {
    console.log(`\n--- ${b.file}: skipped (${b.what}; run with --all)`);
    continue;
  }
  console.log(`\n--- ${b.file}: ${b.what}`);
  const t0 = performance.now();
  const run = spawnSync(process.execPath, ['--max-old-space-size=8192', join(root, 'bin/run-ts.js'), join(root, b.file), ...b.args], { stdio: 'inherit', cwd: root });
  console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (run.status !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
