// The fuzz suite's CLI worker: a child process that runs CLI cases one at a time through the real
// `main()` (the code bin/epsim.js runs), reading one JSON case per stdin line and answering one
// JSON line each. The parent kills it on a timeout (a hang) and restarts it after a crash or an
// out-of-memory death; it runs with --max-old-space-size so a leak shows up as OOM, not as swap.
import { createInterface } from 'node:readline';
import { main } from '../../cli/main.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import { workFigures } from '../../sim/scenario/work-bounds.ts';

export interface ChildCase {
  id: number;
  argv: string[];
  /** Run the simulation only when the scenario (argv[1]) validates and is small (keeps the budget). */
  runIfSmall?: boolean;
}

export interface ChildAnswer {
  id: number;
  code: number;
  err: string;
  ran: boolean;
}

/** Small enough to simulate inside a fuzz budget (about a second): the default scenario's size. */
async function isSmall(file: string): Promise<boolean> {
  try {
    const s = await loadScenario(file);
    const f = workFigures(s.spec, s.topology, s.model, s.schedules);
    return f.gpus <= 64 && f.totalTokens <= 16_384 && f.gpuLayers <= 2_048;
  } catch {
    return false;
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const c = JSON.parse(line) as ChildCase;
  let err = '';
  const io = { out: () => {}, err: (t: string) => void (err += t) };
  let code: number;
  let ran = false;
  if (c.runIfSmall && (await isSmall(c.argv[1]!))) {
    ran = true;
    code = await main(c.argv, io);
  } else {
    code = await main(c.runIfSmall ? ['validate', c.argv[1]!] : c.argv, io);
  }
  process.stdout.write(`${JSON.stringify({ id: c.id, code, err: err.slice(0, 4000), ran } satisfies ChildAnswer)}\n`);
}
