// GET /api/results: every folder of the results directory that holds a run (result.json) or a
// sweep (sweep.json), or both. A sweep on its own is listed from its sweep.json, so a user who
// only ran `epsim sweep` (or started a sweep from the page) sees it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ResultEntry {
  name: string;
  phase?: string;
  model?: string;
  topology?: string;
  schedules: string[];
  /** A run's result.json (summary, timeline, routing) is there. */
  hasResult: boolean;
  hasSweep: boolean;
  /** Points of the sweep, when there is one. */
  sweepPoints?: number;
}

export function listResults(resultsDir: string): ResultEntry[] {
  if (!existsSync(resultsDir)) return [];
  const names = readdirSync(resultsDir)
    .filter((n) => !n.startsWith('.'))
    .filter((n) => existsSync(join(resultsDir, n, 'result.json')) || existsSync(join(resultsDir, n, 'sweep.json')))
    .sort();
  return names.flatMap((name) => {
    const entry = readEntry(resultsDir, name);
    return entry ? [entry] : [];
  });
}

function readEntry(resultsDir: string, name: string): ResultEntry | undefined {
  const read = (file: string) => {
    const path = join(resultsDir, name, file);
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return undefined; // a file being replaced, or not ours: leave the folder out rather than fail the list
    }
  };
  const result = read('result.json');
  const sweep = read('sweep.json');
  if (!result && !sweep) return undefined;
  const sweepFields = sweep ? { sweepPoints: Array.isArray(sweep.points) ? sweep.points.length : 0 } : {};
  if (result) {
    return {
      name,
      phase: result.scenario?.workload?.phase,
      model: result.model?.name,
      topology: result.topology?.name,
      schedules: (result.schedules ?? []).map((s: { name: string }) => s.name),
      hasResult: true,
      hasSweep: Boolean(sweep),
      ...sweepFields,
    };
  }
  const schedules = (sweep.axes ?? []).find((a: { path: string }) => a.path === 'schedules')?.values ?? [...new Set((sweep.points ?? []).map((p: { schedule: string }) => p.schedule))];
  return { name, phase: sweep.phase, model: sweep.model, topology: sweep.topology, schedules, hasResult: false, hasSweep: true, ...sweepFields };
}
