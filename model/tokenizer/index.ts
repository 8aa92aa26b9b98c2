// The tokenizer API used by model/ (training data, checkpoints, traces).
export { BpeTokenizer, MAX_VOCAB_SIZE } from './bpe-tokenizer.ts';
export type { BpeMerge, BpeMeta } from './bpe-tokenizer.ts';
export { trainBpe } from './train-bpe.ts';
export type { TrainBpeOptions } from './train-bpe.ts';
export { preSplit } from './pre-split.ts';
export type { TokenizerJson } from './tokenizer-json.ts';
