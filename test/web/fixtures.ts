// A results folder made by the real simulator: the default scenario run and swept, in a temp dir.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDirAtomically } from '../../sim/output/write-dir.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import { runFiles, runScenario } from '../../sim/scenario/run.ts';
import { recommend, runSweep, sweepJobs, toSweepFile } from '../../sim/scenario/sweep.ts';

export async function makeResults(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'epsim-web-'));
  const scenario = await loadScenario('scenarios/default.yaml');
  writeDirAtomically(join(dir, 'default'), runFiles(runScenario(scenario)));
  const points = await runSweep(sweepJobs(scenario, [8, 16]), () => {});
  writeFileSync(join(dir, 'default', 'sweep.json'), JSON.stringify(toSweepFile('default', points, recommend(points, 'decode'))));
  return dir;
}
