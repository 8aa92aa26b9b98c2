// Results folders made by the real simulator, in temp dirs: the default scenario run and swept
// over EP sizes, and a sweep on its own (no result.json) over EP size x batch with a TPOT target
// and a total throughput, as `epsim sweep` leaves it (the API tests); for the browser tests also a
// scenario whose routing makes one GPU hot, a sweep whose TPOT target no point reaches, a small a2a
// benchmark, a small training step, a step that does not fit in memory, and a folder of the
// user's own topologies.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDirAtomically } from '../../sim/output/write-dir.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import { runFiles, runScenario } from '../../sim/scenario/run.ts';
import { planSweep } from '../../sim/scenario/sweep-plan.ts';
import { runSweep, sweepFiles, toSweepFile } from '../../sim/scenario/sweep.ts';
import { writeTrace } from '../../sim/trace/write.ts';
import { createRng } from '../../sim/core/rng.ts';
import { traceFromRows } from '../replay/fixtures.ts';

export const SWEEP_ONLY = 'default-frontier';
/** A sweep on its own (browser tests) with a TPOT target no point reaches: no recommendation. */
export const NO_ANSWER = 'default-no-answer';

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
    .replace(/^sweep: .*$/m, 'sweep:\n  parallel.ep: [8, 16]\n  workload.sequencesPerGpu: [16, 64, 256]\n  targets: { tpotMs: 0.15, totalTokensPerSec: 100000000 }');
  const frontier = await planSweep(frontierText, file);
  writeDirAtomically(join(dir, SWEEP_ONLY), sweepFiles(toSweepFile(frontier, await runSweep(frontier))));
  return dir;
}

/** Expert 6 lives on GPU 3 (EP 8, 2 of 16 experts per GPU); every token picks it, so GPU 3 is hot. */
export const HOT_GPU = 3;

export interface DashboardFixture {
  resultsDir: string;
  topologiesDir: string;
  /** Scenario files the tests may run with the CLI while the page is open. */
  scenarios: { hot: string };
}

export async function makeDashboardResults(): Promise<DashboardFixture> {
  const resultsDir = await makeResults();
  const work = mkdtempSync(join(tmpdir(), 'epsim-web-inputs-'));
  const run = async (file: string, text: string) => {
    const path = join(work, file);
    writeFileSync(path, text);
    const s = await loadScenario(path);
    writeDirAtomically(join(resultsDir, s.spec.name), runFiles(runScenario(s)));
    return path;
  };

  // A 2-layer model whose every token picks expert 6 and one other: GPU 3 computes 8x the tokens.
  const rng = createRng('hot-gpu');
  const rows = Array.from({ length: 2048 }, () =>
    [0, 1].map(() => {
      let other = rng.int(15);
      if (other >= 6) other++;
      return [6, other];
    }),
  );
  const trace = traceFromRows({ layers: 2, ffnExperts: 16, zeroExperts: 0, topk: 2 }, rows, 'hot-expert');
  trace.model.hidden = 1024;
  trace.model.expertHidden = 2048;
  await writeTrace(join(work, 'hot.trace'), trace);
  const hot = await run(
    'hot-gpu.yaml',
    `name: hot-gpu
model: traced
trace: hot.trace
topology: h800-1node
parallel: { ep: 8 }
workload: { phase: decode, sequencesPerGpu: 256, contextTokens: 128 }
schedules: [serial, tbo]
`,
  );
  await run(
    'a2a-small.yaml',
    `name: a2a-small
routing: random
topology: h800-2node
parallel: { ep: 16 }
workload: { phase: a2a, tokensPerGpu: 1024, hidden: 7168, topk: 8, experts: 256 }
network: { allToAll: two-hop }
`,
  );
  await run(
    'train-small.yaml',
    `name: train-small
model: traced
trace: ${join(process.cwd(), 'traces/tiny.trace')}
topology: h800-2node
parallel: { ep: 16 }
workload: { phase: train, tokensPerMicrobatch: 512, chunks: 2 }
schedules: [serial, scmoe-chunked]
`,
  );
  // LongCat-Flash on one node: its weights do not fit, and its routing is the tiny trace fitted to it.
  await run(
    'nofit.yaml',
    `name: nofit
model: longcat-flash
trace: ${join(process.cwd(), 'traces/tiny.trace')}
traceMapping: fit
topology: h800-1node
parallel: { ep: 8 }
workload: { phase: decode, sequencesPerGpu: 8, contextTokens: 2048 }
schedules: [serial, scmoe-sbo]
`,
  );
  // A sweep on its own whose TPOT target no point reaches: sweep.json has no answer, only a recommendation's note saying why.
  const noAnswerText = readFileSync('scenarios/default.yaml', 'utf8')
    .replace('name: default', `name: ${NO_ANSWER}`)
    .replace(/^sweep: .*$/m, 'sweep: { parallel.ep: [8, 16], schedules: [serial, scmoe-sbo], targets: { tpotMs: 0.001 } }');
  const noAnswer = await planSweep(noAnswerText, 'scenarios/default.yaml');
  writeDirAtomically(join(resultsDir, NO_ANSWER), sweepFiles(toSweepFile(noAnswer, await runSweep(noAnswer))));
  // The user's own topology: two H800 nodes with half the NIC bandwidth.
  const topologiesDir = join(work, 'my-topologies');
  mkdirSync(topologiesDir);
  writeFileSync(
    join(topologiesDir, 'slow-nic.yaml'),
    readFileSync('topologies/h800-2node.yaml', 'utf8').replace(/^name: .*$/m, 'name: h800-2node-slow-nic').replace(/(nic:[\s\S]*?peak: )50([\s\S]*?achieved: )50/, '$125$221'),
  );
  return { resultsDir, topologiesDir, scenarios: { hot } };
}
