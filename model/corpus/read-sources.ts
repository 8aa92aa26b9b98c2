// Reads each corpus source from its installed npm package into documents (the I/O edge of the
// corpus; the clean-ups themselves are pure functions in clean.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanBrown, cleanCode, normalizeText } from './clean.ts';
import { listFiles, packageRoot } from './package-files.ts';
import { sourceInfo, type CorpusDocument, type CorpusSourceId } from './sources.ts';

type Reader = (root: string) => CorpusDocument[];

const READERS: Record<CorpusSourceId, Reader> = {
  sotu: (root) =>
    listFiles(join(root, 'data'), (p) => p.endsWith('.txt')).map((p) =>
      doc('sotu', `speech/${p.replace(/\.txt$/, '')}`, normalizeText(read(root, `data/${p}`))),
    ),
  brown: (root) =>
    listFiles(root, (p) => /^c[a-r]\d\d$/.test(p)).map((p) => doc('brown', `prose/${p}`, cleanBrown(read(root, p)))),
  zod: (root) =>
    codeFiles(root, 'zod', 'src', (p) => p.endsWith('.ts') && !/(^|\/)tests\//.test(p)),
  'types-node': (root) =>
    codeFiles(root, 'types-node', '', (p) => p.endsWith('.d.ts') && !p.startsWith('ts5.6/')),
  d3: (root) => codeFiles(root, 'd3', 'dist', (p) => p === 'd3.js'),
  'tfjs-core': (root) =>
    codeFiles(root, 'tfjs-core', 'dist/ops', (p) => !p.includes('/') && p.endsWith('.js') && !p.endsWith('_test.js')),
};

/** All documents of one source, in sorted file order; empty files after cleaning are dropped. */
export function readSource(id: CorpusSourceId): CorpusDocument[] {
  const info = sourceInfo(id);
  const root = packageRoot(info.package, `${info.package}@${info.version}`);
  return READERS[id](root).filter((d) => d.text.length > 0);
}

/** Code documents are named by package and path: "code/zod/src/v4/core/core.ts". */
function codeFiles(root: string, source: CorpusSourceId, under: string, keep: (p: string) => boolean): CorpusDocument[] {
  const dir = under ? join(root, under) : root;
  const prefix = `code/${sourceInfo(source).package}/${under ? `${under}/` : ''}`;
  return listFiles(dir, keep).map((p) => doc(source, `${prefix}${p}`, cleanCode(read(dir, p))));
}

function doc(source: CorpusSourceId, id: string, text: string): CorpusDocument {
  return { id, domain: sourceInfo(source).domain, source, text };
}

function read(dir: string, rel: string): string {
  return readFileSync(join(dir, rel), 'utf8');
}
