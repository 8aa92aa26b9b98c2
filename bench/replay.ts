// Trace replay throughput: buildLayerTraffic over all 28 MoE layers of a LongCat-Flash-shaped
// step (512 FFN + 256 zero experts, top-12) on 128 GPUs (8 per node, EP 128, contiguous
// placement), for a decode step (32 tokens per GPU) and a prefill step (4096 tokens per GPU).
// The routing is SYNTHETIC (a seeded generator with skewed expert popularity and about 8 FFN
// experts per token), not a real trace: this measures speed only.
// Usage: node bin/run-ts.js bench/replay.ts [traceTokens]
import { createRng } from '../sim/core/index.ts';
import { buildLayerTraffic, createTrafficScratch } from '../sim/replay/index.ts';
import { contiguousPlacement } from '../sim/replay/index.ts';
import { sampleStepTokens } from '../sim/replay/index.ts';
import { traceRoutingSource } from '../sim/replay/index.ts';
import type { RoutingTrace } from '../sim/trace/index.ts';

const LAYERS = 28;
const FFN = 512;
const ZERO = 256;
const TOPK = 12;

/** A LongCat-shaped synthetic trace: expert e drawn with weight ~ 1/(1 + rank/16), 4..12 FFN picks per token. */
export function syntheticLongcatTrace(tokens: number, seed = 1): RoutingTrace {
  const rng = createRng(`bench-replay:${seed}`);
  const experts = new Uint16Array(tokens * LAYERS * TOPK);
  const cum = new Float64Array(FFN);
  let s = 0;
  for (let e = 0; e < FFN; e++) cum[e] = s += 1 / (1 + e / 16);
  const draw = (): number => {
    const u = rng.next() * s;
    let lo = 0;
    let hi = FFN - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return (lo * 193) % FFN; // hot experts scattered over ids
  };
  for (let row = 0; row < tokens * LAYERS; row++) {
    const base = row * TOPK;
    const f = 4 + rng.int(9);
    for (let j = 0; j < TOPK; j++) {
      let e: number;
      let dup: boolean;
      do {
        e = j < f ? draw() : FFN + rng.int(ZERO);
        dup = false;
        for (let i = base; i < base + j; i++) if (experts[i] === e) dup = true;
      } while (dup);
      experts[base + j] = e;
    }
  }
  return {
    model: { name: 'synthetic-longcat-shape', layers: LAYERS, ffnExperts: FFN, zeroExperts: ZERO, topk: TOPK },
    provenance: { createdBy: 'bench/replay.ts (synthetic)', seed },
    tokens,
    experts,
    gates: new Float32Array(experts.length),
  };
}

export function replayBench(traceTokens = 32768) {
  const t0 = performance.now();
  const trace = syntheticLongcatTrace(traceTokens);
  const genMs = performance.now() - t0;
  const source = traceRoutingSource(trace, { mapping: 'exact', file: 'synthetic' });
  // Build the layer-major tables once (a one-off cost per trace, not per step).
  const t1 = performance.now();
  for (let layer = 0; layer < LAYERS; layer++) source.layerTable?.(layer);
  const tablesMs = performance.now() - t1;
  const placement = contiguousPlacement(FFN, 128);
  const scratch = createTrafficScratch();
  const rng = createRng(7);
  const run = (tokensPerGpu: number, contiguous: boolean, repeats: number) => {
    let best = Infinity;
    let bestCpu = Infinity;
    const lookups = 128 * tokensPerGpu * LAYERS * TOPK;
    for (let rep = 0; rep < repeats; rep++) {
      const tokensByRank = sampleStepTokens(source, rng, 128, tokensPerGpu, contiguous);
      const t = performance.now();
      const c = process.cpuUsage();
      for (let layer = 0; layer < LAYERS; layer++) {
        buildLayerTraffic({ source, layer, tokensByRank, placement, gpusPerNode: 8, firstGpu: 0, scratch });
      }
      bestCpu = Math.min(bestCpu, process.cpuUsage(c).user / 1000);
      best = Math.min(best, performance.now() - t);
    }
    return { tokensPerGpu, ms: best, cpuMs: bestCpu, lookups, lookupsPerSec: lookups / (best / 1000) };
  };
  return {
    traceTokens,
    genMs,
    tablesMs,
    decode8: run(8, false, 20),
    decode32: run(32, false, 20),
    prefill4096: run(4096, true, 3),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = replayBench(Number(process.argv[2] ?? 32768));
  console.log(
    `replay (SYNTHETIC LongCat-shaped routing, ${r.traceTokens} trace tokens generated in ${r.genMs.toFixed(0)} ms, ` +
      `layer tables in ${r.tablesMs.toFixed(0)} ms; 128 GPUs, EP 128, 8 per node, 28 layers, top-12; best of several steps):`,
  );
  for (const [name, x] of [['decode  8 tok/GPU', r.decode8], ['decode 32 tok/GPU', r.decode32], ['prefill 4096 tok/GPU', r.prefill4096]] as const) {
    console.log(
      `  ${name}: ${(x.lookups / 1e6).toFixed(2)} M lookups in ${x.ms.toFixed(1)} ms per step, all layers (${x.cpuMs.toFixed(0)} ms CPU) ` +
        `= ${(x.lookupsPerSec / 1e6).toFixed(0)} M lookups/s`,
    );
  }
}
