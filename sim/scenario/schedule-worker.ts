// A worker for `epsim run` on several threads: loads the scenario (kept for the next task), runs
// one schedule and posts its result (metrics and timeline, the spans as columns), or the error,
// then `done`.
import { parentPort } from 'node:worker_threads';
import { simulateStep, type StepProgress } from '../step/index.ts';
import type { ScheduleName } from '../core/index.ts';
import { loadScenario, resolveScenarioText, type ResolvedScenario } from './load.ts';
import type { ScheduleMessage, ScheduleTask } from './run.ts';
import { toPosted } from './posted-result.ts';

const port = parentPort!;
const post = (m: ScheduleMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
let last: { key: string; scenario: Promise<ResolvedScenario> } | undefined;

port.on('message', async (task: ScheduleTask) => {
  const key = JSON.stringify([task.source.file, task.source.text, task.source.overrides]);
  if (last?.key !== key) {
    const { file, text, overrides } = task.source;
    last = { key, scenario: text === undefined ? loadScenario(file, overrides) : resolveScenarioText(text, file, overrides) };
  }
  try {
    const s = await last.scenario;
    const t0 = performance.now();
    const onProgress = (step: StepProgress) => post({ kind: 'progress', name: task.schedule, step });
    const { posted, transfer } = toPosted(simulateStep(s.input, task.schedule as ScheduleName, { onProgress }));
    post({ kind: 'result', name: task.schedule, result: posted, wallMs: performance.now() - t0 }, transfer);
  } catch (e) {
    post({ kind: 'error', name: task.schedule, message: e instanceof Error ? e.message : String(e) });
  }
  post({ kind: 'done' });
});
