// Runs every schedule of a resolved scenario and assembles what `epsim run` writes (and the
// dashboard serves): result.json, timeline.json and the Chrome trace. Pure apart from the clock
// used for progress; the CLI and the web server both call it.
import { toChromeTrace } from '../output/chrome-trace.ts';
import type { ResultFile, TimelineFile } from '../output/formats.ts';
import { toResultFile } from '../output/result-file.ts';
import { toTimelineFile } from '../output/timeline-file.ts';
import type { ChromeTrace } from '../output/chrome-trace.ts';
import { simulateA2a } from '../step/simulate-a2a.ts';
import { simulateStep } from '../step/simulate-step.ts';
import type { ScheduleName, ScheduleResult } from '../step/types.ts';
import type { ResolvedScenario } from './load.ts';

export interface RunProgress {
  schedule: string;
  /** Schedules finished so far, and in all. */
  done: number;
  total: number;
  /** Wall time of the schedule just finished. */
  wallMs?: number;
}

export interface RunOutput {
  result: ResultFile;
  timeline: TimelineFile;
  chrome: ChromeTrace;
  /** Wall time per schedule (not written into result.json, which must not depend on the machine). */
  wallMs: Record<string, number>;
}

export function runScenario(s: ResolvedScenario, options: { onProgress?: (p: RunProgress) => void } = {}): RunOutput {
  const results: { name: string; result: ScheduleResult }[] = [];
  const wallMs: Record<string, number> = {};
  s.schedules.forEach((name, i) => {
    options.onProgress?.({ schedule: name, done: i, total: s.schedules.length });
    const t0 = performance.now();
    const result = name === 'a2a' ? simulateA2a(s.input) : simulateStep(s.input, name as ScheduleName);
    wallMs[name] = performance.now() - t0;
    results.push({ name, result });
    options.onProgress?.({ schedule: name, done: i + 1, total: s.schedules.length, wallMs: wallMs[name] });
  });
  const timelines = results.map((r) => ({ name: r.name, timeline: r.result.timeline }));
  return {
    result: toResultFile(s, results.map((r) => r.result.metrics)),
    timeline: toTimelineFile(s.spec.name, s.topology, timelines),
    chrome: toChromeTrace(s.spec.name, s.topology, timelines),
    wallMs,
  };
}

/** The three files of a run, as the CLI and the server write them. */
export function runFiles(out: RunOutput): Record<string, string> {
  return {
    'result.json': `${JSON.stringify(out.result, null, 2)}\n`,
    'timeline.json': JSON.stringify(out.timeline),
    'trace.chrome.json': JSON.stringify(out.chrome),
  };
}
