// `epsim fuse --base DIR --experts DIR[,DIR...] --out DIR [--weights uniform|performance]
// [--drop-rate P] [--erase] [--no-normalize] [--seed S] [--router-biases MODE]`: merges domain-tuned
// checkpoints the LongCat-Flash-Thinking way (model/fusion/). `epsim fuse-eval --base DIR --experts
// DIR,... [--models DIR,...]` prints validation loss and routing per domain for each of them.
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../sim/core/index.ts';
import { BACKEND_CHOICES, isBackendChoice, type BackendChoice } from '../../model/options/index.ts';
import { DEFAULT_FUSION_RECIPE, describeRecipe, ERASE_MEANS, FUSION_WEIGHTINGS, ROUTER_BIAS_MODES, SIGN_ELECTIONS, type FusionRecipe } from '../../model/options/index.ts';
import type { Comparison, FuseResult } from '../../model/fusion/index.ts';
import type { CliIo } from '../index.ts';
import { parseIntOption } from './options.ts';

interface FuseCommandOptions {
  base: string;
  experts: string;
  out: string;
  weights: string;
  dropRate?: string;
  erase?: boolean;
  signElection: string;
  eraseMean: string;
  normalize: boolean;
  seed?: string;
  routerBiases: string;
  recalibrationSteps?: string;
  backend: string;
}

interface FuseEvalCommandOptions {
  base: string;
  experts: string;
  models?: string;
  sequences?: string;
  topExperts?: string;
  json?: string;
  backend: string;
}

function dirList(flag: string, value: string): string[] {
  const dirs = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (dirs.length === 0) throw new UsageError(`${flag} needs at least one directory; got '${value}'`);
  return dirs;
}

function parseRate(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0 || x >= 1) throw new UsageError(`${flag} must be a number in [0, 1); got '${value}'`);
  return x;
}

function backendOf(backend: string): BackendChoice {
  if (!isBackendChoice(backend)) throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}; got '${backend}'`);
  return backend;
}

const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;

export function formatFuseResult(r: FuseResult): string {
  const n = r.experts.length;
  const lines = [
    `fused ${n} expert${n === 1 ? '' : 's'} into ${r.checkpointDir} in ${r.seconds.toFixed(1)} s: ${describeRecipe(r.recipe)}`,
    ...r.experts.map(
      (e) =>
        `  ${e.domain ?? 'expert'}: weight ${e.weight.toFixed(3)}${e.gain !== undefined ? ` (gain on its domain ${e.gain.toFixed(4)} nats/token)` : ''}  ${e.dir}`,
    ),
    `  ${r.entries.toLocaleString('en-US')} parameters; task-vector entries dropped ${pct(r.dropped, r.entries * n)}, erased ${pct(r.erased, r.entries * n)}`,
  ];
  if (r.recalibration) {
    const c = r.recalibration;
    lines.push(`  router biases recalibrated over ${c.steps} batches: FFN experts per token ${c.ffnPerTokenFirst.toFixed(2)} -> ${c.ffnPerTokenLast.toFixed(2)}`);
  }
  return lines.join('\n');
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');

/** The two markdown tables (loss; routing) and, per fused model, its loss change against the plain average. */
export function formatComparison(c: Comparison): string {
  const lines: string[] = [];
  lines.push(`validation loss per domain (nats/token; ${c.tokensPerDomain.toLocaleString('en-US')} tokens per domain, the same windows for every model)`);
  lines.push('');
  lines.push(`| model | ${c.domains.join(' | ')} | mean |`);
  lines.push(`|---|${c.domains.map(() => '---:').join('|')}|---:|`);
  for (const m of c.models) lines.push(`| ${m.label} | ${c.domains.map((d) => f3(m.byDomain[d].loss)).join(' | ')} | ${f3(m.meanLoss)} |`);
  lines.push('');
  lines.push(
    `routing per domain: FFN experts per token (mean ± std across tokens and layers), load imbalance (max/mean), ` +
      `and the Jaccard overlap of the domain's top-${c.topExperts} FFN experts by load (per layer, averaged) with the base's and with the domain expert's`,
  );
  lines.push('');
  lines.push('| model | domain | FFN/token | imbalance | top-k vs base | top-k vs expert |');
  lines.push('|---|---|---:|---:|---:|---:|');
  for (const m of c.models) {
    for (const d of c.domains) {
      const x = m.byDomain[d];
      lines.push(`| ${m.label} | ${d} | ${f2(x.ffnPerTokenMean)} ± ${f2(x.ffnPerTokenStd)} | ${f2(x.loadImbalance)} | ${f2(x.overlapBase)} | ${f2(x.overlapExpert)} |`);
    }
  }
  const plain = c.models.find((m) => m.plainAverage);
  if (plain) {
    for (const m of c.models) {
      if (m.role !== 'fused' || m === plain) continue;
      const delta = (d: string) => m.byDomain[d].loss - plain.byDomain[d].loss;
      const parts = c.domains.map((d) => `${d} ${delta(d) >= 0 ? '+' : ''}${delta(d).toFixed(4)}`);
      const mean = m.meanLoss - plain.meanLoss;
      lines.push('');
      lines.push(`${m.label} - ${plain.label} (loss, nats/token; negative = ${m.label} better): ${parts.join(', ')}, mean ${mean >= 0 ? '+' : ''}${mean.toFixed(4)}`);
    }
  }
  return lines.join('\n');
}

export function registerFuse(program: Command, io: CliIo): void {
  const d = DEFAULT_FUSION_RECIPE;
  program
    .command('fuse')
    .description('merge domain-tuned checkpoints into one (task vectors: normalise, weight, drop, erase; LongCat-Flash-Thinking)')
    .requiredOption('--base <dir>', 'the checkpoint the experts were fine-tuned from')
    .requiredOption('--experts <dirs>', 'comma-separated domain expert checkpoints (epsim train --from BASE --domain NAME)')
    .requiredOption('--out <dir>', 'run directory for the fused checkpoint (written to <dir>/checkpoint)')
    .option('--weights <how>', `expert weights: ${FUSION_WEIGHTINGS.join(' | ')} (performance: by each expert's validation gain on its own domain)`, d.weights)
    .option('--drop-rate <p>', "DARE: share of each task vector's entries zeroed at random, survivors x 1/(1-p) (default 0 = off)")
    .option('--erase', 'erase the minority sign where the experts disagree (default off)')
    .option('--sign-election <rule>', `with --erase: ${SIGN_ELECTIONS.join(' | ')} (count: one vote per expert, ties by the weighted sum; mass: the weighted sum, as TIES)`, d.signElection)
    .option('--erase-mean <how>', `with --erase: ${ERASE_MEANS.join(' | ')} (survivors: average what the erase kept over its own weights, as TIES; all: erased entries count as 0)`, d.eraseMean)
    .option('--no-normalize', 'skip the per-tensor L2 normalisation of the task vectors')
    .option('--seed <s>', `seed of the drop masks and the recalibration batches (default ${d.seed})`)
    .option('--router-biases <mode>', `router selection biases: ${ROUTER_BIAS_MODES.join(' | ')}`, d.routerBiases)
    .option('--recalibration-steps <n>', `budget-controller steps for --router-biases recalibrate (default ${d.recalibrationSteps})`)
    .option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .action(async (o: FuseCommandOptions) => {
      const backend = backendOf(o.backend);
      const recipe: Partial<FusionRecipe> = {
        normalize: o.normalize,
        weights: o.weights as FusionRecipe['weights'],
        dropRate: parseRate('--drop-rate', o.dropRate) ?? d.dropRate,
        erase: Boolean(o.erase),
        signElection: o.signElection as FusionRecipe['signElection'],
        eraseMean: o.eraseMean as FusionRecipe['eraseMean'],
        seed: parseIntOption('--seed', o.seed, 0) ?? d.seed,
        routerBiases: o.routerBiases as FusionRecipe['routerBiases'],
        recalibrationSteps: parseIntOption('--recalibration-steps', o.recalibrationSteps, 0) ?? d.recalibrationSteps,
      };
      const expertDirs = dirList('--experts', o.experts);
      // model/fusion/ loads TensorFlow.js: only when the command runs, not to register it.
      const { fuseCheckpoints } = await import('../../model/fusion/index.ts');
      const result = await fuseCheckpoints({
        baseDir: o.base,
        expertDirs,
        outDir: o.out,
        recipe,
        backend,
        onNote: (m) => io.out(`note: ${m}\n`),
      });
      io.out(formatFuseResult(result) + '\n');
    });

  program
    .command('fuse-eval')
    .description('validation loss and routing per corpus domain for a base, its domain experts and fused models')
    .requiredOption('--base <dir>', 'the base checkpoint')
    .requiredOption('--experts <dirs>', 'comma-separated domain expert checkpoints')
    .option('--models <dirs>', 'comma-separated further checkpoints to score (e.g. the plain average and the fused model)')
    .option('--sequences <n>', "validation windows per domain (default: twice the base's evalSequences)")
    .option('--top-experts <k>', 'k for the top-k FFN-expert overlap (default: a quarter of the FFN experts)')
    .option('--json <file>', 'also write the figures as JSON')
    .option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .action(async (o: FuseEvalCommandOptions) => {
      const backend = backendOf(o.backend);
      const request = {
        baseDir: o.base,
        expertDirs: dirList('--experts', o.experts),
        modelDirs: o.models !== undefined ? dirList('--models', o.models) : [],
        sequencesPerDomain: parseIntOption('--sequences', o.sequences, 1),
        topExperts: parseIntOption('--top-experts', o.topExperts, 1),
        backend,
      };
      const { compareModels } = await import('../../model/fusion/index.ts');
      const comparison = await compareModels(request);
      io.out(formatComparison(comparison) + '\n');
      if (o.json !== undefined) {
        fs.writeFileSync(o.json, JSON.stringify(comparison, null, 2) + '\n');
        io.out(`wrote ${o.json}\n`);
      }
    });
}
