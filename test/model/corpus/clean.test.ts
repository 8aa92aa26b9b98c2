import { describe, expect, it } from 'vitest';
import { cleanBrown, cleanCode, normalizeText } from '../../../model/corpus/clean.ts';

describe('normalizeText()', () => {
  it('turns CRLF and CR into LF, drops a BOM and trailing blanks, ends with one newline', () => {
    expect(normalizeText('\uFEFFa \r\nb\rc\t\n\n\n')).toBe('a\nb\nc\n');
  });
  it('leaves an all-blank text empty', () => {
    expect(normalizeText(' \r\n\n')).toBe('');
  });
});

describe('cleanCode()', () => {
  it('strips inline source maps and a leading @license banner, keeping other comments', () => {
    const js = [
      '/**',
      ' * @license',
      ' * Copyright 2020 Google LLC.',
      ' */',
      "import { op } from './operation';",
      '/** Adds two tensors. */',
      'export const add = op({ add_ });',
      '//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==',
      '',
    ].join('\r\n');
    expect(cleanCode(js)).toBe("import { op } from './operation';\n/** Adds two tensors. */\nexport const add = op({ add_ });\n");
  });
});

describe('cleanBrown()', () => {
  it('strips POS tags, rebuilds quotes and punctuation spacing, and keeps one paragraph per line', () => {
    const tagged = [
      '',
      '',
      "\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' was/bedz found/vbn ,/, (/( again/rb )/) ./.",
      'It/pps never/rb learned/vbd ;/. ;/.',
      '',
      '',
      '\tA/at 1/2/cd share/nn --/-- small/jj ?/.',
      '',
    ].join('\n');
    expect(cleanBrown(tagged)).toBe('The jury said "no evidence" was found, (again). It never learned;\nA 1/2 share -- small?\n');
  });
});
