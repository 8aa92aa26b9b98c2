import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../../model/corpus/index.ts';
import { BpeTokenizer, preSplit, trainBpe } from '../../../model/tokenizer/index.ts';
import { UserInputError } from '../../../sim/core/errors.ts';

let tok: BpeTokenizer;
beforeAll(() => {
  const docs = loadCorpus().documents;
  // A little of every domain, so code and prose merges both exist.
  const texts = ['speech', 'prose', 'code'].flatMap((d) => docs.filter((x) => x.domain === d).slice(0, 30).map((x) => x.text));
  tok = trainBpe(texts, { vocabSize: 800 });
});

const SAMPLES: [string, string][] = [
  ['empty', ''],
  ['ASCII prose', 'The jury said it did find that many of Georgia\'s laws "are outmoded".\n'],
  ['emoji', 'Ship it 🚀🚀 — done ✅ 👩‍👩‍👧‍👦'],
  ['CJK', '日本語のテキスト、中文文本，한국어 텍스트'],
  ['code', 'export function add(a: number, b: number): number {\r\n\treturn a + b; // sum\n}\n\n'],
  ['whitespace runs', '   \n\n\t\t  x  \u00a0 \u2003y   '],
  ['accents and symbols', 'café naïve Ωμέγα ½ ∑ x² — “quotes”'],
  ['control bytes', '\u0000\u0001\u007f\u0085'],
];

describe('BpeTokenizer', () => {
  it.each(SAMPLES)('encode() → decode() round-trips exactly: %s', (_, text) => {
    const ids = tok.encode(text);
    expect(tok.decode(ids)).toBe(text);
    expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tok.vocabSize)).toBe(true);
  });

  it.each(SAMPLES)('pieces() split the text token by token: %s', (_, text) => {
    const ids = tok.encode(text);
    const pieces = tok.pieces(ids);
    expect(pieces).toHaveLength(ids.length);
    expect(pieces.join('')).toBe(text);
  });

  it('round-trips random strings of any code points (seeded)', () => {
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let n = 0; n < 300; n++) {
      let s = '';
      const len = next() % 40;
      for (let i = 0; i < len; i++) {
        const r = next() % 4;
        const cp = r === 0 ? next() % 128 : r === 1 ? 0x80 + (next() % 0x780) : r === 2 ? 0x800 + (next() % 0xd000) : 0x10000 + (next() % 0xfffff);
        if (cp >= 0xd800 && cp <= 0xdfff) continue; // lone surrogates are not valid UTF-8
        s += String.fromCodePoint(cp);
      }
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });

  it('pre-splits into pieces that concatenate back to the text', () => {
    const text = "He's   here;  it'll\tbe 2024-11-22, OK?\n\n  x";
    expect(preSplit(text).join('')).toBe(text);
    expect(preSplit("it's done")).toEqual(['it', "'s", ' done']);
  });

  it('encodes the same text to the same ids with a warm or cold cache', () => {
    const text = 'Fellow-Citizens of the Senate and House of Representatives:';
    const cold = BpeTokenizer.fromJSON(tok.toJSON()).encode(text);
    expect(tok.encode(text)).toEqual(cold);
    expect(tok.encode(text)).toEqual(cold);
  });

  it('tokenText() shows a token as text, or a partial character as \\xNN bytes', () => {
    const the = tok.encode(' the');
    expect(the).toHaveLength(1);
    expect(tok.tokenText(the[0]!)).toBe(' the');
    expect(tok.tokenText(0xe2)).toBe('\\xE2');
    expect(tok.tokenText(65)).toBe('A');
  });

  it('decode() rejects an id outside the vocabulary', () => {
    expect(() => tok.decode([tok.vocabSize])).toThrow(`token id ${tok.vocabSize} is not in this vocabulary (0..${tok.vocabSize - 1})`);
    expect(() => tok.decode([-1])).toThrow(RangeError);
  });

  it('toJSON() → fromJSON() gives a tokenizer that encodes identically', () => {
    const json = JSON.stringify(tok.toJSON());
    const back = BpeTokenizer.fromJSON(json, 'tok.json');
    expect(back.merges).toEqual(tok.merges);
    expect(JSON.stringify(back.toJSON())).toBe(json);
    const text = SAMPLES.map((s) => s[1]).join(' ');
    expect(back.encode(text)).toEqual(tok.encode(text));
  });
});

describe('BpeTokenizer.fromJSON()', () => {
  const valid = { format: 'epsim-bpe', formatVersion: 1, preSplit: 'gpt2', vocabSize: 258, merges: [[97, 98], [32, 256]], meta: {} };
  const CASES: [string, unknown, string][] = [
    ['not JSON', '{"format":', 'tok.json: not valid JSON: '],
    ['not an object', '[1,2]', 'tok.json: expected a tokenizer object; got [1,2]'],
    ['a newer version', { ...valid, formatVersion: 2 }, 'tok.json: formatVersion: unsupported version 2; this epsim reads version 1'],
    ['a wrong format name', { ...valid, format: 'hf' }, 'tok.json: format: expected "epsim-bpe"; got "hf"'],
    ['a missing field', { ...valid, merges: undefined }, 'tok.json: merges: missing required field (expected array)'],
    ['an unknown field', { ...valid, vocab: {} }, 'tok.json: vocab: unknown field'],
    ['an ill-typed merge', { ...valid, merges: [[97, 'b'], [32, 256]] }, 'tok.json: merges[0][1]: expected number; got "b"'],
    ['a wrong vocabSize', { ...valid, vocabSize: 300 }, 'tok.json: vocabSize: must be 256 + the number of merges (258); got 300'],
    ['a merge using a later token', { ...valid, merges: [[97, 257], [32, 256]] }, 'tok.json: merges[0]: uses token 257, but only tokens 0..255 exist before merge 0'],
    ['a repeated merge', { ...valid, merges: [[97, 98], [97, 98]] }, 'tok.json: merges[1]: repeats merges[0] (97, 98)'],
  ];
  it.each(CASES)('reports %s naming the file and field', (_, json, message) => {
    let error: unknown;
    try {
      BpeTokenizer.fromJSON(json, 'tok.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserInputError);
    if (message.endsWith(': ')) expect((error as Error).message.startsWith(message)).toBe(true);
    else expect((error as Error).message).toBe(message);
  });
});
