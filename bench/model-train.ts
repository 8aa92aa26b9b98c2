// Training throughput of the MoE model: ms/step and tokens/s for each preset on each backend,
// plus, on wasm for longcat-shape, the two expert designs side by side (fused JS kernel vs tfjs
// capacity buffers with batched matMul). Real corpus text, real tokenizer, one batch of
// batchSize x contextLength tokens per step; times are medians after warm-up steps.
//   node bin/run-ts.js bench/model-train.ts [--presets tiny,longcat-shape] [--backends wasm,cpu] [--steps N]
import { initBackend } from '../model/backend/index.ts';
import type { BackendChoice } from '../model/options/index.ts';
import { sampleBatch } from '../model/index.ts';
import type { ExpertImpl } from '../model/layers/index.ts';
import { createAdamState, disposeAdamState } from '../model/index.ts';
import { countParams } from '../model/index.ts';
import { presetConfig } from '../model/index.ts';
import { trainStep } from '../model/index.ts';
import { encodeByDomain, fitTokenizer, loadSplit } from '../model/index.ts';
import { createModel, disposeModel } from '../model/index.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const presets = arg('presets', 'tiny,longcat-shape').split(',');
const backends = arg('backends', 'wasm,cpu').split(',') as BackendChoice[];
const wasmSteps = Number(arg('steps', '6'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const split = loadSplit(0.05);
console.log('preset         backend  design     params     ms/step  tokens/s  (steps timed)');
for (const name of presets) {
  const run = presetConfig(name);
  const tokenizer = fitTokenizer(split.train, run.model, { ...run.train, tokenizerSampleBytes: 600_000 });
  const streams = encodeByDomain(tokenizer, split.train, 300_000).streams;
  for (const backend of backends) {
    const designs: ExpertImpl[] = backend === 'wasm' && name === 'longcat-shape' ? ['fused-js', 'capacity'] : ['fused-js'];
    for (const design of designs) {
      await initBackend(backend);
      const model = createModel(run.model, run.seed);
      const opt = createAdamState(model.params);
      const slow = backend === 'cpu';
      const warm = slow ? 1 : 2;
      const timed = slow ? 2 : wasmSteps;
      const ms: number[] = [];
      for (let s = 0; s < warm + timed; s++) {
        const batch = sampleBatch(streams, run.train.batchSize, run.model.contextLength, run.seed, s);
        const t0 = performance.now();
        trainStep(model, opt, batch, run.train, 1e-3, { expertImpl: design });
        if (s >= warm) ms.push(performance.now() - t0);
      }
      const m = median(ms);
      const tokens = run.train.batchSize * run.model.contextLength;
      console.log(
        `${name.padEnd(14)} ${backend.padEnd(8)} ${design.padEnd(10)} ${countParams(model.params).toLocaleString('en-US').padStart(9)}  ${m.toFixed(0).padStart(7)}  ${(
          (tokens * 1000) /
          m
        )
          .toFixed(0)
          .padStart(8)}  (${timed})`,
      );
      disposeAdamState(opt);
      disposeModel(model);
    }
  }
}
