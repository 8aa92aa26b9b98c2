// The corpus API used by model/ (training, tokenizer, tracing).
export { CORPUS_DOMAINS, CORPUS_SOURCES, CORPUS_SOURCE_IDS } from './sources.ts';
export type { CorpusDocument, CorpusDomain, CorpusSourceId, CorpusSourceInfo } from './sources.ts';
export { loadCorpus, corpusHash, corpusStats } from './load-corpus.ts';
export type { Corpus, CorpusStats, LoadCorpusOptions } from './load-corpus.ts';
export { splitCorpus, sampleSegments, sampleText, prefixWithinBytes, idHash } from './split.ts';
export type { CorpusSplit, SplitOptions, TextSegment } from './split.ts';
