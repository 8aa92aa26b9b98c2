// What a user waits for: whole `epsim` commands, start-up, simulation and files included, each in
// a fresh process (median and range of a few runs; the machine is noisy). `epsim run --help` is the
// start-up alone, `epsim --help` the start-up with every command registered; the 128-GPU decode
// runs write their files into a temporary folder.
// `--quick` leaves out the 1,024-GPU wide-EP run (about a minute).
// Usage: node bin/run-ts.js bench/command.ts [--quick] [--runs N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const runsAt = process.argv.indexOf('--runs');
const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 3;
const out = mkdtempSync(join(tmpdir(), 'epsim-bench-command-'));

const commands: { label: string; args: string[]; runs: number }[] = [
  { label: 'epsim run --help (start-up)', args: ['run', '--help'], runs },
  { label: 'epsim --help (every command registered)', args: ['--help'], runs },
  { label: 'epsim run scenarios/default.yaml (16 GPUs)', args: ['run', 'scenarios/default.yaml', '--out', join(out, 'default')], runs },
  { label: 'epsim run scenarios/longcat-decode-h800x128.yaml', args: ['run', 'scenarios/longcat-decode-h800x128.yaml', '--out', join(out, 'longcat')], runs },
  { label: 'epsim run scenarios/deepseek-v3-decode.yaml', args: ['run', 'scenarios/deepseek-v3-decode.yaml', '--out', join(out, 'deepseek')], runs },
  ...(quick ? [] : [{ label: 'epsim run scenarios/deepseek-v3-decode-wide-ep.yaml (1,024 GPUs)', args: ['run', 'scenarios/deepseek-v3-decode-wide-ep.yaml', '--out', join(out, 'wide')], runs: 1 }]),
];

try {
  // Builds the CLI bundle if it is missing or stale (bin/cli-bundle.js), so no timed run includes that.
  const t0 = performance.now();
  spawnSync(process.execPath, [join(root, 'bin/epsim.js'), 'run', '--help'], { cwd: root, stdio: 'ignore' });
  console.log(`  (CLI bundle checked or built first, with \`epsim run --help\`: ${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  for (const c of commands) {
    const seconds: number[] = [];
    for (let i = 0; i < c.runs; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [join(root, 'bin/epsim.js'), ...c.args], { cwd: root, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${c.label}: exit ${r.status}`);
      seconds.push((performance.now() - t0) / 1000);
    }
    seconds.sort((a, b) => a - b);
    const median = seconds[Math.floor(seconds.length / 2)]!;
    const range = seconds.length > 1 ? ` (${seconds[0]!.toFixed(2)}–${seconds[seconds.length - 1]!.toFixed(2)})` : '';
    console.log(`  ${c.label.padEnd(66)} ${median.toFixed(2).padStart(6)} s${range}`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
