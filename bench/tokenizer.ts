// Tokenizer benchmark: BPE training time on the corpus train split, compression (UTF-8 bytes
// per token) on the validation split per domain, and encode throughput.
// Run: node bin/run-ts.js bench/tokenizer.ts [vocabSize ...]   (default 1024 4096)
import { CORPUS_DOMAINS, corpusStats, loadCorpus, splitCorpus } from '../model/corpus/index.ts';
import { BpeTokenizer, trainBpe } from '../model/tokenizer/index.ts';

const vocabSizes = process.argv.slice(2).map(Number);
if (vocabSizes.length === 0) vocabSizes.push(1024, 4096);

const t0 = performance.now();
const corpus = loadCorpus();
const loadMs = performance.now() - t0;
const { train, validation } = splitCorpus(corpus);
const mb = (bytes: number): string => (bytes / 1e6).toFixed(2);
const all = corpusStats(corpus.documents);
const trainStats = corpusStats(train);
console.log(`corpus: ${all.documents} documents, ${mb(all.bytes)} MB, loaded in ${loadMs.toFixed(0)} ms`);
for (const d of CORPUS_DOMAINS) {
  console.log(`  ${d.padEnd(6)} ${mb(all.byDomain[d].bytes).padStart(6)} MB in ${all.byDomain[d].documents} documents (train ${mb(trainStats.byDomain[d].bytes)} MB)`);
}
console.log(`train split ${mb(trainStats.bytes)} MB, validation ${mb(corpusStats(validation).bytes)} MB\n`);

for (const vocabSize of vocabSizes) {
  const t1 = performance.now();
  const tok = trainBpe(train.map((d) => d.text), { vocabSize });
  const trainS = (performance.now() - t1) / 1000;
  console.log(`vocab ${vocabSize}: trained in ${trainS.toFixed(2)} s on ${mb(Number(tok.meta.trainingBytes))} MB (${tok.meta.trainingWords} distinct pieces)`);
  let bytes = 0;
  let tokens = 0;
  let encodeMs = 0;
  for (const d of CORPUS_DOMAINS) {
    const text = validation.filter((x) => x.domain === d).map((x) => x.text).join('');
    const fresh = BpeTokenizer.fromJSON(tok.toJSON()); // empty piece cache: no flattering warm-up
    const t2 = performance.now();
    const ids = fresh.encode(text);
    encodeMs += performance.now() - t2;
    const n = Buffer.byteLength(text);
    bytes += n;
    tokens += ids.length;
    console.log(`  validation ${d.padEnd(6)} ${(n / ids.length).toFixed(2)} bytes/token`);
  }
  console.log(`  validation all    ${(bytes / tokens).toFixed(2)} bytes/token; encode ${(bytes / 1e6 / (encodeMs / 1000)).toFixed(2)} MB/s (cold cache)\n`);
}

