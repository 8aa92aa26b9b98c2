// Model and training configuration: the shape of the LongCat-style MoE transformer, how it is
// trained, and validation at construction (every bad field is reported, by name, with its value).
import { UserInputError, type InputIssue } from '../sim/core/index.ts';
import { CORPUS_DOMAINS, type CorpusDomain } from './corpus/index.ts';
import type { FusionOrigin } from './options/index.ts';

/** The network's shape. Names follow the LongCat-Flash report, arXiv:2509.01322 (N, Z, K, K_e, D, m). */
export interface ModelConfig {
  /** Preset name, written into traces as the model name. */
  name: string;
  /** Tokenizer vocabulary size (byte-level BPE trained on the train split). */
  vocabSize: number;
  /** Maximum sequence length T (learned absolute positions). */
  contextLength: number;
  /** Model width d_model. */
  hidden: number;
  /** ScMoE layers; each holds 2 attention blocks, 2 dense FFNs and 1 MoE block. */
  layers: number;
  /** Attention heads per attention block. */
  heads: number;
  /** Width of one head (query/key/value). */
  headDim: number;
  /** MLA: rank d_q of the compressed query latent. */
  qRank: number;
  /** MLA: rank d_kv of the compressed key/value latent. */
  kvRank: number;
  /** Hidden width of each dense FFN. */
  denseHidden: number;
  /** N: FFN experts per MoE layer. */
  ffnExperts: number;
  /** Z: zero-computation experts per MoE layer (output = input x gate, no parameters). */
  zeroExperts: number;
  /** K: experts chosen per token (top-k over N + Z). */
  topK: number;
  /** K_e: target average number of FFN experts per token (the bias controller's set point). */
  targetFfnPerToken: number;
  /** Hidden width of one FFN expert. */
  expertHidden: number;
  /** m: how many fine-grained experts one dense-sized expert was split into; gamma = m. */
  expertSplit: number;
  /** D: device groups for the balance loss (N/D FFN experts each; the zero experts form group D+1). */
  balanceGroups: number;
  /**
   * Where the selection bias b_i is added: 'logits' (pre-softmax router scores; default) or
   * 'probs' (the softmax scores, as LongCat's released code does). Either way gates are the
   * unbiased softmax probabilities. See bias-controller.ts for why 'logits' is the default.
   */
  routerBiasSpace: RouterBiasSpace;
}

export type RouterBiasSpace = 'logits' | 'probs';

/** How the model is trained. */
export interface TrainConfig {
  /** Optimizer steps in a full run. */
  steps: number;
  /** Sequences per step (each contextLength tokens). */
  batchSize: number;
  /** Peak Adam learning rate. */
  learningRate: number;
  /** Linear warm-up steps, then cosine decay to minLrFraction x learningRate. */
  warmupSteps: number;
  minLrFraction: number;
  /** Adam beta1, beta2 and epsilon (LongCat uses 1e-16). */
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  /** Global gradient-norm clip (0 = off). */
  gradClip: number;
  /** mu: bias-controller rate, b_i += mu * (K_e/(K*N) - T_i/(K*T_all)) after each step. */
  biasRate: number;
  /** Weight of the device-level balance loss. */
  balanceLossWeight: number;
  /** Weight of the hidden z-loss on the last hidden state. */
  zLossWeight: number;
  /** Steps between checkpoints (the final step always writes one). */
  checkpointEvery: number;
  /** Steps between validation-loss evaluations (0 = only at the end). */
  evalEvery: number;
  /** Validation windows (sequences of contextLength) used for the validation loss. */
  evalSequences: number;
  /** Bytes of train text used to fit the BPE tokenizer. */
  tokenizerSampleBytes: number;
  /** Bytes of train text encoded into the training token stream (0 = all of it). */
  trainBytes: number;
  /** Bytes of validation text encoded for evaluation. */
  validationBytes: number;
  /** Share of the corpus (whole documents) held out for validation. */
  validationFraction: number;
  /**
   * Train and validate on this one domain's slice of the corpus only (a domain fine-tune,
   * `epsim train --from BASE --domain NAME`); absent = every domain.
   */
  domain?: CorpusDomain;
}

export interface RunConfig {
  model: ModelConfig;
  train: TrainConfig;
  seed: number;
  /** Where the starting weights came from when not from a fresh init (provenance only). */
  origin?: RunOrigin;
}

/** A checkpoint that started from another one: a domain fine-tune, or a fusion (model/fusion/). */
export type RunOrigin = FineTuneOrigin | FusionOrigin;

export interface FineTuneOrigin {
  kind: 'fine-tune';
  /** The base checkpoint directory, as given to --from. */
  base: string;
  /** The base's optimizer steps when the fine-tune started. */
  baseStep: number;
  /** sha256 of the base's weights.bin, so fusion can check it gets the same base. */
  baseWeightsSha256: string;
  domain: CorpusDomain;
}

/** Thrown when a model or training config is inconsistent; one issue per bad field. */
export class ModelConfigError extends UserInputError {
  constructor(issues: InputIssue[]) {
    super(issues);
    this.name = 'ModelConfigError';
  }
}

/** gamma, the variance-compensation factor for fine-grained experts (LongCat-Flash report: gamma = m). */
export function varianceGamma(config: ModelConfig): number {
  return config.expertSplit;
}

/** MLA scale factors alpha_q = (d_model/d_q)^0.5 and alpha_kv = (d_model/d_kv)^0.5. */
export function mlaScales(config: ModelConfig): { alphaQ: number; alphaKv: number } {
  return { alphaQ: Math.sqrt(config.hidden / config.qRank), alphaKv: Math.sqrt(config.hidden / config.kvRank) };
}

const POSITIVE_INTEGER_MODEL_FIELDS = [
  'vocabSize',
  'contextLength',
  'hidden',
  'layers',
  'heads',
  'headDim',
  'qRank',
  'kvRank',
  'denseHidden',
  'ffnExperts',
  'topK',
  'expertHidden',
  'expertSplit',
  'balanceGroups',
] as const satisfies readonly (keyof ModelConfig)[];

/** Returns every problem with a model config (empty when it is valid). */
export function modelConfigIssues(config: ModelConfig, file = ''): InputIssue[] {
  const issues: InputIssue[] = [];
  const bad = (path: string, message: string) => issues.push({ file, line: 0, col: 0, path, message });
  for (const field of POSITIVE_INTEGER_MODEL_FIELDS) {
    const v = config[field];
    if (!Number.isInteger(v) || v < 1) bad(field, `must be a positive integer; got ${JSON.stringify(v)}`);
  }
  if (!Number.isInteger(config.zeroExperts) || config.zeroExperts < 0) {
    bad('zeroExperts', `must be an integer >= 0; got ${JSON.stringify(config.zeroExperts)}`);
  }
  if (issues.length) return issues;
  const totalExperts = config.ffnExperts + config.zeroExperts;
  if (config.topK > totalExperts) {
    bad('topK', `must be <= ffnExperts + zeroExperts (${totalExperts}); got ${config.topK}`);
  }
  if (!(config.targetFfnPerToken > 0 && config.targetFfnPerToken <= config.topK)) {
    bad('targetFfnPerToken', `must be in (0, topK = ${config.topK}]; got ${config.targetFfnPerToken}`);
  }
  if (config.targetFfnPerToken > config.ffnExperts) {
    bad('targetFfnPerToken', `must be <= ffnExperts (${config.ffnExperts}); got ${config.targetFfnPerToken}`);
  }
  if (config.zeroExperts > 0 && config.topK - config.targetFfnPerToken > config.zeroExperts) {
    bad('targetFfnPerToken', `topK - targetFfnPerToken must be <= zeroExperts (${config.zeroExperts})`);
  }
  if (config.zeroExperts === 0 && config.targetFfnPerToken !== config.topK) {
    bad('targetFfnPerToken', `must equal topK (${config.topK}) when there are no zero experts; got ${config.targetFfnPerToken}`);
  }
  if (config.ffnExperts % config.balanceGroups !== 0) {
    bad('balanceGroups', `must divide ffnExperts (${config.ffnExperts}); got ${config.balanceGroups}`);
  }
  if (config.routerBiasSpace !== 'logits' && config.routerBiasSpace !== 'probs') {
    bad('routerBiasSpace', `must be 'logits' or 'probs'; got ${JSON.stringify(config.routerBiasSpace)}`);
  }
  if (totalExperts > 65535) bad('ffnExperts', `ffnExperts + zeroExperts must fit in 16 bits; got ${totalExperts}`);
  return issues;
}

export function trainConfigIssues(config: TrainConfig, file = ''): InputIssue[] {
  const issues: InputIssue[] = [];
  const bad = (path: string, message: string) => issues.push({ file, line: 0, col: 0, path: `train.${path}`, message });
  const posInt = ['steps', 'batchSize', 'checkpointEvery', 'evalSequences', 'tokenizerSampleBytes', 'validationBytes'] as const;
  for (const f of posInt) {
    if (!Number.isInteger(config[f]) || config[f] < 1) bad(f, `must be a positive integer; got ${JSON.stringify(config[f])}`);
  }
  const nonNegInt = ['warmupSteps', 'evalEvery', 'trainBytes'] as const;
  for (const f of nonNegInt) {
    if (!Number.isInteger(config[f]) || config[f] < 0) bad(f, `must be an integer >= 0; got ${JSON.stringify(config[f])}`);
  }
  const nonNeg = ['learningRate', 'gradClip', 'biasRate', 'balanceLossWeight', 'zLossWeight', 'adamEpsilon'] as const;
  for (const f of nonNeg) {
    if (!(Number.isFinite(config[f]) && config[f] >= 0)) bad(f, `must be a finite number >= 0; got ${JSON.stringify(config[f])}`);
  }
  const unit = ['adamBeta1', 'adamBeta2', 'minLrFraction'] as const;
  for (const f of unit) {
    if (!(config[f] >= 0 && config[f] < 1)) bad(f, `must be in [0, 1); got ${JSON.stringify(config[f])}`);
  }
  if (!(config.validationFraction > 0 && config.validationFraction < 1)) {
    bad('validationFraction', `must be in (0, 1); got ${JSON.stringify(config.validationFraction)}`);
  }
  if (config.domain !== undefined && !(CORPUS_DOMAINS as readonly string[]).includes(config.domain)) {
    bad('domain', `must be one of ${CORPUS_DOMAINS.join(', ')}; got ${JSON.stringify(config.domain)}`);
  }
  return issues;
}

/** Throws ModelConfigError listing every bad field. */
export function validateModelConfig(config: ModelConfig, file = ''): ModelConfig {
  const issues = modelConfigIssues(config, file);
  if (issues.length) throw new ModelConfigError(issues);
  return config;
}

export function validateRunConfig(config: RunConfig, file = ''): RunConfig {
  const issues = [...modelConfigIssues(config.model, file), ...trainConfigIssues(config.train, file)];
  if (!Number.isInteger(config.seed)) issues.push({ file, line: 0, col: 0, path: 'seed', message: `must be an integer; got ${config.seed}` });
  if (issues.length) throw new ModelConfigError(issues);
  return config;
}
