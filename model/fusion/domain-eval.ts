// Validation per corpus domain: the same windows a domain fine-tune validates on (its domain's
// validation stream, `sequencesPerDomain` evenly spaced windows), for every domain, so the base,
// the experts and the fused models are scored on identical tokens.
import type { TokenBatch } from '../index.ts';
import { validationBatches } from '../index.ts';
import type { RunConfig } from '../index.ts';
import type { CorpusDocument, CorpusDomain } from '../corpus/index.ts';
import { evaluate, type EvalResult } from '../index.ts';
import type { BpeTokenizer } from '../tokenizer/index.ts';
import { encodeByDomain } from '../index.ts';
import type { MoeModel } from '../index.ts';

export interface DomainValidation {
  domain: CorpusDomain;
  batches: TokenBatch[];
  tokens: number;
}

export function domainValidationSets(
  tokenizer: BpeTokenizer,
  validation: readonly CorpusDocument[],
  run: RunConfig,
  sequencesPerDomain: number,
): DomainValidation[] {
  const v = encodeByDomain(tokenizer, validation, Math.floor(run.train.validationBytes / 3));
  return v.domains.map((domain, i) => {
    const batches = validationBatches([v.streams[i]], run.model.contextLength, sequencesPerDomain, run.train.batchSize);
    return { domain: domain as CorpusDomain, batches, tokens: batches.reduce((n, b) => n + b.batch * b.seq, 0) };
  });
}

export function evaluateByDomain(model: MoeModel, sets: readonly DomainValidation[]): Map<CorpusDomain, EvalResult> {
  return new Map(sets.map((s) => [s.domain, evaluate(model, s.batches)]));
}
