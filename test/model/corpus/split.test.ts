import { beforeAll, describe, expect, it } from 'vitest';
import {
  CORPUS_DOMAINS,
  loadCorpus,
  prefixWithinBytes,
  sampleSegments,
  sampleText,
  splitCorpus,
  type Corpus,
  type CorpusDocument,
} from '../../../model/corpus/index.ts';

let corpus: Corpus;
beforeAll(() => {
  corpus = loadCorpus();
});

const ids = (docs: CorpusDocument[]): string[] => docs.map((d) => d.id);

describe('splitCorpus()', () => {
  it('is deterministic, disjoint and complete, keeping corpus order', () => {
    const a = splitCorpus(corpus);
    const b = splitCorpus(corpus);
    expect(ids(a.validation)).toEqual(ids(b.validation));
    const held = new Set(ids(a.validation));
    expect(a.train.some((d) => held.has(d.id))).toBe(false);
    expect(a.train.length + a.validation.length).toBe(corpus.documents.length);
    const order = ids(corpus.documents);
    expect(ids(a.train)).toEqual(order.filter((id) => !held.has(id)));
  });

  it('holds out about the requested share of documents, in every domain', () => {
    const { validation } = splitCorpus(corpus, { validationFraction: 0.05 });
    const share = validation.length / corpus.documents.length;
    expect(share).toBeGreaterThan(0.025);
    expect(share).toBeLessThan(0.1);
    for (const domain of CORPUS_DOMAINS) expect(validation.some((d) => d.domain === domain)).toBe(true);
  });

  it('decides by document id, not position: shuffling the corpus holds out the same documents', () => {
    const reversed = { documents: [...corpus.documents].reverse() };
    expect(new Set(ids(splitCorpus(reversed).validation))).toEqual(new Set(ids(splitCorpus(corpus).validation)));
  });

  it('keeps one document on each side of a small domain, and holds out nothing at fraction 0', () => {
    const docs: CorpusDocument[] = ['a', 'b'].map((x) => ({ id: `code/${x}`, domain: 'code', source: 'zod', text: 'x\n' }));
    const split = splitCorpus({ documents: docs }, { validationFraction: 0.01 });
    expect([split.train.length, split.validation.length]).toEqual([1, 1]);
    expect(splitCorpus({ documents: docs }, { validationFraction: 0 }).validation).toEqual([]);
    expect(() => splitCorpus({ documents: docs }, { validationFraction: 1 })).toThrow(RangeError);
  });
});

describe('sampleText()', () => {
  it('takes at most maxBytes from one domain, deterministically, ending at a line or word', () => {
    const { validation } = splitCorpus(corpus);
    const text = sampleText(validation, 'code', 4000);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(2000);
    expect(text).toBe(sampleText(validation, 'code', 4000));
    expect(text.endsWith('\n') || text.endsWith(' ')).toBe(true);
  });

  it('shares the budget between the domains when none is given, labelling each segment', () => {
    const segments = sampleSegments(corpus.documents, undefined, 30_000);
    expect(new Set(segments.map((s) => s.domain))).toEqual(new Set(CORPUS_DOMAINS));
    expect(segments.map((s) => s.text).join('')).toBe(sampleText(corpus.documents, undefined, 30_000));
  });
});

describe('prefixWithinBytes()', () => {
  it('never splits a character', () => {
    expect(prefixWithinBytes('ab😀cd', 4)).toBe('ab');
    expect(prefixWithinBytes('ab😀cd', 6)).toBe('ab😀');
    expect(prefixWithinBytes('日本語', 5)).toBe('日');
  });
  it('cuts back to the last line end in the second half of the prefix', () => {
    expect(prefixWithinBytes('first line\nsecond line', 15)).toBe('first line\n');
  });
});
