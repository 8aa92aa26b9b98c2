// PUBLIC SURFACE of sim/scenario/: what other folders may import (they import nothing else from here).
export { PROJECT_ROOT, loadScenario, resolveScenarioText } from './load.ts';
export type { ResolvedScenario } from './load.ts';
export { runFileNames, runFiles, runTraceGpus, runScenario, runScenarioAdaptively, runScenarioOnWorkers, WORKERS_EARLY_BUILD_MS, WORKERS_PAY_OFF_MS } from './run.ts';
export type { RunOutput, RunProgress, ScenarioSource } from './run.ts';
export { pointTasks, recommend, runSweep, sweepFiles, sweepPoint, threadExecutor, toSweepCsv, toSweepFile } from './sweep.ts';
export type { SweepExecutor, SweepProgress } from './sweep.ts';
export { DEFAULT_MAX_POINTS, describeProduct, planSweep, setPath } from './sweep-plan.ts';
export type { PlannedPoint, SweepPlan } from './sweep-plan.ts';
export type { SweepAxis, SweepTargets } from './sweep-axes.ts';
export { answerTargets, describeLatency, fittingPoints, frontierX, gpusNeeded, paretoFrontier } from './sweep-frontier.ts';
export { runPoint } from './sweep-point.ts';
export type { PointOutcome, PointTask } from './sweep-point.ts';
export { label, sweepReport } from './sweep-report.ts';
export { checkQueueUrl, queueExecutor, QUEUE_NAME } from './sweep-queue.ts';
export { startQueueWorker } from './sweep-queue-worker.ts';
