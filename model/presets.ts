// Named model + training presets. `tiny` trains in a few minutes on 2 CPU cores (npm start, tests,
// the committed fixture trace); `longcat-shape` has LongCat-Flash's routing shape (512 FFN + 256
// zero experts, top-12, K_e = 8) at a narrow width, so its traces look like LongCat's to the simulator.
import { UsageError } from '../sim/core/index.ts';
import { validateRunConfig, type ModelConfig, type RunConfig, type TrainConfig } from './config.ts';
import { PRESET_NAMES, type PresetName } from './options/index.ts';

const baseTrain: TrainConfig = {
  steps: 400,
  batchSize: 16,
  learningRate: 3e-3,
  warmupSteps: 30,
  minLrFraction: 0.1,
  adamBeta1: 0.9,
  adamBeta2: 0.95,
  adamEpsilon: 1e-16,
  gradClip: 1,
  biasRate: 0.05,
  balanceLossWeight: 0.01,
  zLossWeight: 1e-4,
  checkpointEvery: 100,
  evalEvery: 0,
  evalSequences: 48,
  tokenizerSampleBytes: 1_500_000,
  trainBytes: 0,
  validationBytes: 600_000,
  validationFraction: 0.05,
};

const tinyModel: ModelConfig = {
  name: 'tiny',
  vocabSize: 1024,
  contextLength: 64,
  hidden: 64,
  layers: 2,
  heads: 4,
  headDim: 16,
  qRank: 32,
  kvRank: 32,
  denseHidden: 128,
  ffnExperts: 32,
  zeroExperts: 16,
  topK: 6,
  targetFfnPerToken: 4,
  expertHidden: 32,
  expertSplit: 2,
  balanceGroups: 4,
  routerBiasSpace: 'logits',
};

const longcatModel: ModelConfig = {
  name: 'longcat-shape',
  vocabSize: 1024,
  contextLength: 64,
  hidden: 64,
  layers: 2,
  heads: 4,
  headDim: 16,
  qRank: 32,
  kvRank: 32,
  denseHidden: 128,
  ffnExperts: 512,
  zeroExperts: 256,
  topK: 12,
  targetFfnPerToken: 8,
  expertHidden: 16,
  expertSplit: 8,
  balanceGroups: 16,
  routerBiasSpace: 'logits',
};

const PRESETS: Record<PresetName, RunConfig> = {
  tiny: { model: tinyModel, train: { ...baseTrain, biasRate: 6, minLrFraction: 0.02 }, seed: 1 },
  'longcat-shape': { model: longcatModel, train: { ...baseTrain, steps: 1200, checkpointEvery: 100, biasRate: 150, minLrFraction: 0.02, evalSequences: 96 }, seed: 1 },
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** A fresh, validated copy of a preset. */
export function presetConfig(name: string): RunConfig {
  if (!isPresetName(name)) throw new UsageError(`unknown preset '${name}'; available: ${PRESET_NAMES.join(', ')}`);
  const p = PRESETS[name];
  return validateRunConfig({ model: { ...p.model }, train: { ...p.train }, seed: p.seed }, `preset ${name}`);
}
