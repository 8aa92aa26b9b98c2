// Scenario speed: wall time of one step per schedule, from the plan to the metrics (what
// `epsim run` spends per schedule), on the fluid model (the default), for
// longcat-decode-h800x128 (128 GPUs, 28 layers), deepseek-v3-decode (128 GPUs, 58 MoE layers),
// default.yaml, and (`--quick` leaves these out) the 1,024-GPU deepseek-v3-decode-wide-ep,
// longcat-prefill (two-hop exchanges on the generic runner) and the serial step of
// longcat-train-ep32. Then, for the LongCat decode step (and without `--quick` the prefill step),
// the flow model's time and the step-time and exposed-communication agreement of the two models.
// The first schedule of a scenario also draws the routing sample, which the others reuse; it is
// printed apart.
// Usage: node bin/run-ts.js bench/scenario.ts [--quick]
import { loadScenario } from '../sim/scenario/index.ts';
import { simulateStep } from '../sim/step/index.ts';
import type { ScheduleName } from '../sim/core/index.ts';

const quick = process.argv.includes('--quick');
const files = [
  'scenarios/default.yaml',
  'scenarios/longcat-decode-h800x128.yaml',
  'scenarios/deepseek-v3-decode.yaml',
  ...(quick ? [] : ['scenarios/deepseek-v3-decode-wide-ep.yaml', 'scenarios/longcat-prefill.yaml', 'scenarios/longcat-train-ep32.yaml']),
];
/** Training steps take tens of seconds: only their first schedule is timed. */
const firstOnly = new Set(['scenarios/longcat-train-ep32.yaml']);

for (const file of files) {
  const t0 = performance.now();
  const scenario = await loadScenario(file);
  console.log(`${file}: loaded in ${(performance.now() - t0).toFixed(0)} ms`);
  const schedules = firstOnly.has(file) ? scenario.schedules.slice(0, 1) : scenario.schedules;
  for (const [i, name] of schedules.entries()) {
    const t = performance.now();
    const r = simulateStep(scenario.input, name as ScheduleName);
    console.log(
      `  ${name.padEnd(15)} ${(performance.now() - t).toFixed(0).padStart(6)} ms${i === 0 ? ' (with the routing sample)' : '                          '} ` +
        `${r.timeline.stats.ops.toLocaleString().padStart(8)} ops, ${r.timeline.stats.events.toLocaleString().padStart(10)} events; step ${(r.metrics.stepTimeUs / 1000).toFixed(2)} ms`,
    );
  }
}

for (const file of ['scenarios/longcat-decode-h800x128.yaml', ...(quick ? [] : ['scenarios/longcat-prefill.yaml'])]) {
  const fluid = await loadScenario(file);
  const flow = await loadScenario(file, { networkModel: 'flow' });
  console.log(`\n${file}: fluid vs flow (max-min flows, default re-solve fraction) per schedule`);
  for (const name of fluid.schedules) {
    const a = simulateStep(fluid.input, name as ScheduleName);
    const t = performance.now();
    const b = simulateStep(flow.input, name as ScheduleName);
    const flowMs = performance.now() - t;
    const exposed = (m: typeof a.metrics) => m.exposedCommFraction * 100;
    console.log(
      `  ${name.padEnd(15)} step ${(a.metrics.stepTimeUs / 1000).toFixed(3)} vs ${(b.metrics.stepTimeUs / 1000).toFixed(3)} ms ` +
        `(${(((a.metrics.stepTimeUs - b.metrics.stepTimeUs) / b.metrics.stepTimeUs) * 100).toFixed(3)}%), ` +
        `exposed comm ${exposed(a.metrics).toFixed(2)}% vs ${exposed(b.metrics).toFixed(2)}%; flow model ${flowMs.toFixed(0)} ms`,
    );
  }
}
