// One sweep point, wherever it runs (a worker thread here, a queue worker on another machine):
// load the point's own scenario text through the normal loader, simulate its one schedule,
// return the metrics. Anything that goes wrong becomes the point's error, in the same words on
// every executor, so the files do not depend on where a point ran.
import { formatIssue, UserInputError, type ScheduleMetrics, type ScheduleName } from '../core/index.ts';
import { simulateStep } from '../step/index.ts';
import { resolveScenarioText, type ScenarioOverrides } from './load.ts';

/** Everything a point needs besides the files its scenario names. */
export interface PointTask {
  id: number;
  /** The scenario file the sweep came from (relative paths in `text` resolve next to it). */
  file: string;
  /** The point's scenario: the base scenario with the point's values set, without `sweep:`. */
  text: string;
  schedule: string;
  /** The files the scenario names, as paths on the machine that planned the sweep (a queue ships their contents). */
  files?: { topology?: string; trace?: string };
}

export interface PointOutcome {
  id: number;
  metrics?: ScheduleMetrics;
  error?: string;
}

export async function runPoint(task: PointTask, overrides: ScenarioOverrides = {}): Promise<PointOutcome> {
  try {
    const scenario = await resolveScenarioText(task.text, task.file, overrides);
    return { id: task.id, metrics: simulateStep(scenario.input, task.schedule as ScheduleName).metrics };
  } catch (e) {
    return { id: task.id, error: pointError(e) };
  }
}

/** The loader's issues without the generated text's line numbers; anything else says it is a bug. */
function pointError(e: unknown): string {
  if (e instanceof UserInputError) return e.issues.map((i) => formatIssue({ ...i, file: '', line: 0 })).join('; ');
  return `internal error (a bug in epsim): ${e instanceof Error ? e.message : String(e)}`;
}
