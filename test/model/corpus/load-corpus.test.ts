import { beforeAll, describe, expect, it } from 'vitest';
import {
  CORPUS_DOMAINS,
  CORPUS_SOURCES,
  corpusHash,
  corpusStats,
  loadCorpus,
  type Corpus,
} from '../../../model/corpus/index.ts';
import { packageRoot, packageVersion } from '../../../model/corpus/package-files.ts';
import { UsageError } from '../../../sim/core/errors.ts';

let corpus: Corpus;
beforeAll(() => {
  corpus = loadCorpus();
});

describe('loadCorpus()', () => {
  it('gives the same documents, in the same order, with the same bytes on every load', () => {
    const again = loadCorpus();
    expect(again.documents.map((d) => d.id)).toEqual(corpus.documents.map((d) => d.id));
    expect(corpusHash(again.documents)).toBe(corpusHash(corpus.documents));
  });

  it('has every domain, each with real text (at least 1 MB)', () => {
    const stats = corpusStats(corpus.documents);
    for (const domain of CORPUS_DOMAINS) expect(stats.byDomain[domain].bytes).toBeGreaterThan(1_000_000);
  });

  it('names documents uniquely and by domain, with LF-only text ending in one newline', () => {
    const ids = corpus.documents.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of corpus.documents) {
      expect(d.id.startsWith(`${d.domain}/`)).toBe(true);
      expect(d.text.includes('\r')).toBe(false);
      expect(d.text.endsWith('\n') && !d.text.endsWith('\n\n')).toBe(true);
    }
    expect(ids).toContain('speech/1790_george_washington_n');
    expect(ids).toContain('prose/ca01');
    expect(ids).toContain('code/d3/dist/d3.js');
  });

  it('cleans the sources: no POS tags in prose, no source maps or licence banners in code', () => {
    const prose = corpus.documents.filter((d) => d.domain === 'prose').map((d) => d.text).join('');
    expect(prose).not.toMatch(/\w\/(at|nn|vbd|in)\b/);
    expect(prose.startsWith('The Fulton County Grand Jury said Friday')).toBe(true);
    const code = corpus.documents.filter((d) => d.domain === 'code');
    expect(code.some((d) => /^\/\/# sourceMappingURL=/m.test(d.text))).toBe(false);
    expect(code.filter((d) => d.source === 'tfjs-core').some((d) => d.text.includes('@license'))).toBe(false);
    expect(code.some((d) => /(^|\/)tests\//.test(d.id))).toBe(false);
  });

  it('reads only the requested domains', () => {
    const speech = loadCorpus({ domains: ['speech'] });
    expect(new Set(speech.documents.map((d) => d.domain))).toEqual(new Set(['speech']));
  });

  it('matches the sizes recorded in CORPUS_SOURCES for the installed package versions', () => {
    const stats = corpusStats(corpus.documents);
    for (const source of CORPUS_SOURCES) {
      const installed = packageVersion(packageRoot(source.package, source.package));
      if (installed !== source.version) continue; // the table records one version; update it with the lockfile
      expect({ id: source.id, ...stats.bySource[source.id] }).toEqual({ id: source.id, documents: source.documents, bytes: source.bytes });
    }
  });
});

describe('packageRoot()', () => {
  it('names a missing package and the npm command that installs it', () => {
    expect(() => packageRoot('epsim-no-such-corpus', 'epsim-no-such-corpus@1.0.0')).toThrow(UsageError);
    expect(() => packageRoot('epsim-no-such-corpus', 'epsim-no-such-corpus@1.0.0')).toThrow(
      'the corpus needs the npm package epsim-no-such-corpus, which is not installed; run: npm install epsim-no-such-corpus@1.0.0',
    );
  });

  it('finds packages whose exports map hides package.json (d3)', () => {
    expect(packageRoot('d3', 'd3').replace(/\\/g, '/')).toMatch(/node_modules\/d3$/);
  });
});
