// `epsim fuse-eval` as a function: validation loss and routing per corpus domain for the base, the
// domain experts and any further (fused) models, on identical windows. Routing per domain: FFN
// experts per token (mean, std across tokens and layers) and the overlap of the domain's top-k FFN
// experts by load with the base's and with that domain's expert (routing-overlap.ts).
import { initBackend } from '../backend/index.ts';
import { readCheckpoint } from '../index.ts';
import type { CorpusDomain } from '../corpus/index.ts';
import { disposeAdamState } from '../index.ts';
import { loadSplit } from '../index.ts';
import { disposeModel } from '../index.ts';
import { domainValidationSets, evaluateByDomain } from './domain-eval.ts';
import { lookAtCompatible, runName, type CheckpointLook } from './load.ts';
import { PLAIN_AVERAGE, type BackendChoice, type FusionRecipe } from '../options/index.ts';
import { defaultTopK, topExpertOverlap } from './routing-overlap.ts';

export interface CompareOptions {
  baseDir: string;
  expertDirs: string[];
  /** Further models to score (fused checkpoints, typically the plain average and the fused one). */
  modelDirs?: string[];
  /** Validation windows per domain (default: the base's evalSequences x 2). */
  sequencesPerDomain?: number;
  /** k of the top-k overlap (default: a quarter of the FFN experts). */
  topExperts?: number;
  backend?: BackendChoice;
}

export type ModelRole = 'base' | 'expert' | 'fused' | 'other';

export interface DomainFigures {
  loss: number;
  ffnPerTokenMean: number;
  ffnPerTokenStd: number;
  loadImbalance: number;
  /** Jaccard of this model's top-k FFN experts on the domain with the base's (mean over layers). */
  overlapBase: number;
  /** The same with the domain expert's top-k (NaN when no expert covers the domain). */
  overlapExpert: number;
}

export interface ComparedModel {
  label: string;
  dir: string;
  role: ModelRole;
  /** The domain of an expert. */
  domain?: CorpusDomain;
  recipe?: FusionRecipe;
  /** True for a fusion with every step off and uniform weights. */
  plainAverage: boolean;
  byDomain: Record<string, DomainFigures>;
  /** Mean of the per-domain losses. */
  meanLoss: number;
}

export interface Comparison {
  domains: CorpusDomain[];
  tokensPerDomain: number;
  topExperts: number;
  models: ComparedModel[];
}

function describe(look: CheckpointLook, role: 'base' | 'expert' | 'model'): Omit<ComparedModel, 'byDomain' | 'meanLoss'> {
  const o = look.run.origin;
  const domain = look.run.train.domain;
  const name = runName(look.dir);
  if (role === 'base') return { label: 'base', dir: look.dir, role: 'base', plainAverage: false };
  if (o?.kind === 'fusion') {
    const plain = (Object.keys(PLAIN_AVERAGE) as (keyof typeof PLAIN_AVERAGE)[]).every((k) => o.recipe[k] === PLAIN_AVERAGE[k]);
    return { label: name, dir: look.dir, role: 'fused', recipe: o.recipe, plainAverage: plain };
  }
  if (role === 'expert' && domain) return { label: `${domain} expert`, dir: look.dir, role: 'expert', domain, plainAverage: false };
  return { label: name, dir: look.dir, role: role === 'expert' ? 'expert' : 'other', plainAverage: false };
}

export async function compareModels(opts: CompareOptions): Promise<Comparison> {
  const modelDirs = opts.modelDirs ?? [];
  const { base, others } = lookAtCompatible(opts.baseDir, [...opts.expertDirs, ...modelDirs]);
  const looks = [base, ...others];
  const entries = [
    describe(base, 'base'),
    ...others.map((l, i) => describe(l, i < opts.expertDirs.length ? 'expert' : 'model')),
  ];
  await initBackend(opts.backend ?? 'auto');
  const run = base.run;
  const sequences = opts.sequencesPerDomain ?? run.train.evalSequences * 2;
  const k = opts.topExperts ?? defaultTopK(run.model.ffnExperts);
  const split = loadSplit(run.train.validationFraction);
  const results: { loss: number; ffnPerTokenMean: number; ffnPerTokenStd: number; loadImbalance: number; ffnLoads: Int32Array[] }[][] = [];
  let domains: CorpusDomain[] = [];
  let tokensPerDomain = 0;
  for (const look of looks) {
    const c = readCheckpoint(look.dir);
    disposeAdamState(c.optimizer);
    try {
      // Every model shares the base's tokenizer (checked), so the windows are the same tokens.
      const sets = domainValidationSets(c.tokenizer, split.validation, run, sequences);
      domains = sets.map((s) => s.domain);
      tokensPerDomain = Math.min(...sets.map((s) => s.tokens));
      const byDomain = evaluateByDomain(c.model, sets);
      results.push(domains.map((d) => byDomain.get(d)!));
    } finally {
      disposeModel(c.model);
    }
  }
  const expertOf = new Map<CorpusDomain, number>();
  entries.forEach((e, i) => {
    if (e.role === 'expert' && e.domain && !expertOf.has(e.domain)) expertOf.set(e.domain, i);
  });
  const models: ComparedModel[] = entries.map((e, i) => {
    const byDomain: Record<string, DomainFigures> = {};
    domains.forEach((d, j) => {
      const r = results[i][j];
      const ex = expertOf.get(d);
      byDomain[d] = {
        loss: r.loss,
        ffnPerTokenMean: r.ffnPerTokenMean,
        ffnPerTokenStd: r.ffnPerTokenStd,
        loadImbalance: r.loadImbalance,
        overlapBase: topExpertOverlap(r.ffnLoads, results[0][j].ffnLoads, k),
        overlapExpert: ex === undefined ? NaN : topExpertOverlap(r.ffnLoads, results[ex][j].ffnLoads, k),
      };
    });
    const meanLoss = domains.reduce((s, d) => s + byDomain[d].loss, 0) / domains.length;
    return { ...e, byDomain, meanLoss };
  });
  return { domains, tokensPerDomain, topExperts: k, models };
}
