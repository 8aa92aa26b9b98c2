// A sweep worker: loads the scenario with the job's EP size (and batch), runs each schedule of
// the job, and posts one point per schedule. Input mistakes at this size (ep does not divide the
// experts, a schedule refused) become the point's `error`, not a crash.
import { parentPort } from 'node:worker_threads';
import { formatIssue, UserInputError } from '../core/index.ts';
import type { SweepPoint } from '../output/index.ts';
import { simulateStep } from '../step/index.ts';
import type { ScheduleName } from '../core/index.ts';
import { loadScenario } from './load.ts';
import type { SweepJob, SweepMessage } from './sweep.ts';

const port = parentPort!;
const post = (m: SweepMessage) => port.postMessage(m);

// The scenario last loaded, kept for the next task at the same (file, EP, batch): tasks come one
// schedule at a time, and its routing samples are worth reusing.
let last: { key: string; scenario?: Awaited<ReturnType<typeof loadScenario>>; loadError?: string } | undefined;

port.on('message', async (job: SweepJob) => {
  const base = { ep: job.ep, ...(job.batch === undefined ? {} : { batch: job.batch }) };
  const key = JSON.stringify([job.file, job.ep, job.batch]);
  if (last?.key !== key) {
    last = { key };
    try {
      last.scenario = await loadScenario(job.file, base);
    } catch (e) {
      last.loadError = errorText(e);
    }
  }
  const { scenario, loadError } = last;
  for (const schedule of job.schedules) {
    let point: SweepPoint;
    try {
      if (!scenario) throw new Error(loadError);
      const result = simulateStep(scenario.input, schedule as ScheduleName);
      point = { ...base, schedule, metrics: result.metrics };
    } catch (e) {
      point = { ...base, schedule, error: errorText(e) };
    }
    post({ kind: 'point', point });
  }
  post({ kind: 'done' });
});

function errorText(e: unknown): string {
  if (e instanceof UserInputError) return e.issues.map((i) => formatIssue({ ...i, file: '' })).join('; ');
  return e instanceof Error ? e.message : String(e);
}
