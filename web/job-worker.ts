// A dashboard run in a worker thread: resolve the scenario text, simulate every schedule with
// progress, write the CLI's three files atomically, report done or the error.
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { formatIssue, UserInputError } from '../sim/core/index.ts';
import { writeDirAtomically } from '../sim/output/index.ts';
import { resolveScenarioText } from '../sim/scenario/index.ts';
import { runFiles, runScenario } from '../sim/scenario/index.ts';
import type { JobEvent, JobRequest } from './jobs.ts';

const port = parentPort!;
const request = (workerData as { request: JobRequest }).request;
const post = (e: JobEvent) => port.postMessage(e);

try {
  const scenario = await resolveScenarioText(request.text, request.file, request.allowedDirs ? { allowedDirs: request.allowedDirs } : {});
  const out = runScenario(scenario, { onProgress: (p) => post({ type: 'progress', schedule: p.schedule, done: p.done, total: p.total }) });
  writeDirAtomically(join(request.resultsDir, scenario.spec.name), runFiles(out));
  post({ type: 'done', result: scenario.spec.name });
} catch (error) {
  const message = error instanceof UserInputError ? error.issues.map(formatIssue).join('\n') : error instanceof Error ? error.message : String(error);
  post({ type: 'error', message });
}
