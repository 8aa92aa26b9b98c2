// `epsim fuse` as a function: the I/O around the pure fusion steps. Loads the base and the domain
// experts (refusing mismatched ones), picks the weights (uniform, or from each expert's validation
// gain on its own domain), fuses every parameter (fuse-tensors.ts), sets the router biases
// (router-biases.ts) and writes an ordinary checkpoint (fresh Adam state, step 0, done) whose
// config.json records the recipe, so `epsim trace`, `epsim train --out` and `fuse-eval` read it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../sim/core/index.ts';
import { initBackend } from '../backend/index.ts';
import { sampleBatch, type TokenBatch } from '../index.ts';
import { hasCheckpoint, readCheckpoint, readCheckpointConfig, writeCheckpoint, type Checkpoint } from '../index.ts';
import type { RunConfig, TrainConfig } from '../index.ts';
import type { CorpusDomain } from '../corpus/index.ts';
import { createAdamState, disposeAdamState } from '../index.ts';
import { checkpointDirOf } from '../index.ts';
import { encodeByDomain, loadSplit } from '../index.ts';
import { disposeModel, type MoeModel } from '../index.ts';
import { performanceWeights, uniformWeights } from './combine.ts';
import { domainValidationSets, evaluateByDomain, type DomainValidation } from './domain-eval.ts';
import { fuseParams } from './fuse-tensors.ts';
import { lookAtCompatible, paramArrays, type CheckpointLook } from './load.ts';
import { resolveRecipe, type BackendChoice, type FusionOrigin, type FusionRecipe } from '../options/index.ts';
import { averageBiases, recalibrateBiases, type RecalibrationResult } from './router-biases.ts';

export interface FuseOptions {
  /** The base run (or checkpoint) directory the experts were fine-tuned from. */
  baseDir: string;
  /** The domain experts' run (or checkpoint) directories. */
  expertDirs: string[];
  /** Run directory to write; the checkpoint goes to `<outDir>/checkpoint`. */
  outDir: string;
  recipe?: Partial<FusionRecipe>;
  backend?: BackendChoice;
  /** Warnings and progress lines. */
  onNote?: (message: string) => void;
}

export interface FusedExpert {
  dir: string;
  domain?: CorpusDomain;
  weight: number;
  /** With performance weights: base loss - expert loss on the expert's domain (nats/token). */
  gain?: number;
}

export interface FuseResult {
  outDir: string;
  checkpointDir: string;
  recipe: FusionRecipe;
  experts: FusedExpert[];
  /** Parameter entries, and task-vector entries dropped / erased over all experts. */
  entries: number;
  dropped: number;
  erased: number;
  recalibration?: RecalibrationResult;
  seconds: number;
}

/** Train text per domain encoded for the recalibration batches: ~2 bytes per token they read, 20-400 KB. */
function recalibrationBytesPerDomain(steps: number, batch: number, seq: number): number {
  return Math.min(400_000, Math.max(20_000, 2 * steps * batch * seq));
}

function checkOutDir(outDir: string, inputs: readonly CheckpointLook[]): string {
  const dir = checkpointDirOf(outDir);
  for (const c of inputs) {
    if (path.resolve(c.dir) === path.resolve(dir)) throw new UsageError('is one of the inputs; choose another --out', outDir);
  }
  if (hasCheckpoint(dir) && readCheckpointConfig(dir).run.origin?.kind !== 'fusion') {
    throw new UsageError('holds a trained checkpoint, which fusion would overwrite; choose another --out', outDir);
  }
  return dir;
}

function loadModel(dir: string): Checkpoint {
  const c = readCheckpoint(dir);
  disposeAdamState(c.optimizer);
  return c;
}

export async function fuseCheckpoints(opts: FuseOptions): Promise<FuseResult> {
  const t0 = performance.now();
  const recipe = resolveRecipe(opts.recipe);
  const note = opts.onNote ?? (() => {});
  if (opts.expertDirs.length === 0) throw new UsageError('--experts needs at least one checkpoint directory');
  const { base: baseLook, others: expertLooks } = lookAtCompatible(opts.baseDir, opts.expertDirs);
  const checkpointDir = checkOutDir(opts.outDir, [baseLook, ...expertLooks]);
  for (const e of expertLooks) {
    const o = e.run.origin;
    if (o?.kind === 'fine-tune' && o.baseWeightsSha256 !== baseLook.weightsSha256) {
      note(`${e.dir} was fine-tuned from ${o.base}, whose weights differ from ${baseLook.dir}'s; its task vector is taken against the given base`);
    }
  }
  const domains = expertLooks.map((e) => e.run.train.domain);
  if (recipe.weights === 'performance') {
    const missing = expertLooks.filter((e) => e.run.train.domain === undefined).map((e) => e.dir);
    if (missing.length) throw new UsageError(`--weights performance needs domain experts (epsim train --from ... --domain ...); no domain: ${missing.join(', ')}`);
  }

  await initBackend(opts.backend ?? 'auto');
  const base = loadModel(baseLook.dir);
  let fused: MoeModel | undefined;
  try {
    const needsCorpus = recipe.weights === 'performance' || (recipe.routerBiases === 'recalibrate' && recipe.recalibrationSteps > 0);
    const split = needsCorpus ? loadSplit(base.run.train.validationFraction) : undefined;
    let sets: DomainValidation[] = [];
    let baseLoss = new Map<CorpusDomain, number>();
    if (recipe.weights === 'performance') {
      sets = domainValidationSets(base.tokenizer, split!.validation, base.run, base.run.train.evalSequences);
      const wanted = sets.filter((s) => domains.includes(s.domain));
      baseLoss = new Map([...evaluateByDomain(base.model, wanted)].map(([d, r]) => [d, r.loss]));
    }
    const expertArrays: Map<string, Float32Array>[] = [];
    const expertBiases: Float32Array[][] = [];
    const gains: number[] = [];
    for (const look of expertLooks) {
      const e = loadModel(look.dir);
      try {
        expertArrays.push(paramArrays(e.model.params));
        expertBiases.push(e.model.routerBiases);
        if (recipe.weights === 'performance') {
          const d = e.run.train.domain!;
          const own = evaluateByDomain(e.model, sets.filter((s) => s.domain === d)).get(d)!;
          gains.push(baseLoss.get(d)! - own.loss);
        }
      } finally {
        disposeModel(e.model);
      }
    }
    let weights = uniformWeights(expertLooks.length);
    if (recipe.weights === 'performance') {
      const p = performanceWeights(gains);
      weights = p.weights;
      if (p.fellBack) note('no expert improved on its own domain over the base; using uniform weights');
    }

    const baseArrays = paramArrays(base.model.params);
    const r = fuseParams(baseArrays, expertArrays, weights, recipe);
    const biases = recipe.routerBiases === 'base' ? base.model.routerBiases.map((b) => Float32Array.from(b)) : averageBiases(base.model.routerBiases, expertBiases, weights);
    fused = {
      config: base.model.config,
      params: new Map([...r.params].map(([name, values]) => [name, tf.tensor(values, base.model.params.get(name)!.shape, 'float32')])),
      routerBiases: biases,
    };
    let recalibration: RecalibrationResult | undefined;
    if (recipe.routerBiases === 'recalibrate' && recipe.recalibrationSteps > 0) {
      const t = base.run.train;
      const seq = base.model.config.contextLength;
      const train = encodeByDomain(base.tokenizer, split!.train, recalibrationBytesPerDomain(recipe.recalibrationSteps, t.batchSize, seq));
      const batches = function* (): Generator<TokenBatch> {
        for (let s = 0; s < recipe.recalibrationSteps; s++) yield sampleBatch(train.streams, t.batchSize, seq, recipe.seed, s);
      };
      recalibration = recalibrateBiases(fused, batches(), t.biasRate, recipe.recalibrationSteps);
    }

    const experts: FusedExpert[] = expertLooks.map((e, i) => ({
      dir: e.dir,
      ...(domains[i] !== undefined ? { domain: domains[i] } : {}),
      weight: weights[i],
      ...(recipe.weights === 'performance' ? { gain: gains[i] } : {}),
    }));
    const origin: FusionOrigin = {
      kind: 'fusion',
      base: baseLook.dir,
      baseWeightsSha256: baseLook.weightsSha256,
      experts: experts.map((e, i) => ({ dir: e.dir, ...(e.domain ? { domain: e.domain } : {}), weightsSha256: expertLooks[i].weightsSha256, weight: e.weight })),
      recipe,
      stats: { entries: r.entries, dropped: r.dropped, erased: r.erased },
    };
    const { domain: _domain, ...train } = base.run.train as TrainConfig;
    const run: RunConfig = { model: base.run.model, train, seed: base.run.seed, origin };
    const seconds = (performance.now() - t0) / 1000;
    fs.mkdirSync(opts.outDir, { recursive: true });
    const optimizer = createAdamState(fused.params);
    try {
      writeCheckpoint(checkpointDir, {
        run,
        tokenizer: base.tokenizer,
        model: fused,
        optimizer,
        // wallSeconds counts training only (`epsim train --out` can continue from here); the fusion's own time is in the log.
        state: { step: 0, totalSteps: 0, done: true, backend: tf.getBackend(), wallSeconds: 0, corpusHash: base.state.corpusHash },
        log: [{ type: 'fusion', seconds: Number(seconds.toFixed(3)), ...origin.stats, ...(recalibration ? { recalibration } : {}) }],
      });
    } finally {
      disposeAdamState(optimizer);
    }
    return { outDir: opts.outDir, checkpointDir, recipe, experts, entries: r.entries, dropped: r.dropped, erased: r.erased, ...(recalibration ? { recalibration } : {}), seconds };
  } finally {
    disposeModel(base.model);
    if (fused) disposeModel(fused);
  }
}
