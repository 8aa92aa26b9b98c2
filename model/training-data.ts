// Training data: the real corpus, split into train/validation by whole documents, a BPE
// tokenizer fitted on a domain-balanced sample of the train split, and one token stream per
// domain for each split.
import { CORPUS_DOMAINS, corpusHash, loadCorpus, sampleText, splitCorpus, type CorpusDocument } from './corpus/index.ts';
import { trainBpe, type BpeTokenizer } from './tokenizer/index.ts';
import type { ModelConfig, TrainConfig } from './config.ts';

export interface DomainStreams {
  domains: string[];
  /** One token stream per domain (documents concatenated in corpus order). */
  streams: Int32Array[];
}

export interface CorpusSplitDocs {
  train: CorpusDocument[];
  validation: CorpusDocument[];
  /** sha256 of the whole corpus (ids and texts), for provenance. */
  hash: string;
}

export function loadSplit(validationFraction: number): CorpusSplitDocs {
  const corpus = loadCorpus();
  const { train, validation } = splitCorpus(corpus, { validationFraction });
  return { train, validation, hash: corpusHash(corpus.documents) };
}

/** BPE with `vocabSize` tokens fitted on tokenizerSampleBytes of train text, shared equally by the domains. */
export function fitTokenizer(train: readonly CorpusDocument[], model: ModelConfig, t: TrainConfig): BpeTokenizer {
  const perDomain = Math.floor(t.tokenizerSampleBytes / CORPUS_DOMAINS.length);
  const texts = CORPUS_DOMAINS.map((d) => sampleText(train, d, perDomain)).filter((s) => s.length > 0);
  return trainBpe(texts, { vocabSize: model.vocabSize });
}

/** Encodes documents into one stream per domain; `maxBytesPerDomain` 0 = everything. */
export function encodeByDomain(tokenizer: BpeTokenizer, docs: readonly CorpusDocument[], maxBytesPerDomain = 0): DomainStreams {
  const domains: string[] = [];
  const streams: Int32Array[] = [];
  for (const domain of CORPUS_DOMAINS) {
    const mine = docs.filter((d) => d.domain === domain);
    if (mine.length === 0) continue;
    const ids: number[] = [];
    let bytes = 0;
    for (const doc of mine) {
      if (maxBytesPerDomain > 0 && bytes >= maxBytesPerDomain) break;
      const text = maxBytesPerDomain > 0 ? sampleText([doc], domain, maxBytesPerDomain - bytes) : doc.text;
      bytes += Buffer.byteLength(text, 'utf8');
      for (const id of tokenizer.encode(text)) ids.push(id);
    }
    domains.push(domain);
    streams.push(Int32Array.from(ids));
  }
  return { domains, streams };
}

export function streamTokens(s: DomainStreams): number {
  return s.streams.reduce((n, x) => n + x.length, 0);
}
