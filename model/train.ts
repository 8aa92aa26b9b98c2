// The training run: data, model, Adam, periodic atomic checkpoints, resume, and the final
// validation loss next to the unigram baseline. Reports progress through an event callback
// (no console output here; the CLI draws the progress bar). With `from` + `domain` it is a domain
// fine-tune: the base checkpoint's weights, router biases and tokenizer, a fresh Adam state and a
// shorter, gentler schedule (fineTuneTrainConfig), on one domain's slice of the corpus.
import * as path from 'node:path';
import { UsageError } from '../sim/core/index.ts';
import { initBackend, type BackendInfo } from './backend/index.ts';
import type { BackendChoice } from './options/index.ts';
import { sampleBatch, validationBatches, type TokenBatch } from './batches.ts';
import { hasCheckpoint, readCheckpoint, readCheckpointConfig, weightsSha256, writeCheckpoint, type RunState } from './checkpoint.ts';
import { validateRunConfig, type RunConfig, type TrainConfig } from './config.ts';
import { CORPUS_DOMAINS, type CorpusDocument, type CorpusDomain } from './corpus/index.ts';
import { evaluate, type EvalResult } from './evaluate.ts';
import { learningRateAt } from './lr-schedule.ts';
import { createAdamState, disposeAdamState, type AdamState } from './optimizer.ts';
import { resolveCheckpointDir } from './trace-model.ts';
import { countParams } from './params.ts';
import { presetConfig } from './presets.ts';
import type { BpeTokenizer } from './tokenizer/index.ts';
import { encodeByDomain, fitTokenizer, loadSplit, streamTokens, type DomainStreams } from './training-data.ts';
import { trainStep, type StepStats } from './train-step.ts';
import { createModel, disposeModel, type MoeModel } from './transformer.ts';
import { unigramCrossEntropy, unigramLogProbs } from './unigram.ts';

export interface TrainOptions {
  /** Run directory; the checkpoint lives in `<outDir>/checkpoint`. */
  outDir: string;
  /** Preset for a new run (default 'tiny'); a resumed run must name the same one, or none. */
  preset?: string;
  /** A full config instead of a preset (tests). */
  config?: RunConfig;
  /** Total steps; overrides the preset, and extends a finished run when larger. */
  steps?: number;
  /** Seed for a new run (default: the preset's, or the base's for a fine-tune). */
  seed?: number;
  /** Fine-tune: the base run (or checkpoint) directory to start from; needs `domain`. */
  from?: string;
  /** Fine-tune: the corpus domain to train on (speech, prose or code). */
  domain?: string;
  backend?: BackendChoice;
  onEvent?: (event: TrainEvent) => void;
}

export type TrainEvent =
  | {
      type: 'start';
      resumedFrom: number | null;
      totalSteps: number;
      backend: BackendInfo;
      run: RunConfig;
      params: number;
      trainTokens: number;
      validationTokens: number;
      checkpointDir: string;
    }
  | { type: 'step'; step: number; totalSteps: number; stats: StepStats; msPerStep: number; tokensPerSec: number }
  | { type: 'eval'; step: number; validation: EvalResult }
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'note'; message: string };

export interface TrainResult {
  outDir: string;
  checkpointDir: string;
  preset: string;
  backend: string;
  /** Steps completed in total. */
  steps: number;
  /** Step the run resumed from (null for a new run). */
  resumedFrom: number | null;
  /** True when the checkpoint had already finished and nothing was trained. */
  alreadyDone: boolean;
  validationLoss: number;
  unigramLoss: number;
  /** FFN experts per token on the validation tokens (mean, std across tokens), and load max/mean. */
  ffnPerTokenMean: number;
  ffnPerTokenStd: number;
  loadImbalance: number;
  /** Training wall time, summed over sessions. */
  wallSeconds: number;
  /** Mean training throughput of this session (0 when nothing was trained). */
  tokensPerSec: number;
  /** The domain a fine-tune trained and validated on (absent: every domain). */
  domain?: string;
}

export function checkpointDirOf(outDir: string): string {
  return path.join(outDir, 'checkpoint');
}

/** Steps of a domain fine-tune when --steps is not given. */
export const FINE_TUNE_DEFAULT_STEPS = 150;
/** A fine-tune's peak learning rate as a share of the base run's. */
export const FINE_TUNE_LR_FRACTION = 1 / 3;

/**
 * A fine-tune's training config: the base's, on one domain, for `steps` steps, with peak learning
 * rate FINE_TUNE_LR_FRACTION x the base's and a warm-up of at most a tenth of the steps (Adam
 * starts from zero moments, so it needs a short warm-up again). Everything else (batch, Adam
 * settings, losses, the budget controller's rate) is the base's.
 */
export function fineTuneTrainConfig(base: TrainConfig, steps: number, domain: CorpusDomain): TrainConfig {
  return {
    ...base,
    steps,
    learningRate: base.learningRate * FINE_TUNE_LR_FRACTION,
    warmupSteps: Math.min(base.warmupSteps, Math.ceil(steps / 10)),
    checkpointEvery: Math.min(base.checkpointEvery, steps),
    domain,
  };
}

function checkDomain(domain: string | undefined): CorpusDomain | undefined {
  if (domain !== undefined && !(CORPUS_DOMAINS as readonly string[]).includes(domain)) {
    throw new UsageError(`--domain must be one of ${CORPUS_DOMAINS.join(', ')}; got '${domain}'`);
  }
  return domain as CorpusDomain | undefined;
}

/** The documents a run trains and validates on: all of them, or its domain's. */
function domainSlice(docs: CorpusDocument[], domain: CorpusDomain | undefined): CorpusDocument[] {
  return domain === undefined ? docs : docs.filter((d) => d.domain === domain);
}

interface Session {
  run: RunConfig;
  tokenizer: BpeTokenizer;
  model: MoeModel;
  optimizer: AdamState;
  state: RunState;
  log: Record<string, unknown>[];
  resumedFrom: number | null;
}

function openSession(opts: TrainOptions, backend: BackendInfo, corpusHash: string, fit: (run: RunConfig) => BpeTokenizer): Session {
  const dir = checkpointDirOf(opts.outDir);
  if (hasCheckpoint(dir)) {
    const { run } = readCheckpointConfig(dir);
    if (opts.preset && opts.preset !== run.model.name) {
      throw new UsageError(`holds a '${run.model.name}' checkpoint, not '${opts.preset}'; choose another --out`, opts.outDir);
    }
    if (opts.seed !== undefined && opts.seed !== run.seed) {
      throw new UsageError(`holds a checkpoint trained with seed ${run.seed}, not ${opts.seed}; choose another --out`, opts.outDir);
    }
    const c = readCheckpoint(dir);
    const totalSteps = opts.steps ?? c.state.totalSteps;
    const state: RunState = { ...c.state, totalSteps, done: c.state.done && c.state.step >= totalSteps };
    return { run: c.run, tokenizer: c.tokenizer, model: c.model, optimizer: c.optimizer, state, log: c.log, resumedFrom: c.state.step };
  }
  if (opts.from !== undefined) return openFineTune(opts, opts.from, backend, corpusHash);
  const base = opts.config ?? presetConfig(opts.preset ?? 'tiny');
  const run = validateRunConfig({
    model: { ...base.model },
    train: { ...base.train, steps: opts.steps ?? base.train.steps },
    seed: opts.seed ?? base.seed,
  });
  const tokenizer = fit(run);
  const model = createModel(run.model, run.seed);
  const state: RunState = { step: 0, totalSteps: run.train.steps, done: false, backend: backend.name, wallSeconds: 0, corpusHash };
  return { run, tokenizer, model, optimizer: createAdamState(model.params), state, log: [], resumedFrom: null };
}

/** A new fine-tune session: the base's weights, biases and tokenizer, fresh Adam moments. */
function openFineTune(opts: TrainOptions, from: string, backend: BackendInfo, corpusHash: string): Session {
  const domain = checkDomain(opts.domain)!;
  const baseDir = resolveCheckpointDir(from);
  const c = readCheckpoint(baseDir);
  disposeAdamState(c.optimizer);
  const steps = opts.steps ?? FINE_TUNE_DEFAULT_STEPS;
  const run = validateRunConfig({
    model: { ...c.run.model },
    train: fineTuneTrainConfig(c.run.train, steps, domain),
    seed: opts.seed ?? c.run.seed,
    origin: { kind: 'fine-tune', base: baseDir, baseStep: c.state.step, baseWeightsSha256: weightsSha256(baseDir), domain },
  });
  const model = { ...c.model, config: run.model };
  const state: RunState = { step: 0, totalSteps: steps, done: false, backend: backend.name, wallSeconds: 0, corpusHash };
  return { run, tokenizer: c.tokenizer, model, optimizer: createAdamState(model.params), state, log: [], resumedFrom: null };
}

/** The run config a call will use, read before any tensor is made (for the corpus split). */
function plannedRun(opts: TrainOptions, checkpointDir: string): RunConfig {
  if (hasCheckpoint(checkpointDir)) {
    const { run } = readCheckpointConfig(checkpointDir);
    if (opts.domain !== undefined && opts.domain !== run.train.domain) {
      const holds = run.train.domain ? `a fine-tune on ${run.train.domain}` : 'a run on every domain';
      throw new UsageError(`holds ${holds}, not on ${opts.domain}; choose another --out`, opts.outDir);
    }
    return run;
  }
  if (opts.from !== undefined) return readCheckpointConfig(resolveCheckpointDir(opts.from)).run;
  return opts.config ?? presetConfig(opts.preset ?? 'tiny');
}

/** Trains (or resumes, or reports a finished run) and returns the final figures. */
export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  if (opts.steps !== undefined && !(Number.isInteger(opts.steps) && opts.steps > 0)) {
    throw new UsageError(`--steps must be a positive integer; got ${opts.steps}`);
  }
  checkDomain(opts.domain);
  if ((opts.from === undefined) !== (opts.domain === undefined)) {
    throw new UsageError(opts.from === undefined ? '--domain needs --from BASE_DIR (the checkpoint to fine-tune)' : `--from needs --domain (${CORPUS_DOMAINS.join(', ')})`);
  }
  if (opts.from !== undefined && (opts.preset !== undefined || opts.config !== undefined)) {
    throw new UsageError('--from fine-tunes the base with its own config; drop --preset');
  }
  const emit = opts.onEvent ?? (() => {});
  const backend = await initBackend(opts.backend ?? 'auto');
  const checkpointDir = checkpointDirOf(opts.outDir);
  const planned = plannedRun(opts, checkpointDir);
  const split = loadSplit(planned.train.validationFraction);
  const s = openSession(opts, backend, split.hash, (run) => fitTokenizer(split.train, run.model, run.train));
  try {
    if (s.resumedFrom !== null && s.state.corpusHash !== split.hash) {
      emit({ type: 'note', message: 'the corpus differs from the one this checkpoint was trained on; continuing on the new one' });
    }
    const { run, model } = s;
    const t = run.train;
    const origin = run.origin;
    if (s.resumedFrom === null && origin?.kind === 'fine-tune') {
      emit({ type: 'note', message: `fine-tuning ${origin.base} (step ${origin.baseStep}) on the ${origin.domain} slice of the corpus` });
    }
    const train = encodeByDomain(s.tokenizer, domainSlice(split.train, t.domain), Math.floor(t.trainBytes / 3));
    const validation = encodeByDomain(s.tokenizer, domainSlice(split.validation, t.domain), Math.floor(t.validationBytes / 3));
    const valBatches = validationBatches(validation.streams, model.config.contextLength, t.evalSequences, t.batchSize);
    const unigramLoss = unigramCrossEntropy(unigramLogProbs(train.streams, model.config.vocabSize), valBatches.map((b) => b.targets));
    emit({
      type: 'start',
      resumedFrom: s.resumedFrom,
      totalSteps: s.state.totalSteps,
      backend,
      run,
      params: countParams(model.params),
      trainTokens: streamTokens(train),
      validationTokens: valBatches.reduce((n, b) => n + b.batch * b.seq, 0),
      checkpointDir,
    });
    const sessionStart = performance.now();
    const wallBefore = s.state.wallSeconds;
    const updateWall = () => {
      s.state.wallSeconds = wallBefore + (performance.now() - sessionStart) / 1000;
    };
    let sessionTokens = 0;
    let final: EvalResult | undefined;
    const alreadyDone = s.state.done;
    if (!alreadyDone) {
      const r = runSteps(s, train, valBatches, checkpointDir, backend, emit, updateWall);
      sessionTokens = r.tokens;
      final = evaluate(model, valBatches);
      emit({ type: 'eval', step: s.state.step, validation: final });
      updateWall();
      s.state.done = true;
      s.state.backend = backend.name;
      s.state.final = {
        validationLoss: final.loss,
        unigramLoss,
        ffnPerTokenMean: final.ffnPerTokenMean,
        ffnPerTokenStd: final.ffnPerTokenStd,
        loadImbalance: final.loadImbalance,
      };
      s.log.push({ type: 'final', step: s.state.step, ...s.state.final });
      writeCheckpoint(checkpointDir, s);
      emit({ type: 'checkpoint', step: s.state.step, dir: checkpointDir });
    } else {
      final = evaluate(model, valBatches);
    }
    const seconds = (performance.now() - sessionStart) / 1000;
    return {
      outDir: opts.outDir,
      checkpointDir,
      preset: run.model.name,
      backend: backend.name,
      steps: s.state.step,
      resumedFrom: s.resumedFrom,
      alreadyDone,
      validationLoss: final.loss,
      unigramLoss,
      ffnPerTokenMean: final.ffnPerTokenMean,
      ffnPerTokenStd: final.ffnPerTokenStd,
      loadImbalance: final.loadImbalance,
      wallSeconds: s.state.wallSeconds,
      tokensPerSec: sessionTokens > 0 ? sessionTokens / seconds : 0,
      ...(t.domain !== undefined ? { domain: t.domain } : {}),
    };
  } finally {
    disposeModel(s.model);
    disposeAdamState(s.optimizer);
  }
}

function runSteps(
  s: Session,
  train: DomainStreams,
  valBatches: TokenBatch[],
  checkpointDir: string,
  backend: BackendInfo,
  emit: (e: TrainEvent) => void,
  updateWall: () => void,
): { tokens: number } {
  const t = s.run.train;
  const c = s.run.model;
  let tokens = 0;
  let emaMs = 0;
  while (s.state.step < s.state.totalSteps) {
    const step = s.state.step;
    const batch = sampleBatch(train.streams, t.batchSize, c.contextLength, s.run.seed, step);
    const lr = learningRateAt(step, s.state.totalSteps, t.learningRate, t.warmupSteps, t.minLrFraction);
    const t0 = performance.now();
    const stats = trainStep(s.model, s.optimizer, batch, t, lr);
    const ms = performance.now() - t0;
    emaMs = emaMs === 0 ? ms : 0.9 * emaMs + 0.1 * ms;
    tokens += stats.tokens;
    s.state.step = step + 1;
    s.log.push({ type: 'step', step: s.state.step, ms: Math.round(ms), ...roundStats(stats) });
    emit({ type: 'step', step: s.state.step, totalSteps: s.state.totalSteps, stats, msPerStep: emaMs, tokensPerSec: (stats.tokens * 1000) / emaMs });
    if (t.evalEvery > 0 && s.state.step % t.evalEvery === 0 && s.state.step < s.state.totalSteps) {
      const v = evaluate(s.model, valBatches);
      s.log.push({ type: 'eval', step: s.state.step, validationLoss: v.loss, ffnPerTokenMean: v.ffnPerTokenMean, ffnPerTokenStd: v.ffnPerTokenStd });
      emit({ type: 'eval', step: s.state.step, validation: v });
    }
    if (s.state.step % t.checkpointEvery === 0 && s.state.step < s.state.totalSteps) {
      updateWall();
      s.state.backend = backend.name;
      writeCheckpoint(checkpointDir, s);
      emit({ type: 'checkpoint', step: s.state.step, dir: checkpointDir });
    }
  }
  updateWall();
  return { tokens };
}

function roundStats(stats: StepStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) out[k] = Number.isInteger(v) ? v : Number(v.toPrecision(6));
  return out;
}
