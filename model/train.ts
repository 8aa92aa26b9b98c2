// The training run: data, model, Adam, periodic atomic checkpoints, resume, and the final
// validation loss next to the unigram baseline. Reports progress through an event callback
// (no console output here; the CLI draws the progress bar).
import * as path from 'node:path';
import { UsageError } from '../sim/errors.ts';
import { initBackend, type BackendChoice, type BackendInfo } from './backend/index.ts';
import { sampleBatch, validationBatches, type TokenBatch } from './batches.ts';
import { hasCheckpoint, readCheckpoint, readCheckpointConfig, writeCheckpoint, type RunState } from './checkpoint.ts';
import { validateRunConfig, type RunConfig } from './config.ts';
import { evaluate, type EvalResult } from './evaluate.ts';
import { learningRateAt } from './lr-schedule.ts';
import { createAdamState, disposeAdamState, type AdamState } from './optimizer.ts';
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
  /** Seed for a new run (default: the preset's). */
  seed?: number;
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
}

export function checkpointDirOf(outDir: string): string {
  return path.join(outDir, 'checkpoint');
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

/** Trains (or resumes, or reports a finished run) and returns the final figures. */
export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  if (opts.steps !== undefined && !(Number.isInteger(opts.steps) && opts.steps > 0)) {
    throw new UsageError(`--steps must be a positive integer; got ${opts.steps}`);
  }
  const emit = opts.onEvent ?? (() => {});
  const backend = await initBackend(opts.backend ?? 'auto');
  const checkpointDir = checkpointDirOf(opts.outDir);
  const planned = hasCheckpoint(checkpointDir)
    ? readCheckpointConfig(checkpointDir).run
    : (opts.config ?? presetConfig(opts.preset ?? 'tiny'));
  const split = loadSplit(planned.train.validationFraction);
  const s = openSession(opts, backend, split.hash, (run) => fitTokenizer(split.train, run.model, run.train));
  try {
    if (s.resumedFrom !== null && s.state.corpusHash !== split.hash) {
      emit({ type: 'note', message: 'the corpus differs from the one this checkpoint was trained on; continuing on the new one' });
    }
    const { run, model } = s;
    const t = run.train;
    const train = encodeByDomain(s.tokenizer, split.train, Math.floor(t.trainBytes / 3));
    const validation = encodeByDomain(s.tokenizer, split.validation, Math.floor(t.validationBytes / 3));
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
