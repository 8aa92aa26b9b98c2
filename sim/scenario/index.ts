// PUBLIC SURFACE of sim/scenario/: what other folders may import (they import nothing else from here).
export { PROJECT_ROOT, loadScenario, resolveScenarioText } from './load.ts';
export type { ResolvedScenario } from './load.ts';
export { runFiles, runScenario, runScenarioOnWorkers } from './run.ts';
export type { RunOutput, RunProgress, ScenarioSource } from './run.ts';
export { recommend, runSweep, sweepJobs, toSweepCsv, toSweepFile } from './sweep.ts';
