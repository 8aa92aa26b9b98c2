// The unigram baseline: token frequencies fitted on the train split (add-one smoothing), scored
// as cross-entropy (nats/token) on validation targets. A model that has learnt anything beyond
// token frequencies beats it.

export function unigramLogProbs(streams: readonly Int32Array[], vocabSize: number): Float64Array {
  const counts = new Float64Array(vocabSize).fill(1);
  let total = vocabSize;
  for (const s of streams) {
    for (const id of s) counts[id]++;
    total += s.length;
  }
  return counts.map((c) => Math.log(c / total));
}

export function unigramCrossEntropy(logProbs: Float64Array, targets: Iterable<Int32Array>): number {
  let sum = 0;
  let n = 0;
  for (const t of targets) {
    for (const id of t) {
      sum -= logProbs[id];
      n++;
    }
  }
  return n ? sum / n : NaN;
}
