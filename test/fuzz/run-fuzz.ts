// The fuzz suite: seeded, deterministic cases in six classes, each of which must end as a clean
// error (exit 2 naming the file or a flag; a 4xx) or a success, within a time and memory bound.
//   scenario  mutated shipped scenarios: `epsim validate`, and `epsim run` when small
//   composed  scenarios composed key by key at the edges of each size: validate, and run when small
//   topology  mutated topology presets: `epsim validate`, then a small scenario run on them
//   trace     damaged traces/tiny.trace under scenarios/default.yaml
//   csv       damaged dumps through `epsim import-trace`
//   special   /dev/zero, a FIFO, a folder and a 10 GB sparse file as every kind of input
//   http      hostile requests against createApp() on 127.0.0.1
// CLI cases run in a child process (cli-pool.ts) with a timeout and --max-old-space-size.
// fast-check draws the cases from the seed and shrinks a failing one to a small reproducer.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { CliPool, type CliResult, type Outcome } from './cli-pool.ts';
import { csvMutation, mutateCsv, mutateTrace, mutateYaml, traceMutation, validCsv, yamlMutation } from './mutations.ts';
import { httpCase, startHttpTarget, type HttpOutcome } from './http-cases.ts';
import { composeScenario, composedScenario } from './composed.ts';

export const CLASSES = ['scenario', 'composed', 'topology', 'trace', 'csv', 'special', 'http'] as const;
export type FuzzClass = (typeof CLASSES)[number];

export interface ClassStats {
  inputs: number;
  ok: number;
  clean: number;
  crash: number;
  hang: number;
  oom: number;
  /** HTTP: answers of 500 and above, and responses that leaked a file outside the served folders. */
  serverError: number;
  leak: number;
  /** CLI cases that got as far as a simulation. */
  simulated: number;
}

export interface FuzzFailure {
  cls: FuzzClass;
  outcome: string;
  /** The shrunk case as data, and what it produced. */
  input: unknown;
  detail: string;
}

export interface FuzzOptions {
  inputs: number;
  seed: number;
  /** Per CLI case (ms) and child heap (MB). */
  timeoutMs?: number;
  heapMb?: number;
  classes?: readonly FuzzClass[];
  log?: (line: string) => void;
}

/** Share of the inputs per class (special has a fixed list). */
const SHARE: Record<Exclude<FuzzClass, 'special'>, number> = { scenario: 0.2, composed: 0.15, topology: 0.15, trace: 0.12, csv: 0.1, http: 0.28 };

export async function runFuzz(options: FuzzOptions): Promise<{ stats: Record<FuzzClass, ClassStats>; failures: FuzzFailure[] }> {
  const log = options.log ?? (() => {});
  const classes = options.classes ?? CLASSES;
  const work = mkdtempSync(join(tmpdir(), 'epsim-fuzz-'));
  const pool = new CliPool({ timeoutMs: options.timeoutMs ?? 30_000, heapMb: options.heapMb ?? 1024 });
  const stats = Object.fromEntries(CLASSES.map((c) => [c, { inputs: 0, ok: 0, clean: 0, crash: 0, hang: 0, oom: 0, serverError: 0, leak: 0, simulated: 0 }])) as Record<FuzzClass, ClassStats>;
  const failures: FuzzFailure[] = [];
  let n = 0;
  const file = (name: string, content: Buffer | string) => {
    const path = join(work, `${n++}-${name}`);
    writeFileSync(path, content);
    return path;
  };
  // Shrinking re-runs cases after the first failure; those are not counted as inputs.
  let counting = true;
  const tally = (cls: FuzzClass, outcome: keyof ClassStats, simulated = false) => {
    if (!counting) return;
    stats[cls].inputs++;
    stats[cls][outcome]++;
    if (simulated) stats[cls].simulated++;
  };
  const count = (cls: FuzzClass, r: CliResult): boolean => {
    tally(cls, r.outcome, r.ran);
    return r.outcome === 'ok' || r.outcome === 'clean';
  };

  /** One property per class: fast-check draws `runs` cases from the seed and shrinks the first failure. */
  async function check<T>(cls: FuzzClass, arb: fc.Arbitrary<T>, runs: number, test: (input: T) => Promise<{ pass: boolean; detail: string; outcome: string }>) {
    if (!classes.includes(cls) || runs <= 0) return;
    let last = { detail: '', outcome: '' };
    counting = true;
    const result = await fc.check(
      fc.asyncProperty(arb, async (input) => {
        const r = await test(input).catch((e: unknown) => ({ pass: false, outcome: 'harness error', detail: `the fuzz harness itself threw: ${(e as Error)?.stack ?? String(e)}` }));
        if (!r.pass) {
          counting = false;
          last = r;
        }
        return r.pass;
      }),
      { seed: options.seed + CLASSES.indexOf(cls), numRuns: runs },
    );
    counting = true;
    if (result.failed) failures.push({ cls, outcome: last.outcome, input: result.counterexample?.[0], detail: last.detail });
    log(`${cls}: ${JSON.stringify(stats[cls])}`);
  }
  const runs = (cls: Exclude<FuzzClass, 'special'>) => Math.max(1, Math.round(options.inputs * SHARE[cls]));
  /** Runs a case; a failure's detail shows the command, its stderr and the input it was given. */
  const cli = async (cls: FuzzClass, argv: string[], mentions: string[], runIfSmall = false, input?: string) => {
    const r = await pool.run(argv, mentions, runIfSmall);
    const shown = input ? `\n--- ${input} (first 2000 bytes) ---\n${readFileSync(input).subarray(0, 2000).toString('latin1')}` : '';
    return { pass: count(cls, r), outcome: r.outcome, detail: `epsim ${argv.join(' ')} -> ${r.outcome} (exit ${r.code ?? '-'})\n${r.err}${shown}` };
  };

  try {
    const scenarios = readdirSync('scenarios').map((f) => ({ name: f, text: readFileSync(join('scenarios', f), 'utf8') }));
    await check('scenario', fc.record({ base: fc.nat(scenarios.length - 1), mutations: fc.array(yamlMutation, { minLength: 1, maxLength: 4 }) }), runs('scenario'), async (c) => {
      // Half of the cases mutate default.yaml, the one small enough to run inside the budget.
      const base = c.base % 2 === 0 ? scenarios.find((s) => s.name === 'default.yaml')! : scenarios[c.base]!;
      const path = file(base.name, mutateYaml(base.text, c.mutations));
      return cli('scenario', ['run', path, '--out', join(work, 'out'), '--schedule', 'serial'], [path, '--'], true, path);
    });

    await check('composed', composedScenario, runs('composed'), async (c) => {
      const path = file('composed.yaml', composeScenario(c));
      return cli('composed', ['run', path, '--out', join(work, 'out')], [path, '--'], true, path);
    });

    const topologies = readdirSync('topologies').filter((f) => f.endsWith('.yaml')).map((f) => ({ name: f, text: readFileSync(join('topologies', f), 'utf8') }));
    await check('topology', fc.record({ base: fc.nat(topologies.length - 1), mutations: fc.array(yamlMutation, { minLength: 1, maxLength: 4 }), run: fc.boolean() }), runs('topology'), async (c) => {
      const base = c.run ? topologies.find((t) => t.name === 'h800-2node.yaml')! : topologies[c.base]!;
      const path = file(base.name, mutateYaml(base.text, c.mutations));
      if (!c.run) return cli('topology', ['validate', path], [path], false, path);
      const scenario = file('on-topology.yaml', `name: t\nmodel: traced\ntrace: traces/tiny.trace\ntopology: ${path}\nparallel: { ep: 8 }\nworkload: { phase: decode, sequencesPerGpu: 4, contextTokens: 256 }\nschedules: [serial]\n`);
      return cli('topology', ['run', scenario, '--out', join(work, 'out')], [scenario, path], true, path);
    });

    const trace = readFileSync('traces/tiny.trace');
    const defaultYaml = readFileSync('scenarios/default.yaml', 'utf8');
    await check('trace', fc.array(traceMutation, { minLength: 1, maxLength: 3 }), runs('trace'), async (mutations) => {
      const path = file('damaged.trace', mutateTrace(trace, mutations));
      const scenario = file('on-trace.yaml', defaultYaml.replace('trace: traces/tiny.trace', `trace: ${path}`));
      return cli('trace', ['run', scenario, '--out', join(work, 'out'), '--schedule', 'serial'], [scenario, path], true);
    });

    const csv = validCsv(24, 3);
    await check('csv', fc.array(csvMutation, { minLength: 1, maxLength: 4 }), runs('csv'), async (mutations) => {
      const path = file('dump.csv', mutateCsv(csv, mutations));
      return cli('csv', ['import-trace', path, '--ffn-experts', '8', '--out', join(work, `${n}.trace`)], [path, '--'], false, path);
    });

    if (classes.includes('special')) {
      const specials = specialFiles(work);
      for (const [what, path] of specials) {
        const cases: string[][] = [
          ['validate', path],
          ['run', file('uses-special.yaml', defaultYaml.replace('trace: traces/tiny.trace', `trace: ${path}`)), '--out', join(work, 'out')],
          ['run', file('uses-special-topology.yaml', defaultYaml.replace('topology: h800-2node', `topology: ${path}`)), '--out', join(work, 'out')],
          ['import-trace', path, '--ffn-experts', '8', '--out', join(work, 'special.trace')],
        ];
        for (const argv of cases) {
          const r = await pool.run(argv, [path, argv[1]!]);
          if (!count('special', r)) failures.push({ cls: 'special', outcome: r.outcome, input: { what, argv }, detail: r.err });
        }
      }
      log(`special: ${JSON.stringify(stats.special)}`);
    }

    if (classes.includes('http')) {
      const target = await startHttpTarget(work);
      try {
        await check('http', httpCase, runs('http'), async (c) => {
          const r: HttpOutcome = await target.send(c);
          tally('http', r.outcome);
          return { pass: r.outcome === 'ok' || r.outcome === 'clean', outcome: r.outcome, detail: r.detail };
        });
      } finally {
        await target.close();
      }
    }
  } finally {
    pool.close();
    rmSync(work, { recursive: true, force: true });
  }
  return { stats, failures };
}

/** Inputs that are not regular files, or too large: each must be refused by name at once. */
function specialFiles(work: string): [string, string][] {
  const fifo = join(work, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);
  const folder = join(work, 'folder.yaml');
  mkdirSync(folder);
  const huge = join(work, 'huge.trace');
  writeFileSync(huge, '');
  truncateSync(huge, 10 * 1024 ** 3);
  const link = join(work, 'zero-link.yaml');
  symlinkSync('/dev/zero', link);
  return [
    ['/dev/zero', '/dev/zero'],
    ['a FIFO', fifo],
    ['a folder', folder],
    ['a 10 GB sparse file', huge],
    ['a symlink to /dev/zero', link],
    ['a missing file', resolve(work, 'missing.yaml')],
  ];
}

export function totalFailures(stats: Record<FuzzClass, ClassStats>): number {
  return Object.values(stats).reduce((s, c) => s + c.crash + c.hang + c.oom + c.serverError + c.leak, 0);
}

export type { Outcome };
