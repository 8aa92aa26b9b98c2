// Training batches and validation windows over per-domain token streams. Each training window
// picks a domain uniformly (so speech, prose and code are seen equally often whatever their sizes)
// and a uniform start in it; the windows of step s depend only on (seed, s), so a resumed run
// sees exactly the batches it would have seen.
import seedrandom from 'seedrandom';

export interface TokenBatch {
  batch: number;
  seq: number;
  /** [batch * seq] model inputs. */
  inputs: Int32Array;
  /** [batch * seq] next-token targets. */
  targets: Int32Array;
}

export function sampleBatch(streams: readonly Int32Array[], batch: number, seq: number, seed: number, step: number): TokenBatch {
  const usable = streams.filter((s) => s.length >= seq + 1);
  if (usable.length === 0) throw new Error(`sampleBatch: no token stream holds ${seq + 1} tokens`);
  const rng = seedrandom(`${seed}:batch:${step}`);
  const inputs = new Int32Array(batch * seq);
  const targets = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    const stream = usable[Math.floor(rng() * usable.length)];
    const start = Math.floor(rng() * (stream.length - seq));
    inputs.set(stream.subarray(start, start + seq), b * seq);
    targets.set(stream.subarray(start + 1, start + seq + 1), b * seq);
  }
  return { batch, seq, inputs, targets };
}

/**
 * Fixed validation windows: `count` windows shared equally by the streams, evenly spaced along
 * each stream (not just its start), grouped into batches of at most `batch` windows.
 */
export function validationBatches(streams: readonly Int32Array[], seq: number, count: number, batch: number): TokenBatch[] {
  const windows: { inputs: Int32Array; targets: Int32Array }[] = [];
  const usable = streams.filter((s) => s.length >= seq + 1);
  usable.forEach((stream, i) => {
    const share = Math.floor(count / usable.length) + (i < count % usable.length ? 1 : 0);
    const slots = Math.floor((stream.length - 1) / seq);
    const n = Math.min(share, slots);
    for (let w = 0; w < n; w++) {
      const start = Math.floor((w * slots) / n) * seq;
      windows.push({ inputs: stream.slice(start, start + seq), targets: stream.slice(start + 1, start + seq + 1) });
    }
  });
  const out: TokenBatch[] = [];
  for (let i = 0; i < windows.length; i += batch) {
    const group = windows.slice(i, i + batch);
    const inputs = new Int32Array(group.length * seq);
    const targets = new Int32Array(group.length * seq);
    group.forEach((w, j) => {
      inputs.set(w.inputs, j * seq);
      targets.set(w.targets, j * seq);
    });
    out.push({ batch: group.length, seq, inputs, targets });
  }
  return out;
}
