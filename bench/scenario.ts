// Scenario speed: wall time of one decode step of longcat-decode-h800x128 (128 GPUs, 28 layers,
// real-trace routing) per schedule, and of default.yaml's; what the batched rate re-solve costs
// in accuracy on the LongCat step (scmoe-sbo at the default fraction against a 5x finer one; exact
// max-min, fraction 0, would take minutes there). Sweeps: bench/sweep.ts.
// Usage: node bin/run-ts.js bench/scenario.ts
import { loadScenario } from '../sim/scenario/index.ts';
import { DEFAULT_RECOMPUTE_FRACTION, simulateStep } from '../sim/step/index.ts';
import type { ScheduleName } from '../sim/core/index.ts';

const file = 'scenarios/longcat-decode-h800x128.yaml';
const t0 = performance.now();
const scenario = await loadScenario(file);
const loadMs = performance.now() - t0;
console.log(`${file}: loaded in ${loadMs.toFixed(0)} ms (trace read, statistical fit set up lazily)`);
for (const name of scenario.schedules) {
  const t = performance.now();
  const r = simulateStep(scenario.input, name as ScheduleName);
  console.log(
    `  ${name.padEnd(15)} one decode step simulated in ${(performance.now() - t).toFixed(0).padStart(5)} ms ` +
      `(${r.timeline.stats.flowsStarted.toLocaleString()} flows, ${r.timeline.stats.rateSolves} rate solves, ${r.timeline.spans.length.toLocaleString()} spans); ` +
      `step ${(r.metrics.stepTimeUs / 1000).toFixed(2)} ms`,
  );
}

{
  const finer = DEFAULT_RECOMPUTE_FRACTION / 5;
  const coarse = simulateStep(scenario.input, 'scmoe-sbo').metrics.stepTimeUs;
  const fine = simulateStep({ ...scenario.input, recomputeFraction: finer }, 'scmoe-sbo').metrics.stepTimeUs;
  console.log(
    `  re-solve fraction ${DEFAULT_RECOMPUTE_FRACTION} vs ${finer} (scmoe-sbo): step ${coarse.toFixed(2)} vs ${fine.toFixed(2)} µs ` +
      `(${(((coarse - fine) / fine) * 100).toFixed(3)}%)`,
  );
}

const small = await loadScenario('scenarios/default.yaml');
for (const name of small.schedules) {
  const t = performance.now();
  simulateStep(small.input, name as ScheduleName);
  console.log(`scenarios/default.yaml ${name.padEnd(15)} one decode step simulated in ${(performance.now() - t).toFixed(0).padStart(4)} ms`);
}
