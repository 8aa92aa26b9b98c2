import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus, splitCorpus } from '../../../model/corpus/index.ts';
import { trainBpe, type BpeTokenizer } from '../../../model/tokenizer/index.ts';
import { mergeWord } from '../../../model/tokenizer/train-bpe.ts';

describe('trainBpe()', () => {
  it('merges the most frequent pair first and stops when no pair occurs twice', () => {
    // Pieces "ab", " ab", " ab", " b": (a,b) occurs 3 times, then (" ", ab) twice, then nothing twice.
    const tok = trainBpe(['ab ab ab b'], { vocabSize: 300 });
    expect(tok.merges).toEqual([
      [97, 98],
      [32, 256],
    ]);
    expect(tok.vocabSize).toBe(258);
  });

  it('breaks ties between equally frequent pairs by the smaller (left, right) ids', () => {
    // (a,b), (b,c), (c,d) all occur twice: (a,b) wins; then (c,d) beats (ab,c); then (ab,cd).
    expect(trainBpe(['abcd abcd'], { vocabSize: 300 }).merges).toEqual([
      [97, 98],
      [99, 100],
      [256, 257],
    ]);
  });

  it('stops at vocabSize', () => {
    expect(trainBpe(['ab ab ab b'], { vocabSize: 257 }).merges).toEqual([[97, 98]]);
  });

  it('rejects a vocabSize below 256 or above 65536', () => {
    expect(() => trainBpe(['x'], { vocabSize: 255 })).toThrow('vocabSize must be an integer in 256..65536; got 255');
    expect(() => trainBpe(['x'], { vocabSize: 70000 })).toThrow(RangeError);
  });

  it('reads at most maxBytes of text', () => {
    const tok = trainBpe(['aaaa bbbb', 'cccc cccc cccc'], { vocabSize: 300, maxBytes: 9 });
    expect(tok.meta.trainingBytes).toBe(9);
    expect(tok.merges.some(([a, b]) => a === 99 || b === 99)).toBe(false);
  });

  describe('on the corpus', () => {
    let texts: string[];
    let tok: BpeTokenizer;
    beforeAll(() => {
      texts = splitCorpus(loadCorpus()).train.map((d) => d.text);
      tok = trainBpe(texts, { vocabSize: 512, maxBytes: 2_000_000 });
    });

    it('learns the same merges every time, whatever the order of the texts', () => {
      expect(trainBpe(texts, { vocabSize: 512, maxBytes: 2_000_000 }).merges).toEqual(tok.merges);
      const head = texts.slice(0, 40);
      expect(trainBpe([...head].reverse(), { vocabSize: 400 }).merges).toEqual(trainBpe(head, { vocabSize: 400 }).merges);
    });

    it('learns common English pieces and compresses text', () => {
      const pieces = Array.from({ length: tok.vocabSize }, (_, id) => tok.tokenText(id));
      expect(pieces).toContain(' the');
      const sample = texts[0]!.slice(0, 20_000);
      expect(Buffer.byteLength(sample) / tok.encode(sample).length).toBeGreaterThan(2);
    });
  });
});

describe('mergeWord()', () => {
  it('merges non-overlapping pairs left to right', () => {
    expect(mergeWord([1, 1, 1], 1, 1, 9)).toEqual([9, 1]);
    expect(mergeWord([1, 2, 1, 2, 3], 1, 2, 9)).toEqual([9, 9, 3]);
  });
});
