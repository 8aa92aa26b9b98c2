// Byte-level BPE training with incremental pair counts: after each merge only the words that
// contained the merged pair are rewritten, and only the pair counts they change are updated.
// Ids 0..255 are the bytes; merge i creates id 256 + i. Ties between equally frequent pairs go
// to the smallest (left id, right id), so the same texts always give the same merges.
import { BpeTokenizer, MAX_VOCAB_SIZE, pairKey, type BpeMerge } from './bpe-tokenizer.ts';
import { PairHeap } from './pair-heap.ts';
import { preSplit } from './pre-split.ts';
import { utf8Bytes } from './utf8.ts';

export interface TrainBpeOptions {
  /** Tokens in the result: 256 byte tokens + merges. Training stops early if no pair occurs twice. */
  vocabSize: number;
  /** Read at most this many UTF-8 bytes of the texts (whole texts, the last one cut at a piece). */
  maxBytes?: number;
}

export function trainBpe(texts: Iterable<string>, options: TrainBpeOptions): BpeTokenizer {
  const { vocabSize } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < 256 || vocabSize > MAX_VOCAB_SIZE) {
    throw new RangeError(`vocabSize must be an integer in 256..${MAX_VOCAB_SIZE}; got ${vocabSize}`);
  }
  const { words, counts, bytes } = countWords(texts, options.maxBytes ?? Infinity);
  const merges = learnMerges(words, counts, vocabSize - 256);
  return new BpeTokenizer(merges, { trainingBytes: bytes, trainingWords: words.length });
}

interface WordCounts {
  /** Each distinct pre-split piece as byte ids (pieces of one byte are left out: they hold no pair). */
  words: number[][];
  counts: number[];
  bytes: number;
}

function countWords(texts: Iterable<string>, maxBytes: number): WordCounts {
  const freq = new Map<string, number>();
  const count = (piece: string): void => void freq.set(piece, (freq.get(piece) ?? 0) + 1);
  let bytes = 0;
  for (const text of texts) {
    const size = Buffer.byteLength(text, 'utf8');
    if (bytes + size <= maxBytes) {
      for (const piece of preSplit(text)) count(piece);
      bytes += size;
      continue;
    }
    // The text that crosses the budget contributes its whole pieces up to the budget.
    for (const piece of preSplit(text)) {
      const n = Buffer.byteLength(piece, 'utf8');
      if (bytes + n > maxBytes) break;
      count(piece);
      bytes += n;
    }
    break;
  }
  const words: number[][] = [];
  const counts: number[] = [];
  for (const [piece, n] of freq) {
    const ids = Array.from(utf8Bytes(piece));
    if (ids.length < 2) continue;
    words.push(ids);
    counts.push(n);
  }
  return { words, counts, bytes };
}

function learnMerges(words: number[][], counts: number[], maxMerges: number): BpeMerge[] {
  const pairCounts = new Map<number, number>();
  const wordsWith = new Map<number, number[]>();
  words.forEach((word, w) => {
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i]!, word[i + 1]!);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + counts[w]!);
      const list = wordsWith.get(key);
      if (list === undefined) wordsWith.set(key, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  });
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: BpeMerge[] = [];
  const visited = new Int32Array(words.length).fill(-1);
  while (merges.length < maxMerges) {
    const top = heap.pop();
    if (top === undefined) break;
    if (pairCounts.get(top.key) !== top.count) continue; // stale entry
    if (top.count < 2) break;
    const a = Math.floor(top.key / 65536);
    const b = top.key % 65536;
    const id = 256 + merges.length;
    merges.push([a, b]);

    const delta = new Map<number, number>();
    const add = (key: number, n: number): void => void delta.set(key, (delta.get(key) ?? 0) + n);
    for (const w of wordsWith.get(top.key) ?? []) {
      if (visited[w] === id) continue;
      visited[w] = id;
      const word = words[w]!;
      const merged = mergeWord(word, a, b, id);
      if (merged.length === word.length) continue; // the pair left this word in an earlier merge
      const n = counts[w]!;
      for (let i = 0; i + 1 < word.length; i++) add(pairKey(word[i]!, word[i + 1]!), -n);
      for (let i = 0; i + 1 < merged.length; i++) {
        const key = pairKey(merged[i]!, merged[i + 1]!);
        add(key, n);
        if (merged[i] === id || merged[i + 1] === id) {
          const list = wordsWith.get(key);
          if (list === undefined) wordsWith.set(key, [w]);
          else if (list[list.length - 1] !== w) list.push(w);
        }
      }
      words[w] = merged;
    }
    pairCounts.delete(top.key);
    wordsWith.delete(top.key);
    for (const [key, d] of delta) {
      if (d === 0 || key === top.key) continue;
      const count = (pairCounts.get(key) ?? 0) + d;
      if (count > 0) {
        pairCounts.set(key, count);
        heap.push(count, key);
      } else {
        pairCounts.delete(key);
      }
    }
  }
  return merges;
}

/** Replaces every non-overlapping (a, b), left to right, with `id` (as encoding does). */
export function mergeWord(word: readonly number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < word.length; i++) {
    if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
      out.push(id);
      i++;
    } else {
      out.push(word[i]!);
    }
  }
  return out;
}
