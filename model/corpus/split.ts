// Train/validation split by document-id hash (whole documents, so validation text is unseen), and
// deterministic text samples for tracing. Pure functions over document lists.
import { CORPUS_DOMAINS, type CorpusDocument, type CorpusDomain } from './sources.ts';
import type { Corpus } from './load-corpus.ts';

export interface SplitOptions {
  /** Share of documents (not bytes) held out, by id hash. Default 0.05. */
  validationFraction?: number;
}

export interface CorpusSplit {
  train: CorpusDocument[];
  validation: CorpusDocument[];
}

/**
 * A document is held out when hash(id) / 2^32 < validationFraction. Ids, not positions, decide,
 * so adding a source never moves existing documents across the split. When the fraction is
 * above 0, each domain with two or more documents keeps at least one on each side (the one with
 * the lowest hash is moved), so per-domain validation losses always exist.
 */
export function splitCorpus(corpus: Corpus, options: SplitOptions = {}): CorpusSplit {
  const fraction = options.validationFraction ?? 0.05;
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`validationFraction must be in [0, 1); got ${fraction}`);
  const held = new Set<CorpusDocument>();
  for (const domain of CORPUS_DOMAINS) {
    const docs = corpus.documents.filter((d) => d.domain === domain);
    const scored = docs.map((d) => ({ d, u: idHash(d.id) / 2 ** 32 }));
    const chosen = scored.filter((s) => s.u < fraction);
    if (fraction > 0 && docs.length >= 2) {
      const byHash = [...scored].sort((a, b) => a.u - b.u);
      if (chosen.length === 0) chosen.push(byHash[0]!);
      if (chosen.length === docs.length) chosen.pop();
    }
    for (const s of chosen) held.add(s.d);
  }
  return {
    train: corpus.documents.filter((d) => !held.has(d)),
    validation: corpus.documents.filter((d) => held.has(d)),
  };
}

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so nearby ids spread over [0, 2^32). */
export function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface TextSegment {
  docId: string;
  domain: CorpusDomain;
  text: string;
}

/**
 * Consecutive pieces of documents, at most `maxBytes` UTF-8 bytes in all, in document order.
 * With no domain, the budget is shared equally by the domains present, so a trace of the
 * result covers every domain; a segment's domain labels its tokens (RoutingTrace.tokenDomain).
 */
export function sampleSegments(docs: readonly CorpusDocument[], domain: CorpusDomain | undefined, maxBytes: number): TextSegment[] {
  const domains = domain ? [domain] : CORPUS_DOMAINS.filter((d) => docs.some((doc) => doc.domain === d));
  const budget = Math.floor(maxBytes / Math.max(1, domains.length));
  return domains.flatMap((d) => takeBytes(docs.filter((doc) => doc.domain === d), budget));
}

/** The text of sampleSegments() joined: an input for `epsim trace`. */
export function sampleText(docs: readonly CorpusDocument[], domain: CorpusDomain | undefined, maxBytes: number): string {
  return sampleSegments(docs, domain, maxBytes)
    .map((s) => s.text)
    .join('');
}

function takeBytes(docs: readonly CorpusDocument[], budget: number): TextSegment[] {
  const out: TextSegment[] = [];
  let left = budget;
  for (const doc of docs) {
    if (left <= 0) break;
    const text = prefixWithinBytes(doc.text, left);
    // A cut that found no line end or space would end mid-word: stop before it instead.
    if (text.length === 0 || (text !== doc.text && !/\s$/.test(text))) break;
    out.push({ docId: doc.id, domain: doc.domain, text });
    left -= Buffer.byteLength(text, 'utf8');
  }
  return out;
}

/**
 * The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends on a character, cut
 * back to the last line end when one lies in its second half, else to the last space or line
 * end, so samples end cleanly (a prefix without any whitespace is returned as is).
 */
export function prefixWithinBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let head = text.slice(0, maxBytes);
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  const bytes = Buffer.from(head, 'utf8');
  let cut = Math.min(maxBytes, bytes.length);
  while (cut > 0 && cut < bytes.length && (bytes[cut]! & 0xc0) === 0x80) cut--;
  const prefix = bytes.subarray(0, cut).toString('utf8');
  const line = prefix.lastIndexOf('\n');
  if (line >= prefix.length / 2) return prefix.slice(0, line + 1);
  const space = Math.max(line, prefix.lastIndexOf(' '));
  return space >= 0 ? prefix.slice(0, space + 1) : prefix;
}
