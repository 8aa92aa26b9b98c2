// `npm run fuzz -- --inputs 2000 --seed 7 [--class scenario,http] [--timeout-ms 30000] [--heap-mb 1024]`:
// the long fuzz run. Prints the figures per class; exits 1 with each shrunk reproducer on any
// crash, hang, out-of-memory, 5xx or leak.
import { CLASSES, runFuzz, totalFailures, type FuzzClass } from './run-fuzz.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const inputs = Number(option('inputs', '2000'));
const seed = Number(option('seed', '1'));
const classes = option('class', CLASSES.join(',')).split(',') as FuzzClass[];
if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(seed) || classes.some((c) => !CLASSES.includes(c))) {
  console.error(`usage: npm run fuzz -- [--inputs N] [--seed S] [--class ${CLASSES.join(',')}]`);
  process.exit(2);
}
const t0 = performance.now();
console.log(`epsim fuzz: ${inputs} inputs, seed ${seed}, classes ${classes.join(', ')}`);
const { stats, failures } = await runFuzz({
  inputs,
  seed,
  classes,
  timeoutMs: Number(option('timeout-ms', '30000')),
  heapMb: Number(option('heap-mb', '1024')),
  log: (line) => console.log(`  ${line}`),
});
const header = ['class', 'inputs', 'ok', 'clean error', 'simulated', 'crash', 'hang', 'oom', '5xx', 'leak'];
const rows = Object.entries(stats).map(([c, s]) => [c, s.inputs, s.ok, s.clean, s.simulated, s.crash, s.hang, s.oom, s.serverError, s.leak].map(String));
const total = ['total', ...header.slice(1).map((_, i) => String(rows.reduce((sum, r) => sum + Number(r[i + 1]), 0)))];
const widths = header.map((h, i) => Math.max(h.length, ...[...rows, total].map((r) => r[i]!.length)));
for (const r of [header, ...rows, total]) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
console.log(`wall time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
for (const f of failures) console.log(`\nFAILED ${f.cls} (${f.outcome}); shrunk input:\n${JSON.stringify(f.input)}\n${f.detail}`);
process.exit(totalFailures(stats) > 0 || failures.length > 0 ? 1 : 0);
