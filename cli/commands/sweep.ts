// `epsim sweep SCENARIO.yaml [--ep 8,16,32] [--out DIR]`: EP sizes (and batch sizes from the
// scenario's sweep.batch) x schedules in worker threads, a table, sweep.csv + sweep.json, and a
// recommendation.
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { UsageError } from '../../sim/core/index.ts';
import type { SweepPoint } from '../../sim/output/index.ts';
import { emulationNotes, formatTable, metricsRow, TABLE_COLUMNS } from '../../sim/output/index.ts';
import { writeDirAtomically } from '../../sim/output/index.ts';
import { loadScenario } from '../../sim/scenario/index.ts';
import { recommend, runSweep, sweepJobs, toSweepCsv, toSweepFile } from '../../sim/scenario/index.ts';
import type { CliIo } from '../index.ts';

export function registerSweep(program: Command, io: CliIo): void {
  program
    .command('sweep')
    .description('compare EP group sizes x schedules (in parallel worker threads) and recommend one')
    .argument('<scenario>', 'scenario YAML file')
    .option('--ep <sizes>', 'comma-separated EP group sizes (default: the scenario\'s sweep.ep)')
    .option('--out <dir>', 'output folder (default results/<scenario name>/)')
    .action(async (file: string, options: { ep?: string; out?: string }) => {
      const scenario = await loadScenario(file);
      const eps = options.ep ? parseSizes(options.ep) : (scenario.spec.sweep?.ep ?? [scenario.input.parallel.ep]);
      const jobs = sweepJobs(scenario, eps, scenario.spec.sweep?.batch);
      const total = jobs.length * scenario.schedules.length;
      io.out(`${scenario.spec.name}: ${total} points (EP ${eps.join(', ')}${scenario.spec.sweep?.batch ? `; batch ${scenario.spec.sweep.batch.join(', ')}` : ''} x ${scenario.schedules.join(', ')})\n`);
      // cli-progress draws on stderr: a bar only when that is a terminal, plain lines in logs and pipes.
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'sweep [{bar}] {value}/{total} points | ETA {eta_formatted} | {last}', hideCursor: true }, Presets.shades_classic) : undefined;
      bar?.start(total, 0, { last: '' });
      let done = 0;
      const points = await runSweep(jobs, (p) => {
        done++;
        const label = `ep ${p.ep}${p.batch !== undefined ? ` batch ${p.batch}` : ''} ${p.schedule}`;
        if (bar) bar.update(done, { last: label });
        else io.out(`  [${done}/${total}] ${label}${p.error ? `: ${p.error}` : ''}\n`);
      }).finally(() => bar?.stop());
      const rec = recommend(points, scenario.spec.workload.phase, scenario.spec.sweep?.tpotTargetMs);
      const dir = options.out ?? join('results', scenario.spec.name);
      writeDirAtomically(dir, {
        'sweep.json': `${JSON.stringify(toSweepFile(scenario.spec.name, points, rec), null, 2)}\n`,
        'sweep.csv': toSweepCsv(points),
      });
      const a2a = points.filter((p) => p.metrics?.dispatchGBps !== undefined).map((p) => `  EP ${p.ep}: dispatch ${p.metrics!.dispatchUs} µs at ${p.metrics!.dispatchGBps} GB/s, combine ${p.metrics!.combineUs} µs at ${p.metrics!.combineGBps} GB/s`);
      const notes = emulationNotes(points.flatMap((p) => (p.metrics ? [p.metrics] : []))).map((n) => `${n}\n`).join('');
      io.out(`\n${sweepTable(points)}\n${notes}${a2a.length ? `\nbandwidth as DeepEP counts it:\n${a2a.join('\n')}\n` : ''}\n${describeRecommendation(rec)}\nwrote ${join(dir, 'sweep.csv')} and sweep.json\n`);
    });
}

function parseSizes(text: string): number[] {
  return text.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--ep: expected comma-separated positive integers, got "${text}"`);
    return n;
  });
}

function sweepTable(points: SweepPoint[]): string {
  const header = ['ep', 'batch', ...TABLE_COLUMNS];
  const rows = points.map((p) => {
    const lead = [String(p.ep), p.batch === undefined ? '' : String(p.batch)];
    if (!p.metrics) return [...lead, p.schedule, `error: ${p.error ?? ''}`, '', '', '', '', '', ''];
    return [...lead, ...metricsRow(p.metrics)];
  });
  return formatTable(header, rows);
}

function describeRecommendation(r: ReturnType<typeof recommend>): string {
  const at = (p: { ep: number; batch?: number; schedule: string }) => `EP ${p.ep}${p.batch === undefined ? '' : `, batch ${p.batch},`} with ${p.schedule}`;
  const lines: string[] = [];
  if (r.lowestTpot) lines.push(`recommended (lowest TPOT that fits): ${at(r.lowestTpot)}, TPOT ${r.lowestTpot.tpotMs} ms`);
  if (r.bestThroughputUnderTarget) {
    const b = r.bestThroughputUnderTarget;
    lines.push(`recommended (most tokens/s per GPU with TPOT <= ${b.tpotTargetMs} ms): ${at(b)}, ${Math.round(b.tokensPerSecPerGpu).toLocaleString('en-US')} tokens/s per GPU`);
  }
  if (r.fastest) lines.push(`recommended (shortest step that fits): ${at(r.fastest)}, ${r.fastest.stepTimeUs} µs`);
  if (r.note) lines.push(`note: ${r.note}`);
  return lines.join('\n');
}
