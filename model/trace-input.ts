// What `epsim trace` runs the model over: a text file (one domain, 'text'), or by default a seeded
// sample of the validation split with an equal share of tokens per domain, each token labelled
// with its domain.
import seedrandom from 'seedrandom';
import { CORPUS_DOMAINS, sampleSegments, type CorpusDocument } from './corpus/index.ts';
import type { BpeTokenizer } from './tokenizer/index.ts';

export interface TraceInput {
  tokens: Int32Array;
  /** Index into `domains` per token. */
  tokenDomain: Uint8Array;
  domains: string[];
}

export function traceInputFromText(tokenizer: BpeTokenizer, text: string, maxTokens: number, domain = 'text'): TraceInput {
  const tokens = Int32Array.from(tokenizer.encode(text).slice(0, maxTokens));
  return { tokens, tokenDomain: new Uint8Array(tokens.length), domains: [domain] };
}

/** Fisher-Yates with a seeded generator: the validation documents in a seed-dependent order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = seedrandom(`${seed}:trace-sample`);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** About maxTokens tokens: floor(maxTokens / domains) from each domain's (shuffled) validation documents. */
export function traceInputFromCorpus(tokenizer: BpeTokenizer, validation: readonly CorpusDocument[], maxTokens: number, seed: number): TraceInput {
  const docs = shuffled(validation, seed);
  const domains = CORPUS_DOMAINS.filter((d) => docs.some((doc) => doc.domain === d));
  const perDomain = Math.floor(maxTokens / Math.max(1, domains.length));
  const ids: number[] = [];
  const labels: number[] = [];
  domains.forEach((domain, di) => {
    // ~8 bytes per token is more than any domain needs at these vocabulary sizes; the tokens are cut after encoding.
    const text = sampleSegments(docs, domain, perDomain * 8).map((s) => s.text).join('');
    const mine = tokenizer.encode(text).slice(0, perDomain);
    for (const id of mine) {
      ids.push(id);
      labels.push(di);
    }
  });
  return { tokens: Int32Array.from(ids), tokenDomain: Uint8Array.from(labels), domains: [...domains] };
}
