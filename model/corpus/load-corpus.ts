// The training corpus: every source of CORPUS_SOURCES read into one deterministic, ordered
// document list (domains in CORPUS_DOMAINS order, files sorted), plus its hash and sizes.
import { createHash } from 'node:crypto';
import { readSource } from './read-sources.ts';
import { CORPUS_DOMAINS, CORPUS_SOURCES, type CorpusDocument, type CorpusDomain, type CorpusSourceId } from './sources.ts';

export interface Corpus {
  documents: CorpusDocument[];
}

export interface LoadCorpusOptions {
  /** Domains to read (default: all). Sources of other domains are not even opened. */
  domains?: readonly CorpusDomain[];
}

export function loadCorpus(options: LoadCorpusOptions = {}): Corpus {
  const domains = new Set(options.domains ?? CORPUS_DOMAINS);
  const documents = CORPUS_DOMAINS.filter((d) => domains.has(d)).flatMap((domain) =>
    CORPUS_SOURCES.filter((s) => s.domain === domain).flatMap((s) => readSource(s.id)),
  );
  return { documents };
}

/** sha256 of the ids and texts in order: names a corpus build in provenance and tests. */
export function corpusHash(documents: readonly CorpusDocument[]): string {
  const hash = createHash('sha256');
  for (const d of documents) hash.update(`${d.id}\0${d.text}\0`);
  return hash.digest('hex');
}

export interface CorpusStats {
  documents: number;
  bytes: number;
  byDomain: Record<CorpusDomain, { documents: number; bytes: number }>;
  bySource: Partial<Record<CorpusSourceId, { documents: number; bytes: number }>>;
}

/** Document counts and UTF-8 byte counts, per domain and per source. */
export function corpusStats(documents: readonly CorpusDocument[]): CorpusStats {
  const byDomain = Object.fromEntries(CORPUS_DOMAINS.map((d) => [d, { documents: 0, bytes: 0 }])) as CorpusStats['byDomain'];
  const bySource: CorpusStats['bySource'] = {};
  let bytes = 0;
  for (const d of documents) {
    const n = Buffer.byteLength(d.text, 'utf8');
    bytes += n;
    byDomain[d.domain].documents += 1;
    byDomain[d.domain].bytes += n;
    const s = (bySource[d.source] ??= { documents: 0, bytes: 0 });
    s.documents += 1;
    s.bytes += n;
  }
  return { documents: documents.length, bytes, byDomain, bySource };
}
