// GPT-2's pre-tokeniser: BPE merges never cross these pieces (a word with its leading space, a
// number, a punctuation run, whitespace), which keeps merges meaningful and training cheap.
// The pieces of a string concatenate back to the string exactly (every character is matched).

const GPT2_PATTERN = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Name stored in tokenizer files, so a future pattern change is detected rather than silently applied. */
export const PRE_SPLIT_PATTERN = 'gpt2';

export function preSplit(text: string): string[] {
  return text.match(GPT2_PATTERN) ?? [];
}
