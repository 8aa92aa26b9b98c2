// GET /api/results: every folder of the results directory that holds a run (result.json) or a
// sweep (sweep.json), or both. A sweep on its own is listed from its sweep.json, so a user who
// only ran `epsim sweep` (or started a sweep from the page) sees it. Files are read through the
// caller's confined reader; one broken file lists its folder as broken (with the reason) and the
// others are still served.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listResult, type ResultListing } from './requests.ts';

export interface ResultEntry extends ResultListing {
  /** A run's result.json (summary, timeline, routing) is there. */
  hasResult: boolean;
  /** Points of the sweep, when there is one. */
  sweepPoints?: number;
  /** When the newest of its files was written (ms since the epoch), for the page's live refresh. */
  updatedMs: number;
}

/** `read(path, label)` returns a file's text or throws (confined, bounded). */
export function listResults(resultsDir: string, read: (path: string, label: string) => string): ResultEntry[] {
  if (!existsSync(resultsDir)) return [];
  const names = readdirSync(resultsDir)
    .filter((n) => !n.startsWith('.'))
    .filter((n) => existsSync(join(resultsDir, n, 'result.json')) || existsSync(join(resultsDir, n, 'sweep.json')))
    .sort();
  return names.map((name) => entryOf(resultsDir, name, read));
}

function entryOf(resultsDir: string, name: string, read: (path: string, label: string) => string): ResultEntry {
  const resultFile = join(resultsDir, name, 'result.json');
  const sweepFile = join(resultsDir, name, 'sweep.json');
  const hasResult = existsSync(resultFile);
  const hasSweep = existsSync(sweepFile);
  const updatedMs = Math.round(Math.max(hasResult ? statSync(resultFile).mtimeMs : 0, hasSweep ? statSync(sweepFile).mtimeMs : 0));
  let sweep: { points?: unknown; axes?: unknown; phase?: unknown; model?: unknown; topology?: unknown } | undefined;
  let sweepBroken: string | undefined;
  if (hasSweep) {
    try {
      const parsed = JSON.parse(read(sweepFile, `sweep.json of "${name}"`)) as unknown;
      if (parsed === null || typeof parsed !== 'object' || !Array.isArray((parsed as { points?: unknown }).points)) throw new Error(`sweep.json of "${name}" has no "points" list`);
      sweep = parsed as typeof sweep;
    } catch (e) {
      sweepBroken = e instanceof Error ? e.message : String(e);
    }
  }
  const sweepFields = sweep ? { sweepPoints: (sweep.points as unknown[]).length } : {};
  if (hasResult) {
    const row = listResult(name, () => read(resultFile, `result.json of "${name}"`), hasSweep);
    return { ...row, hasResult: true, updatedMs, ...sweepFields, ...(row.broken || !sweepBroken ? {} : { broken: sweepBroken }) };
  }
  if (!sweep) return { name, hasSweep: true, hasResult: false, updatedMs, broken: sweepBroken ?? 'unreadable sweep.json' };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const axes = Array.isArray(sweep.axes) ? (sweep.axes as { path?: unknown; values?: unknown }[]) : [];
  const scheduleAxis = axes.find((a) => a.path === 'schedules')?.values;
  const points = sweep.points as { schedule?: unknown }[];
  const schedules = (Array.isArray(scheduleAxis) ? scheduleAxis : [...new Set(points.map((p) => p?.schedule))]).filter((s): s is string => typeof s === 'string');
  return { name, phase: str(sweep.phase), model: str(sweep.model), topology: str(sweep.topology), schedules, hasResult: false, hasSweep: true, updatedMs, ...sweepFields };
}
