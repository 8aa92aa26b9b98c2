// `epsim train [--preset tiny|longcat-shape] [--steps N] [--backend ...] [--out DIR] [--seed S]`:
// trains the MoE model (resuming from DIR's checkpoint when there is one) with a progress bar on a
// terminal, plain log lines otherwise, and ends with validation loss next to the unigram baseline.
// `--from BASE_DIR --domain NAME` fine-tunes a trained checkpoint on one domain of the corpus.
import * as path from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { UsageError } from '../../sim/core/index.ts';
import { CORPUS_DOMAINS } from '../../model/corpus/index.ts';
import { BACKEND_CHOICES, isBackendChoice, PRESET_NAMES } from '../../model/options/index.ts';
import type { TrainEvent, TrainResult } from '../../model/index.ts';
import type { CliIo } from '../index.ts';
import { parseIntOption } from './options.ts';

export interface TrainCommandOptions {
  preset?: string;
  steps?: string;
  backend: string;
  out?: string;
  seed?: string;
  from?: string;
  domain?: string;
}

/** Default run directory of a fine-tune: `runs/<base run name>-<domain>`, e.g. runs/tiny-code. */
export function fineTuneOutDir(from: string, domain: string): string {
  let base = path.resolve(from);
  if (path.basename(base) === 'checkpoint') base = path.dirname(base);
  return path.join('runs', `${path.basename(base)}-${domain}`);
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

/** One human line per step, shared by the bar and the plain log. */
function stepLine(e: Extract<TrainEvent, { type: 'step' }>): string {
  const eta = ((e.totalSteps - e.step) * e.msPerStep) / 1000;
  return (
    `step ${e.step}/${e.totalSteps} | loss ${e.stats.lmLoss.toFixed(3)} | ${Math.round(e.tokensPerSec)} tok/s | ` +
    `FFN experts/token ${e.stats.ffnPerTokenMean.toFixed(2)} ± ${e.stats.ffnPerTokenStd.toFixed(2)} | ` +
    `imbalance ${e.stats.loadImbalance.toFixed(2)} | ETA ${formatDuration(eta)}`
  );
}

/**
 * Renders training events: a cli-progress bar (drawn on `barStream`, stderr) when `tty`, else a log
 * line every `every` steps. `say` prints a line of its own: it ends the bar first, so a message
 * never lands on the end of the bar's line.
 */
export function createTrainReporter(
  io: CliIo,
  tty: boolean,
  barStream: NodeJS.WritableStream = process.stderr,
): { onEvent: (e: TrainEvent) => void; say: (line: string) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  let every = 10;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  // A message ends the bar (it would draw over the line), then prints plainly.
  const say = (line: string) => {
    stop();
    io.out(line + '\n');
  };
  const onEvent = (e: TrainEvent) => {
    switch (e.type) {
      case 'start': {
        const m = e.run.model;
        say(`backend: ${e.backend.description}${e.backend.fallbacks.length ? ` (skipped ${e.backend.fallbacks.join('; ')})` : ''}`);
        say(
          `model ${m.name}: ${e.params.toLocaleString('en-US')} parameters, ${m.layers} ScMoE layers, d=${m.hidden}, ` +
            `${m.ffnExperts} FFN + ${m.zeroExperts} zero experts, top-${m.topK}, K_e=${m.targetFfnPerToken}; ` +
            `${e.trainTokens.toLocaleString('en-US')} train tokens, ${e.validationTokens.toLocaleString('en-US')} validation tokens`,
        );
        if (e.resumedFrom !== null) {
          say(
            e.resumedFrom >= e.totalSteps
              ? `checkpoint ${e.checkpointDir} already finished at step ${e.resumedFrom}`
              : `resuming from step ${e.resumedFrom} of ${e.totalSteps} (checkpoint ${e.checkpointDir})`,
          );
        }
        every = Math.max(1, Math.round(e.totalSteps / 40));
        if (tty && e.resumedFrom !== e.totalSteps) {
          bar = new SingleBar({ format: '{bar} {line}', barsize: 20, hideCursor: true, clearOnComplete: false, stream: barStream });
          bar.start(e.totalSteps, e.resumedFrom ?? 0, { line: 'starting...' });
        }
        break;
      }
      case 'step':
        if (bar) bar.update(e.step, { line: stepLine(e) });
        else if (e.step % every === 0 || e.step === e.totalSteps || e.step === 1) io.out(stepLine(e) + '\n');
        break;
      case 'eval':
        if (!bar) io.out(`validation at step ${e.step}: loss ${e.validation.loss.toFixed(4)}\n`);
        break;
      case 'checkpoint':
        if (!bar) io.out(`checkpoint written at step ${e.step}: ${e.dir}\n`);
        break;
      case 'note':
        say(`note: ${e.message}`);
        break;
    }
  };
  return { onEvent, say, stop };
}

export function formatTrainResult(r: TrainResult): string {
  const verdict = r.validationLoss < r.unigramLoss ? 'below' : 'NOT below';
  return [
    `${r.alreadyDone ? 'finished earlier' : 'done'}: ${r.preset} trained for ${r.steps} steps on ${r.backend} ` +
      `(${formatDuration(r.wallSeconds)} of training${r.tokensPerSec ? `, ${Math.round(r.tokensPerSec)} tok/s this session` : ''})`,
    `validation loss ${r.validationLoss.toFixed(4)} nats/token${r.domain ? ` on ${r.domain}` : ''} (${verdict} the unigram baseline ${r.unigramLoss.toFixed(4)})`,
    `FFN experts per token on validation: ${r.ffnPerTokenMean.toFixed(2)} ± ${r.ffnPerTokenStd.toFixed(2)} (std across tokens); ` +
      `expert-load imbalance (max/mean) ${r.loadImbalance.toFixed(2)}`,
    `checkpoint: ${r.checkpointDir}`,
  ].join('\n');
}

export function registerTrain(program: Command, io: CliIo): void {
  program
    .command('train')
    .description('train the LongCat-style MoE model on the bundled corpus (resumes from --out when it holds a checkpoint)')
    .option('--preset <name>', `model preset: ${PRESET_NAMES.join(' | ')} (default tiny, or the checkpoint's)`)
    .option('--steps <n>', "total optimizer steps (default: the preset's)")
    .option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--out <dir>', 'run directory (default runs/<preset>)')
    .option('--seed <s>', "seed for a new run (default: the preset's, or the base's with --from)")
    .option('--from <dir>', 'fine-tune this trained run (or checkpoint) directory instead of starting from scratch; needs --domain')
    .option('--domain <name>', `with --from: the corpus domain to fine-tune on: ${CORPUS_DOMAINS.join(' | ')} (default --steps 150, --out runs/<base>-<domain>)`)
    .action(async (o: TrainCommandOptions) => {
      if (!isBackendChoice(o.backend)) throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}; got '${o.backend}'`);
      if (o.preset !== undefined && !(PRESET_NAMES as readonly string[]).includes(o.preset)) {
        throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}; got '${o.preset}'`);
      }
      const steps = parseIntOption('--steps', o.steps, 1);
      const seed = parseIntOption('--seed', o.seed, 0);
      const outDir = o.out ?? (o.from !== undefined && o.domain !== undefined ? fineTuneOutDir(o.from, o.domain) : `runs/${o.preset ?? 'tiny'}`);
      // model/ loads TensorFlow.js: only when the command runs, not to register it.
      const { trainModel } = await import('../../model/index.ts');
      const reporter = createTrainReporter(io, Boolean(process.stderr.isTTY));
      try {
        const result = await trainModel({
          outDir,
          preset: o.preset,
          steps,
          seed,
          from: o.from,
          domain: o.domain,
          backend: o.backend,
          onEvent: reporter.onEvent,
        });
        reporter.stop();
        io.out(formatTrainResult(result) + '\n');
      } finally {
        reporter.stop();
      }
    });
}
