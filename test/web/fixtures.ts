// A results folder made by the real simulator, in a temp dir: the default scenario run and swept
// over EP sizes, and a sweep on its own (no result.json) over EP size x batch x schedule with a
// TPOT target and a total throughput, as `epsim sweep` leaves it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDirAtomically } from '../../sim/output/write-dir.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import { runFiles, runScenario } from '../../sim/scenario/run.ts';
import { planSweep } from '../../sim/scenario/sweep-plan.ts';
import { runSweep, sweepFiles, toSweepFile } from '../../sim/scenario/sweep.ts';

export const SWEEP_ONLY = 'default-frontier';

export async function makeResults(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'epsim-web-'));
  const file = 'scenarios/default.yaml';
  const scenario = await loadScenario(file);
  writeDirAtomically(join(dir, 'default'), runFiles(runScenario(scenario)));
  const text = readFileSync(file, 'utf8');
  const byEp = await planSweep(text, file, { cliEp: [8, 16] });
  writeDirAtomically(join(dir, 'default'), sweepFiles(toSweepFile(byEp, await runSweep(byEp))));
  const frontierText = text
    .replace('name: default', `name: ${SWEEP_ONLY}`)
    .replace(/^sweep: .*$/m, 'sweep:\n  parallel.ep: [8, 16]\n  workload.sequencesPerGpu: [16, 64, 256]\n  targets: { tpotMs: 0.09, totalTokensPerSec: 100000000 }');
  const frontier = await planSweep(frontierText, file);
  writeDirAtomically(join(dir, SWEEP_ONLY), sweepFiles(toSweepFile(frontier, await runSweep(frontier))));
  return dir;
}
